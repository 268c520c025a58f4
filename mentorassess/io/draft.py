"""Drafting a mapping file for an export (``mentorassess import ... --write-mapping draft.yaml``).

Items found exactly (column name, Qualtrics ImportId, exact question text or field label) are
kept; the others are assigned one-to-one from all the evidence by
:func:`mentorassess.io.matching.assign_items` (header text against every wording of the item,
the order of matrix rows, answers on the scale). Identifier, role and wave columns are only
proposed among columns that are not items and whose answers are not on the scale.

Every line carries its confidence as a comment, ``# confidence: high|medium|low (reason)``. The
lines a person must check are listed under ``confirm:`` (low-confidence items, items left
empty, guessed identifier columns, answer values to fill in); the import refuses a mapping whose
``confirm:`` list is not empty (:func:`mentorassess.io.mapping.load_mapping`). To confirm a line,
correct it if needed and delete its entry from ``confirm:``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from mentorassess.io.mapping import AUTO_NAMES, _squash, auto_items
from mentorassess.io.matching import assign_items
from mentorassess.io.tables import RawTable
from mentorassess.io.values import ValueRules, classify, normalise_label

__all__ = ["draft_mapping", "candidate_columns"]

# Columns tools add that are never items (compared after _squash).
_SYSTEM = {_squash(n) for n in (
    "StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished", "RecordedDate",
    "ResponseId", "RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
    "LocationLatitude", "LocationLongitude", "DistributionChannel", "UserLanguage", "id", "submitdate", "lastpage",
    "startlanguage", "seed", "token", "startdate", "datestamp", "ipaddr", "refurl", "Timestamp", "Email address",
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time", "Respondent ID", "Collector ID",
    "Start Date", "End Date", "IP Address", "Email Address", "First Name", "Last Name", "Custom Data 1",
    "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance", "redcap_survey_identifier",
    "redcap_data_access_group")}
_WORDS = {"mentor": ("mentor",), "rater_id": ("rater", "email", "e-mail", "token"), "wave": ("wave", "event"),
          "role": ("role", "rater type", "respondent type")}


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _conf(level: str, why: str) -> str:
    return f"   # confidence: {level} ({why})"


def _loop_prefixes(columns: list[str]) -> list[str]:
    """Loop numbers of Qualtrics loop & merge columns (``1_Q4_1``, ``2_Q4_1``...), if at least two."""
    bases: dict[str, set[str]] = {}
    for col in columns:
        m = re.match(r"^(\d+)_(.+)$", col)
        if m:
            bases.setdefault(m.group(2), set()).add(m.group(1))
    common = [v for v in bases.values() if len(v) >= 2]
    if len(common) < 3:
        return []
    return sorted(set.union(*common), key=int)


def _scale_share(table: RawTable, col: str, rules: ValueRules) -> tuple[float, int]:
    """Share of the non-empty cells of ``col`` that are scale answers (codes, labels, N/A), and their count."""
    ok = total = 0
    for raw, n in table.body[col].value_counts().items():
        kind = classify(str(raw), rules, table.value_labels.get(col), table.missing_codes.get(col))[0]
        if kind == "empty":
            continue
        total += int(n)
        ok += int(n) if kind in ("code", "na") else 0
    return (ok / total if total else 0.0), total


def candidate_columns(table: RawTable, rules: ValueRules, exclude: set[str]) -> list[str]:
    """Columns that may hold items: not metadata, and answers (if any) mostly on the scale."""
    out = []
    for col in table.columns:
        if col in exclude or _squash(col) in _SYSTEM:
            continue
        share, total = _scale_share(table, col, rules)
        if total == 0 or share >= 0.8:
            out.append(col)
    return out


def _meta(table: RawTable, item_cols: set[str], rules: ValueRules) -> dict[str, tuple[str, str, str]]:
    """Metadata field -> (column, confidence, reason); never an item column or a column of scale answers."""
    look = {c.casefold(): c for c in table.columns if c not in item_cols}
    out: dict[str, tuple[str, str, str]] = {}
    for key, names in AUTO_NAMES.items():
        col = next((look[n.casefold()] for n in names if n.casefold() in look), None)
        if col is not None:
            out[key] = (col, "high", "known column name")
    for key, col in (table.extra.get("auto_meta") or {}).items():
        if key not in out and col in table.columns and col not in item_cols:
            out[key] = (col, "high", f"{table.format} column")
    squashed: dict[str, list[str]] = {}
    for col in table.columns:
        if col not in item_cols:
            squashed.setdefault(_squash(col), []).append(col)
    for key, names in AUTO_NAMES.items():
        if key in out:
            continue
        for n in names:
            cols = squashed.get(_squash(n), [])
            if len(cols) == 1 and cols[0] not in {v[0] for v in out.values()}:
                out[key] = (cols[0], "high", "known column name up to case and spacing")
                break
    if table.format == "redcap" and table.columns:
        rid = table.columns[0]
        out.setdefault("response_id", (rid, "high", "REDCap record id, the project's first field"))
        if "rater_id" not in out:
            out["rater_id"] = (rid, "high", "REDCap record id: a record is one participant")
        stamp = [c for c in table.columns if c.endswith("_timestamp")]
        if "submitted_at" not in out and len(stamp) == 1:
            out["submitted_at"] = (stamp[0], "high", "REDCap survey timestamp")
    used = {v[0] for v in out.values()}
    for key, words in _WORDS.items():
        if key in out:
            continue
        cands = [c for c in table.columns if c not in item_cols and c not in used and len(c) <= 40
                 and _squash(c) not in _SYSTEM
                 and any(w in c.casefold() for w in words) and _scale_share(table, c, rules)[0] < 0.5]
        if len(cands) == 1:
            out[key] = (cands[0], "low", "guessed from the column name")
            used.add(cands[0])
    return out


def draft_mapping(table: RawTable, instrument, *, dictionary: Path | None = None, base: Path | None = None) -> str:
    """YAML text of a draft mapping for ``table``: every line with its confidence (see the module notes)."""
    confirm: list[tuple[str, str]] = []
    lines = [f"# Draft mapping for {Path(table.file).name} (format {table.format}), instrument {instrument.id}.",
             "# Each line says how sure the draft is: '# confidence: high|medium|low (reason)'.",
             "# Check the lines listed under 'confirm:' at the end; correct a line if it is wrong, then delete its",
             "# entry from 'confirm:'. The import refuses this file while 'confirm:' lists anything.",
             f"instrument: {instrument.id}", f"format: {table.format}"]
    if table.sheet:
        lines.append(f"sheet: {_q(table.sheet)}")
    if dictionary is not None:
        rel = dictionary.name if base is None or dictionary.parent == base else str(dictionary)
        lines.append(f"dictionary: {_q(rel)}")
    rules = ValueRules.build(instrument)
    exact, how = auto_items(table, instrument)
    loops = _loop_prefixes(table.columns)
    if loops:
        lines.append("# loop & merge columns found (1_..., 2_...); if one row rates several mentors:")
        lines.append(f"# loop: {{iterations: [{', '.join(loops)}], prefix: \"{{i}}_\"}}   "
                     "# then name items and the mentor without the prefix")
    # metadata known by name first (never items), then the items among the other columns
    known_meta = {v[0] for k, v in _meta(table, set(), rules).items() if v[1] == "high"}
    comments: dict[str, str] = {}
    look = {c.casefold(): c for c in table.columns}
    texts = {**table.column_labels, **table.questions}
    for oe in instrument.open_ended:
        col = look.get(oe.id.casefold()) or next((c for c, t in texts.items()
                                                   if t and normalise_label(t) == normalise_label(oe.prompt)), None)
        if col:
            comments[oe.id] = col
    rest = [it for it in instrument.items if it.id not in exact]
    taken = set(exact.values()) | known_meta | set(comments.values())
    proposals = {p.item: p for p in assign_items(rest, candidate_columns(table, rules, taken), table)}
    item_cols = set(exact.values()) | {p.column for p in proposals.values() if p.column}
    meta = _meta(table, item_cols, rules)

    stems = {f.rater_role for f in instrument.forms.values() if f.stem and any(
        normalise_label(q).startswith(normalise_label(f.stem)) for q in table.questions.values() if q)}
    if len(stems) == 1 and "role" not in meta:
        lines.append(f"role: {stems.pop()}" + _conf("high", "the question text starts with this form's stem"))
    elif "role" not in meta:
        lines.append(f"# role: {next(iter(instrument.forms))}   # the rater role of every response "
                     f"({', '.join(f.rater_role for f in instrument.forms.values())}), or pass --role")
    lines.append("columns:")
    for key in AUTO_NAMES:
        if key in meta:
            col, level, why = meta[key]
            lines.append(f"  {key}: {_q(col)}" + _conf(level, why))
            if level == "low":
                confirm.append((f"columns.{key}", f"column {col!r} {why}"))
        elif key in ("mentor", "wave"):
            lines.append(f"  # {key}:    # no column found; name the column (or give --{key} / {key}: as a constant)")
    lines.append("items:")
    for item in instrument.items:
        if item.id in exact:
            level, why = "high", {"name": "column name", "ImportId": "ImportId"}.get(how[item.id], "exact text")
            lines.append(f"  {item.id}: {_q(exact[item.id])}" + _conf(level, why))
            continue
        p = proposals[item.id]
        if p.column is None:
            lines.append(f"  {item.id}:" + _conf("low", p.reason))
            confirm.append((f"items.{item.id}", "no column found: name it, or leave it empty if the survey did "
                                                "not ask it"))
        else:
            lines.append(f"  {item.id}: {_q(p.column)}" + _conf(p.confidence, p.reason))
            if p.confidence == "low":
                confirm.append((f"items.{item.id}", f"column {p.column!r}: {p.reason.split(';')[0]}"))
    lines.append("comments:")
    for oe in instrument.open_ended:
        if oe.id in comments:
            lines.append(f"  {oe.id}: {_q(comments[oe.id])}" + _conf("high", "exact name or prompt"))
        else:
            lines.append(f"  # {oe.id}:    # column of this open-ended question, if asked")
    odd: Counter = Counter()
    for col in sorted(item_cols):
        for raw, n in table.body[col].value_counts().items():
            kind = classify(str(raw), rules, table.value_labels.get(col), table.missing_codes.get(col))[0]
            if kind in ("unknown", "oor"):
                odd[str(raw).strip()] += int(n)
    if odd:
        lines.append("values:   # each answer text or code below -> a scale value, or na (not applicable)")
        for raw, n in sorted(odd.items(), key=lambda kv: (-kv[1], kv[0]))[:50]:
            lines.append(f"  {_q(raw)}:    # {n} cell(s)")
        confirm.append(("values", "give each listed answer its scale value or na"))
    if confirm:
        lines.append("confirm:   # delete each entry once its line is checked (and corrected if needed)")
        for key, why in confirm:
            lines.append(f"  - {key}   # {why}")
    return "\n".join(lines) + "\n"
