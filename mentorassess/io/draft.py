"""Drafting a mapping file for an export (``mentorassess import ... --write-mapping draft.yaml``).

Columns are matched to the instrument by name, Qualtrics ImportId, exact question text or
REDCap/SPSS field label; when none fits, by the most similar question text or label. Every line
that is not an exact match carries a ``# REVIEW`` comment, and unmatched items are left empty,
so that a person checks the draft before it is used. Answer texts that are neither on the scale
nor non-substantive are listed under ``values:`` for the person to fill in.
"""

from __future__ import annotations

import difflib
import json
from collections import Counter
from pathlib import Path

from mentorassess.io.mapping import AUTO_NAMES, auto_items
from mentorassess.io.tables import RawTable
from mentorassess.io.values import ValueRules, classify, normalise_label

__all__ = ["draft_mapping"]


def _q(text: str) -> str:
    return json.dumps(str(text), ensure_ascii=False)


def _texts(table: RawTable) -> dict[str, str]:
    out = {}
    for col in table.columns:
        text = table.questions.get(col) or table.column_labels.get(col)
        if text:
            out[col] = text.rsplit(" - ", 1)[-1] if " - " in text else text
    return out


def _loop_prefixes(columns: list[str]) -> list[str]:
    """Loop numbers of Qualtrics loop & merge columns (``1_Q4_1``, ``2_Q4_1``...), if at least two."""
    import re

    bases: dict[str, set[str]] = {}
    for col in columns:
        m = re.match(r"^(\d+)_(.+)$", col)
        if m:
            bases.setdefault(m.group(2), set()).add(m.group(1))
    common = [v for v in bases.values() if len(v) >= 2]
    if len(common) < 3:
        return []
    loops = set.union(*common)
    return sorted(loops, key=int)


def draft_mapping(table: RawTable, instrument, *, dictionary: Path | None = None, base: Path | None = None) -> str:
    """YAML text of a draft mapping for ``table`` (see the module notes)."""
    lines = [f"# Draft mapping for {Path(table.file).name} (format {table.format}), instrument {instrument.id}.",
             "# Check every line marked REVIEW, then use it with: mentorassess import ... --mapping THIS_FILE",
             f"instrument: {instrument.id}", f"format: {table.format}"]
    if table.sheet:
        lines.append(f"sheet: {_q(table.sheet)}")
    if dictionary is not None:
        rel = dictionary.name if base is None or dictionary.parent == base else str(dictionary)
        lines.append(f"dictionary: {_q(rel)}")
    items, how = auto_items(table, instrument)
    loops = _loop_prefixes(table.columns)
    if loops:
        lines.append("# REVIEW: loop & merge columns found (1_..., 2_...); if one row rates several mentors:")
        lines.append(f"# loop: {{iterations: [{', '.join(loops)}], prefix: \"{{i}}_\"}}   "
                     "# then name items and the mentor without the prefix")
    stems = {f.rater_role for f in instrument.forms.values() if f.stem and any(
        normalise_label(q).startswith(normalise_label(f.stem)) for q in table.questions.values())}
    if len(stems) == 1:
        lines.append(f"role: {stems.pop()}          # REVIEW: inferred from the question text")
    elif not any(c.casefold() in ("rater_role", "role") for c in table.columns):
        lines.append(f"# role: {next(iter(instrument.forms))}   # REVIEW: the rater role of every response "
                     f"({', '.join(f.rater_role for f in instrument.forms.values())})")
    look = {c.casefold(): c for c in table.columns}
    lines.append("columns:")
    for key, names in AUTO_NAMES.items():
        col = next((look[n.casefold()] for n in names if n.casefold() in look), None)
        if col is not None:
            lines.append(f"  {key}: {_q(col)}")
            continue
        word = {"mentor": "mentor", "rater_id": "rater", "wave": "wave", "role": "role"}.get(key)
        cands = [c for c in table.columns if word and word in c.casefold()]
        if cands:
            lines.append(f"  {key}: {_q(cands[0])}   # REVIEW: guessed from the column name")
        elif key in ("mentor", "wave"):
            lines.append(f"  # {key}:    # REVIEW: no column found; name the column (or set {key} as a constant)")
    texts = _texts(table)
    used = set(items.values())
    lines.append("items:")
    for item in instrument.items:
        if item.id in items:
            note = "" if how[item.id] in ("name", "ImportId") else f"   # by {how[item.id]}"
            lines.append(f"  {item.id}: {_q(items[item.id])}{note}")
            continue
        best, score = None, 0.0
        for col, text in texts.items():
            if col in used:
                continue
            s = difflib.SequenceMatcher(None, normalise_label(item.wording), normalise_label(text)).ratio()
            if s > score:
                best, score = col, s
        if best is not None and score >= 0.5:
            used.add(best)
            lines.append(f"  {item.id}: {_q(best)}   # REVIEW: guessed from {_q(texts[best][:60])} "
                         f"(similarity {score:.2f})")
        else:
            lines.append(f"  {item.id}:    # REVIEW: no column found; name it, or leave empty if not asked")
    lines.append("comments:")
    for oe in instrument.open_ended:
        col = look.get(oe.id.casefold()) or next((c for c, t in {**table.questions, **table.column_labels}.items()
                                                   if normalise_label(t) == normalise_label(oe.prompt)), None)
        if col:
            lines.append(f"  {oe.id}: {_q(col)}")
        else:
            lines.append(f"  # {oe.id}:    # REVIEW: column of this open-ended question, if asked")
    rules = ValueRules.build(instrument)
    odd: Counter = Counter()
    for col in {c for c in items.values() if c}:
        for raw, n in table.body[col].value_counts().items():
            kind = classify(str(raw), rules, table.value_labels.get(col), table.missing_codes.get(col))[0]
            if kind in ("unknown", "oor"):
                odd[str(raw).strip()] += int(n)
    if odd:
        lines.append("values:   # REVIEW: each answer text or code below -> a scale value, or na (not applicable)")
        for raw, n in sorted(odd.items(), key=lambda kv: -kv[1])[:50]:
            lines.append(f"  {_q(raw)}:    # {n} cell(s)")
    return "\n".join(lines) + "\n"
