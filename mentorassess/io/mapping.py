"""Mapping files: which export column is which item, mentor, role, wave, rater and comment.

A mapping is a YAML file (read with line numbers, :mod:`mentorassess._yaml`)::

    instrument: mca-26            # optional check
    format: qualtrics             # optional; like --format
    sheet: Responses              # XLSX: the sheet to read
    dictionary: project_DataDictionary.csv   # REDCap, relative to this file
    role: mentee                  # a constant, or map a column under columns.role
    wave: pre                     # a constant, or map a column under columns.wave
    columns:                      # column names or Qualtrics ImportIds
      response_id: ResponseId
      mentor: mentor_id           # matched to the roster by id, e-mail or name
      rater_id: ExternalReference
      submitted_at: EndDate
      wave: wave
      finished: Finished          # Qualtrics Finished, or a REDCap <form>_complete column
      duration: Duration (in seconds)
      ip_address: IPAddress
    items: {mca01: Q4_1, mca02: Q4_2}     # null = the item was not asked
    comments: {comment_strengths: Q5}
    values: {"Not applicable": na, 99: na, "Very skilled": 6}
    missing_codes: [UNK, -99]
    waves: {pre_arm_1: pre}       # wave column values -> waves
    roles: {Mentee: mentee}       # role column values -> rater roles
    loop: {iterations: [1, 2, 3], prefix: "{i}_"}   # Qualtrics loop & merge
    confirm: [items.mca08]        # a draft's lines still to check: refused until the list is empty
    test_rows: [{column: rater_email, values: [test@example.edu]}]
    options: {incomplete_min_answered: 0.8, duplicates: keep_latest}

:func:`resolve` applies a mapping (or the automatic rules when there is none) to an export and
reports every mismatch at once; :mod:`mentorassess.io.draft` writes a draft mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentorassess._yaml import load_yaml_with_lines
from mentorassess.errors import ConfigError, DataError, Problem
from mentorassess.io.tables import RawTable
from mentorassess.io.values import normalise_label

__all__ = ["Mapping", "Resolved", "load_mapping", "resolve", "META_FIELDS", "AUTO_NAMES"]

META_FIELDS = ("response_id", "mentor", "rater_id", "submitted_at", "role", "wave", "finished", "progress",
               "duration", "ip_address")
TOP_KEYS = {"instrument", "format", "sheet", "dictionary", "role", "wave", "columns", "items", "comments", "values",
            "missing_codes", "waves", "roles", "loop", "test_rows", "options", "review",
            "confirm"}
OPTION_KEYS = {"incomplete_min_answered", "duplicates", "exclude_speeders", "exclude_straightliners",
               "speeder_fraction", "straightline_min_items", "date_order"}
# Column names recognised without a mapping (compared case-insensitively), in order of preference.
AUTO_NAMES = {
    "response_id": ["response_id", "ResponseId", "ResponseID", "record_id"],
    "mentor": ["mentor_id", "mentorid", "mentor", "mentor_email", "mentor_name", "your_mentor"],
    "rater_id": ["rater_id", "raterid", "rater", "ExternalReference"],
    "submitted_at": ["submitted_at", "EndDate", "RecordedDate"],
    "role": ["rater_role", "role", "rater_type"],
    "wave": ["wave", "redcap_event_name"],
    "finished": ["Finished"],
    "progress": ["Progress"],
    "duration": ["Duration (in seconds)", "duration"],
    "ip_address": ["IPAddress"],
}


@dataclass
class Mapping:
    """A parsed mapping file (all parts optional)."""

    source: str | None = None
    instrument: str | None = None
    format: str | None = None
    sheet: str | None = None
    dictionary: Path | None = None
    role: str | None = None
    wave: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    items: dict[str, str | None] = field(default_factory=dict)
    comments: dict[str, str | None] = field(default_factory=dict)
    values: dict[Any, Any] = field(default_factory=dict)
    missing_codes: list[str] = field(default_factory=list)
    waves: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)
    loop_iterations: list[str] = field(default_factory=list)
    loop_prefix: str = "{i}_"
    test_rows: list[tuple[str, set[str]]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    lines: dict = field(default_factory=dict)


def load_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file; every problem is reported at once (``ConfigError``)."""
    name = str(path)
    doc, problems = load_yaml_with_lines(path)
    if doc is None:
        raise ConfigError.from_problems(problems, summary=f"{name}: cannot read the mapping file")
    data = doc.data
    if not isinstance(data, dict):
        raise ConfigError("a mapping file must be a YAML mapping (key: value lines)", file=name)
    probs: list[Problem] = []

    def bad(msg: str, loc: tuple, hint: str | None = None) -> None:
        probs.append(Problem(msg, file=name, line=doc.line(loc), loc=loc, hint=hint, code="mapping"))

    for key in data:
        if key not in TOP_KEYS:
            bad(f"unknown key {key!r}", (key,), f"allowed: {', '.join(sorted(TOP_KEYS))}")
    m = Mapping(source=name, lines=doc.lines)
    for key in ("instrument", "format", "sheet", "role", "wave"):
        if data.get(key) is not None:
            setattr(m, key, str(data[key]))
    if data.get("dictionary"):
        m.dictionary = (Path(name).parent / str(data["dictionary"])).resolve()
    for key in ("columns", "items", "comments", "values", "waves", "roles", "options"):
        value = data.get(key) or {}
        if not isinstance(value, dict):
            bad(f"{key!r} must be a mapping", (key,))
            continue
        if key == "columns":
            for k in value:
                if k not in META_FIELDS:
                    bad(f"unknown column role {k!r}", (key, k), f"allowed: {', '.join(META_FIELDS)}")
        if key == "options":
            for k in value:
                if k not in OPTION_KEYS:
                    bad(f"unknown option {k!r}", (key, k), f"allowed: {', '.join(sorted(OPTION_KEYS))}")
        conv = {str(k): (None if v is None else str(v)) for k, v in value.items()}
        setattr(m, key, value if key in ("values", "options") else conv)
    mc = data.get("missing_codes") or []
    if not isinstance(mc, list):
        bad("'missing_codes' must be a list", ("missing_codes",))
    else:
        m.missing_codes = [str(x) for x in mc]
    loop = data.get("loop")
    if loop is not None:
        if not isinstance(loop, dict) or not isinstance(loop.get("iterations"), list):
            bad("'loop' needs 'iterations: [1, 2, ...]'", ("loop",))
        else:
            m.loop_iterations = [str(i) for i in loop["iterations"]]
            m.loop_prefix = str(loop.get("prefix", "{i}_"))
            if "{i}" not in m.loop_prefix:
                bad("loop prefix must contain {i}", ("loop", "prefix"))
    for i, rule in enumerate(data.get("test_rows") or []):
        if not isinstance(rule, dict) or "column" not in rule or not isinstance(rule.get("values"), list):
            bad("each test_rows entry needs 'column' and 'values: [...]'", ("test_rows", i))
        else:
            m.test_rows.append((str(rule["column"]), {str(v) for v in rule["values"]}))
    if probs:
        raise ConfigError.from_problems(probs, summary=f"{name}: invalid mapping file")
    _refuse_unconfirmed(data.get("confirm"), doc, name)
    return m


def _refuse_unconfirmed(entries, doc, name: str) -> None:
    """A drafted mapping whose ``confirm:`` list still names lines is refused, listing each line."""
    if entries is None or entries == []:
        return
    if not isinstance(entries, list):
        entries = [entries]
    probs = []
    for i, entry in enumerate(entries):
        key = str(entry)
        loc = tuple(key.split(".", 1)) if "." in key else (key,)
        line = doc.line(loc) or doc.line(("confirm", i))
        probs.append(Problem(f"confirm {key}: this drafted line has not been confirmed", file=name, line=line,
                             loc=("confirm", i), code="mapping-unconfirmed",
                             hint="check the line (correct it if it is wrong), then delete its entry from "
                                  "'confirm:'"))
    raise ConfigError.from_problems(probs, summary=f"{name}: {len(probs)} drafted line(s) to confirm before this "
                                                   "mapping can be used")


@dataclass
class Resolved:
    """Export columns for each canonical field; ``iterations`` is ``[None]`` without loop & merge."""

    iterations: list[str | None]
    prefix: str
    meta: dict[str, str]
    items: dict[str, str | None]
    comments: dict[str, str | None]
    how: dict[str, str] = field(default_factory=dict)   # item id -> how it was matched (audit)

    def column(self, base: str | None, iteration: str | None, table: RawTable) -> str | None:
        """The column of ``base`` in a loop iteration (falls back to the row-level column)."""
        if base is None:
            return None
        if iteration is not None:
            looped = self.prefix.replace("{i}", iteration) + base
            if looped in table.body.columns:
                return looped
        return base


def _lookup(table: RawTable) -> dict[str, str]:
    """Case-folded column names and ImportIds -> column name."""
    out: dict[str, str] = {}
    for col, iid in table.import_ids.items():
        out.setdefault(iid.casefold(), col)
    for col in table.columns:
        out[col.casefold()] = col
    return out


def _statement(question: str) -> str:
    text = question.rsplit(" - ", 1)[-1] if " - " in question else question
    return normalise_label(text)


def auto_items(table: RawTable, instrument, *, exact_text: bool = True) -> tuple[dict, dict]:
    """Items found without a mapping: by column name, ImportId, then exact question/field label."""
    look = _lookup(table)
    items: dict[str, str | None] = {}
    how: dict[str, str] = {}
    by_text: dict[str, list[str]] = {}
    for col in table.columns:
        for text in (table.questions.get(col), table.column_labels.get(col)):
            if text:
                by_text.setdefault(_statement(text), []).append(col)
    for item in instrument.items:
        col = look.get(item.id.casefold())
        if col is not None:
            items[item.id] = col
            how[item.id] = "name" if col.casefold() == item.id.casefold() else "ImportId"
            continue
        if exact_text:
            for text in filter(None, (item.text, item.label)):
                cols = by_text.get(normalise_label(text), [])
                if len(cols) == 1:
                    items[item.id] = cols[0]
                    how[item.id] = "question text"
                    break
    return items, how


def resolve(table: RawTable, instrument, mapping: Mapping | None) -> Resolved:
    """Apply ``mapping`` (or the automatic rules) to ``table``; raise listing every mismatch."""
    look = _lookup(table)
    problems: list[Problem] = []
    src = mapping.source if mapping else None
    iterations: list[str | None] = [None]
    prefix = "{i}_"
    if mapping and mapping.loop_iterations:
        iterations, prefix = list(mapping.loop_iterations), mapping.loop_prefix

    def find(name: str, what: str, looped: bool) -> str | None:
        if looped:
            for it in iterations:
                if (prefix.replace("{i}", str(it)) + name).casefold() in look:
                    return name
        col = look.get(name.casefold())
        if col is not None:
            return col
        problems.append(Problem(f"mapping names column {name!r} for {what}, but the export has no such column",
                                file=src, line=mapping.lines.get(_loc_of(mapping, what)) if mapping else None,
                                column=name, code="mapping-mismatch",
                                hint="check the spelling, or draft a mapping with --write-mapping"))
        return None

    looped = iterations != [None]
    meta: dict[str, str] = {}
    if mapping and mapping.columns:
        for key, name in mapping.columns.items():
            if name is not None:
                col = find(name, key, looped and key == "mentor")
                if col is not None:
                    meta[key] = col
    for key, names in AUTO_NAMES.items():
        if key not in meta and not (mapping and key in mapping.columns):
            for n in names:
                if n.casefold() in look:
                    meta[key] = look[n.casefold()]
                    break
    for key, col in (table.extra.get("auto_meta") or {}).items():
        if key not in meta and not (mapping and key in mapping.columns) and col in table.body.columns:
            meta[key] = col
    how: dict[str, str] = {}
    if mapping and mapping.items:
        items = {}
        for item_id, name in mapping.items.items():
            if item_id not in instrument.item_ids:
                problems.append(Problem(f"item {item_id!r} is not in instrument {instrument.id!r}", file=src,
                                        line=mapping.lines.get(("items", item_id)), code="mapping-unknown-item"))
            elif name is None:
                items[item_id] = None
            else:
                col = find(name, item_id, looped)
                items[item_id] = col
                how[item_id] = "mapping"
        for item_id in instrument.item_ids:
            if item_id not in mapping.items:
                problems.append(Problem(f"the mapping does not say which column holds item {item_id!r}", file=src,
                                        code="mapping-missing-item",
                                        hint="add it under items:, or 'null' if the survey did not ask it"))
    else:
        items, how = auto_items(table, instrument)
        if looped:
            items, how = _auto_looped(table, instrument, prefix, iterations[0])
        if not items:
            other = _other_instrument(table, instrument)
            raise DataError(f"none of the {len(instrument.items)} items of instrument {instrument.id!r} were found "
                            "in the export's columns" + (f"; its columns match instrument {other!r}" if other else ""),
                            file=table.file, row=1,
                            hint="is this the right instrument and file? Otherwise draft a mapping with "
                                 "--write-mapping draft.yaml, review it and pass it with --mapping")
        missing = [i for i in instrument.item_ids if i not in items]
        if missing:
            other = _other_instrument(table, instrument)
            raise DataError(f"{len(missing)} item(s) of {instrument.id!r} have no column: {', '.join(missing[:10])}"
                            + (" ..." if len(missing) > 10 else "")
                            + (f"; the columns match instrument {other!r}" if other else ""), file=table.file, row=1,
                            hint="draft a mapping with --write-mapping draft.yaml, complete it and pass --mapping")
    comments: dict[str, str | None] = {}
    if mapping and mapping.comments:
        for cid, name in mapping.comments.items():
            if cid not in instrument.comment_ids:
                problems.append(Problem(f"comment {cid!r} is not an open-ended question of {instrument.id!r}",
                                        file=src, line=mapping.lines.get(("comments", cid)), code="mapping"))
            elif name is not None:
                comments[cid] = find(name, cid, looped)
    else:
        by_q = {normalise_label(q): c for c, q in {**table.column_labels, **table.questions}.items() if q}
        for oe in instrument.open_ended:
            col = look.get(oe.id.casefold()) or by_q.get(normalise_label(oe.prompt))
            if col is not None:
                comments[oe.id] = col
    _loose_meta(table, meta, mapping, {c for c in list(items.values()) + list(comments.values()) if c})
    used = [c for c in list(items.values()) + list(comments.values()) if c]
    dup = sorted({c for c in used if used.count(c) > 1})
    for c in dup:
        problems.append(Problem("the same column is mapped to more than one item or comment", file=src, column=c,
                                code="mapping-duplicate"))
    if problems:
        raise DataError.from_problems(problems, summary=f"{src or table.file}: the mapping does not fit the export "
                                                         f"{table.file}")
    return Resolved(iterations=iterations, prefix=prefix, meta=meta, items=items, comments=comments, how=how)


def _squash(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.casefold())


def _loose_meta(table: RawTable, meta: dict, mapping: Mapping | None, item_columns: set[str]) -> None:
    """Metadata columns whose names equal a known name up to case, spaces and punctuation (``Mentor ID``).

    Never a column already used for an item or comment, and never a column of two meanings.
    """
    taken = set(meta.values()) | item_columns
    squashed: dict[str, list[str]] = {}
    for col in table.columns:
        if col not in taken:
            squashed.setdefault(_squash(col), []).append(col)
    for key, names in AUTO_NAMES.items():
        if key in meta or (mapping and key in mapping.columns):
            continue
        for n in names:
            cols = squashed.get(_squash(n), [])
            if len(cols) == 1 and cols[0] not in meta.values():
                meta[key] = cols[0]
                break


def _auto_looped(table: RawTable, instrument, prefix: str, first: str) -> tuple[dict, dict]:
    p = prefix.replace("{i}", first)
    items, how = {}, {}
    cols = {c.casefold(): c for c in table.columns}
    for item in instrument.items:
        col = cols.get((p + item.id).casefold())
        if col is not None:
            items[item.id] = col[len(p):]
            how[item.id] = "name"
    return items, how


def _loc_of(mapping: Mapping, what: str) -> tuple:
    if what in mapping.items:
        return ("items", what)
    if what in mapping.comments:
        return ("comments", what)
    return ("columns", what)


def _other_instrument(table: RawTable, instrument) -> str | None:
    """Id of a built-in instrument whose items are all columns of the export, if any."""
    from mentorassess.instruments import list_instruments

    cols = {c.casefold() for c in table.columns}
    for other in list_instruments():
        if other.id != instrument.id and all(i.casefold() in cols for i in other.item_ids):
            return other.id
    return None
