"""``read_export``: one entry point from a survey export to canonical responses and an audit.

Steps: read and recognise the file (:mod:`detect`), apply the mapping (:mod:`mapping`), convert
answers (:mod:`values`), decide exclusions (:mod:`rows`), match mentors (:mod:`roster`) and build
the :class:`~mentorassess.io.audit.ImportReport`, whose invariant is checked when it is created.
The input file is only read, never modified.

Examples
--------
>>> from mentorassess.io import read_export
>>> res = read_export("data/sample/qualtrics_mentee.csv", "mca-26",
...                   roster="data/sample/roster.csv")  # doctest: +SKIP
>>> res.report.rows_read == res.report.rows_kept + res.report.rows_excluded_total  # doctest: +SKIP
True
"""

from __future__ import annotations

import glob
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from mentorassess._factorize import factorize
from mentorassess._safe import unescape_cell
from mentorassess.errors import ConfigError, DataError, Problem
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.io import distinct, qualtrics, redcap
from mentorassess.io.audit import ImportReport
from mentorassess.io.import_report import build_report
from mentorassess.io.checks import (check_mentor_cells, check_response_ids, check_value_targets, column_stats,
                                    off_scale_patterns)
from mentorassess.io.completion import finished_flags
from mentorassess.io.detect import read_table
from mentorassess.io.labels import WaveSet, check_constant, key, relabel
from mentorassess.io.mapping import AUTO_NAMES, Mapping, Resolved, load_mapping, resolve
from mentorassess.io.roster import RosterIndex, read_roster
from mentorassess.io.rows import ImportOptions, decide, parse_dates, straightline_flags
from mentorassess.io.spread import Background, spread_items
from mentorassess.io.tables import RawTable, as_text, strip_cells
from mentorassess.io.values import ValueRules, _distinct, convert_column, normalise_label

__all__ = ["read_export", "ImportResult", "CANONICAL_META"]

CANONICAL_META = ("response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at")

# Few-valued columns of a text export (answer codes, roles, waves) are read as categoricals and
# classified once per distinct text (:func:`~mentorassess.io.tables.read_text_grid`); False reads
# every cell as an object ``str`` (the reference path the differential tests compare with).
CATEGORICAL_CELLS = True


@dataclass(frozen=True)
class ImportResult:
    """Canonical responses (kept ones only) and the audit of the import."""

    responses: pd.DataFrame
    report: ImportReport


def read_export(path: str | Path, instrument: str | Instrument, *, mapping: str | Path | Mapping | None = None,
                roster: str | Path | pd.DataFrame | None = None, role: str | None = None, wave: str | None = None,
                format: str | None = None, options: ImportOptions | dict | None = None,
                dictionary: str | Path | None = None, waves: Sequence | None = None) -> ImportResult:
    """Import a survey export into canonical responses with an audit.

    Parameters
    ----------
    path : str or Path
        Qualtrics CSV/TSV/XLSX, REDCap CSV, SPSS .sav, or a generic CSV/XLSX with one header row.
    instrument : str or Instrument
        Built-in id (``"mca-26"``), a YAML path, or a loaded instrument.
    mapping : path or Mapping, optional
        Mapping file; without one, columns must be recognisable (item ids as names or ImportIds,
        exact item labels as question text or field labels).
    roster : path or DataFrame, optional
        Mentors to match against; without one, mentor cells are taken as ids.
    role, wave : str, optional
        Constant rater role and wave (win over the mapping's constants); a constant that
        contradicts the export's role or wave column is an error.
    format : str, optional
        ``qualtrics``, ``qualtrics-legacy``, ``redcap``, ``spss``, ``surveymonkey``,
        ``google-forms``, ``ms-forms``, ``limesurvey`` or ``generic``; detected when None.
    options : ImportOptions or dict, optional
        Row rules (override the mapping's ``options:``).
    dictionary : path, optional
        REDCap data dictionary (else the mapping's ``dictionary:``, else a ``*DataDictionary*.csv``
        beside the export).
    waves : sequence, optional
        The program's declared waves (ids, or objects with ``id`` and ``label``): wave cells must
        name one of them (case and spacing ignored). Without, the usual ids are recognised and other
        labels kept as waves of their own with a warning.

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFormatError
        The file cannot be read or recognised.
    DataError
        The content does not fit the instrument or mapping (unknown labels, a wrong mapping...).
    ConfigError
        Invalid mapping file or options.
    """
    ins = load_instrument(instrument)
    path = Path(path)
    file = str(path)
    m = load_mapping(mapping) if isinstance(mapping, (str, Path)) else (mapping or Mapping())
    if m.instrument and m.instrument != ins.id:
        raise ConfigError(f"the mapping is for instrument {m.instrument!r}, not {ins.id!r}", file=m.source,
                          hint="pass the matching --instrument or mapping")
    check_value_targets(m, ins)
    opts = ImportOptions.build(options, m.options)
    dict_path = Path(dictionary) if dictionary else m.dictionary
    found = None if dict_path else _find_dictionary(path)
    rc_dict = redcap.read_dictionary(dict_path or found) if (dict_path or found) else None
    expected = {c.casefold() for c in (*ins.item_ids, *ins.comment_ids, *m.items.values(), *m.columns.values(),
                                       *(n for names in AUTO_NAMES.values() for n in names)) if c}
    table = read_table(path, file, format=format or m.format, sheet=m.sheet, dictionary=rc_dict, expected=expected,
                       categories=CATEGORICAL_CELLS)
    digest = table.extra.get("sha256") or hashlib.sha256(path.read_bytes()).hexdigest()
    warnings: list[Problem] = list(table.warnings)
    if found is not None and table.format == "redcap":
        warnings.append(Problem(f"used the data dictionary {found.name} found beside the export", file=file,
                                code="dictionary-found", severity="warning",
                                hint="pass --dictionary to choose another one"))
    res = resolve(table, ins, m)
    if rc_dict is not None and rc_dict.record_id in table.body.columns:
        res.meta.setdefault("response_id", rc_dict.record_id)
        if not (m.columns and "rater_id" in m.columns):  # a REDCap record is a participant: the rater
            res.meta.setdefault("rater_id", rc_dict.record_id)
    rindex = None
    if roster is not None:
        rdf = roster if isinstance(roster, pd.DataFrame) else read_roster(roster)
        rindex = RosterIndex(rdf)

    n_rows = len(table.body)
    row_reason = np.full(n_rows, "", dtype=object)
    if table.format.startswith("qualtrics"):
        row_reason = qualtrics.status_reasons(table, warnings)
    for col, values in m.test_rows:
        if col not in table.body.columns:
            raise DataError(f"test_rows names column {col!r}, which the export lacks", file=m.source, column=col)
        hit = np.isin(strip_cells(table.body[col]), list(values))
        row_reason = np.where((row_reason == "") & hit, "test", row_reason)
    finished, completion_rule = finished_flags(table, res.meta, res.items, rc_dict, opts.incomplete_min_answered)

    rules = ValueRules.build(ins, m.values, m.missing_codes)
    parts, unknown, off_scale, recodes = [], Counter(), [], Counter()
    for it in res.iterations:
        part, unk, off, rec = _iteration(table, res, it, ins, rules)
        parts.append(part)
        unknown.update(unk)
        off_scale.extend(off)
        recodes.update(rec)
    stats: dict = {}
    for p in parts:
        stats.update(p["stats"])
    off_scale_patterns(table, stats, rules)
    _raise_value_problems(table, unknown, off_scale, m)

    if len(parts) == 1:  # no loop & merge: nothing to stack (each copy of 1M x 26 costs time and memory)
        resp = parts[0]["frame"]
        # the n x items arrays (and the straight-line test on them) are made on a second thread
        # while the id columns are made below
        spread = parts[0]["spread"]

        def spread_and_test():
            codes, ns, oor, answered = spread()
            return codes, ns, oor, answered, straightline_flags(codes, opts.straightline_min_items)

        items = Background(spread_and_test)
    else:
        resp = {k: np.concatenate([p["frame"][k] for p in parts]) for k in parts[0]["frame"]}
        items = (np.vstack([p["codes"] for p in parts]), np.vstack([p["ns"] for p in parts]),
                 np.vstack([p["oor"] for p in parts]), np.concatenate([p["answered"] for p in parts]), None)
    del parts
    # ``resp`` holds the per-response columns as arrays until all are made (then one DataFrame,
    # without a copy of each column as it is added)
    rowpos = resp["_row"]
    if _every_row(rowpos, n_rows):  # one response per row, in order: the row arrays need no gathering
        resp["row_reason"], resp["finished"], resp["source_row"] = row_reason, finished, table.rows
    else:
        resp["row_reason"] = row_reason[rowpos]
        resp["finished"] = finished[rowpos]
        resp["source_row"] = table.rows[rowpos]

    _set_ids(resp, table, res, ins, rowpos)
    ids_checked = check_response_ids(pd.DataFrame({c: resp[c] for c in ("response_id", "source_row")}, copy=False),
                                     table, res.meta.get("response_id"))
    label_recodes: Counter = Counter()
    groups: dict[str, tuple] = {}  # (codes, labels) per key column, for the exclusion rules' grouping
    _set_role_wave(resp, table, res, ins, m, role, wave, rowpos, waves, label_recodes, warnings, groups)
    matches = _match_mentors(resp, table, res, rindex, warnings, groups)
    resp["submitted_at"] = (parse_dates(pd.Series(resp["_submitted"], dtype=object, copy=False),
                                        res.meta.get("submitted_at", ""), file, warnings, rows=resp["source_row"],
                                        order=opts.date_order)
                            if "submitted_at" in res.meta else np.full(len(rowpos), np.nan))
    resp = pd.DataFrame(resp, copy=False)
    codes, ns, oor, answered, straight = items.result() if isinstance(items, Background) else items
    del items
    duration = qualtrics.durations(table) if table.format.startswith("qualtrics") else None
    if "duration" in res.meta:
        duration = pd.to_numeric(as_text(table.body[res.meta["duration"]]), errors="coerce").to_numpy(dtype=float)
    ip = table.body[res.meta["ip_address"]].to_numpy(dtype=object) if "ip_address" in res.meta else None
    reason, speed, straight = decide(resp, codes, answered, len(ins.items), opts,
                                     duration[rowpos] if duration is not None else None,
                                     ip[rowpos] if ip is not None else None, groups=groups, straight=straight)
    kept = reason == ""
    _check_kept(resp, kept, table, groups)

    # The item codes as one block: the codes array itself when every response is kept (no copy of
    # n x items floats), else its kept rows; the other columns are inserted around it (pd.concat
    # would consolidate the float ids columns with it: a copy).
    every = bool(kept.all())

    def rows(values):  # the kept rows (all of them: the array itself, shared with ``resp``, only read below)
        return values if every else values[kept]

    out = pd.DataFrame(rows(codes), columns=list(ins.item_ids), copy=False)
    del codes
    for pos, c in enumerate(CANONICAL_META):
        col = resp[c]
        # dtypes kept as they are; an object column goes in as its ndarray (pandas inspects a wrapped
        # object array's cells again on insert: 80 ms per million cells, for the same column)
        out.insert(pos, c, rows(col.to_numpy() if col.dtype == object else col.array))
    for cid in ins.comment_ids:
        out[cid] = rows(resp[f"comment::{cid}"].to_numpy(dtype=object))
    out["flag_speeder"] = rows(speed)
    out["flag_straightline"] = rows(straight)
    out["source_row"] = rows(resp["source_row"].to_numpy(dtype=np.int64))

    if ids_checked:  # distinct among all responses, so among the kept ones: score() need not hash them again
        distinct.remember(out, out["response_id"].to_numpy())

    report = build_report(table, ins, m, res, digest, resp, reason, kept, ns, oor, recodes, matches, speed, straight,
                     warnings, rowpos, label_recodes, completion_rule, answered, opts)
    return ImportResult(responses=out, report=report)


def _find_dictionary(path: Path) -> Path | None:
    if path.suffix.lower() not in (".csv", ".txt"):
        return None
    stem = re.split(r"_DATA", path.stem, maxsplit=1, flags=re.I)[0]
    cands = sorted(p for p in path.parent.glob(f"{glob.escape(stem)}*DataDictionary*.csv") if p != path)
    return cands[0] if len(cands) == 1 else None


def _iteration(table: RawTable, res: Resolved, it, ins: Instrument, rules: ValueRules):
    """One loop iteration's (or the only) responses: the per-response columns as a dict of arrays
    (``frame``), and the item columns converted per distinct text (``spread`` makes the n x items
    arrays from them; done here for a loop iteration, whose empty rows are then dropped)."""
    n = len(table.body)
    unknown, off, recodes = Counter(), [], Counter()
    stats: dict = {}
    converted: list[tuple[int, object]] = []
    for j, item in enumerate(ins.item_ids):
        col = res.column(res.items.get(item), it, table)
        if col is None or col not in table.body.columns:
            continue
        cv = convert_column(table.body[col], rules, table.value_labels.get(col), table.missing_codes.get(col))
        stats[col] = column_stats(table.body[col], cv, table.rows)
        converted.append((j, cv))
        for label, count in cv.unknown.items():
            unknown[(col, label)] += count
        bad = cv.off_scale_cells + sum(cv.unknown.values())
        if cv.answered and bad > 0.5 * cv.answered:
            off.append((col, bad, cv.answered))
        recodes.update(cv.recodes)
    # Columns as arrays (a DataFrame is made once from them, without copying each one in).
    frame: dict[str, np.ndarray] = {"_row": np.arange(n), "_iter": np.full(n, "" if it is None else str(it),
                                                                              dtype=object)}
    mentor_col = res.column(res.meta.get("mentor"), it, table)
    frame["_mentor"] = strip_cells(table.body[mentor_col]) if mentor_col in table.body.columns else np.full(
        n, "", dtype=object)
    for cid in ins.comment_ids:
        col = res.column(res.comments.get(cid), it, table)
        if col in table.body.columns:
            frame[f"comment::{cid}"] = _comment_cells(table.body[col])
        else:
            frame[f"comment::{cid}"] = np.full(n, None, dtype=object)
    frame["_submitted"] = (table.body[res.meta["submitted_at"]].to_numpy(dtype=object) if "submitted_at" in res.meta
                           else np.full(n, "", dtype=object))
    part = {"frame": frame, "stats": stats}
    if it is None:
        part["spread"] = lambda: spread_items(converted, n, len(ins.items))
        return part, unknown, off, recodes
    codes, ns, oor, nonempty = spread_items(converted, n, len(ins.items))
    produced = (frame["_mentor"] != "") | (nonempty > 0)
    keep = np.flatnonzero(produced)
    frame = {k: v[keep] for k, v in frame.items()}
    part.update(frame=frame, codes=codes[keep], ns=ns[keep], oor=oor[keep], answered=nonempty[keep])
    return part, unknown, off, recodes


def _comment_cells(values: pd.Series) -> np.ndarray:
    """Comment texts as exported, unescaped where they start with ``'``; None where blank.

    Computed once per distinct text (most comment cells are empty).
    """
    inverse, uniq = _distinct(values)  # non-text cells come as ""
    out = np.empty(len(uniq), dtype=object)
    for k, v in enumerate(uniq):
        blank = v.strip() == ""
        out[k] = None if blank else (unescape_cell(v) if v.startswith("'") else v)
    return out[inverse]


def _raise_value_problems(table: RawTable, unknown: Counter, off: list, m: Mapping) -> None:
    problems = []
    for col, bad, answered in off:
        problems.append(Problem(f"{bad} of {answered} answers are off the scale or unknown labels: the column "
                                "probably is not this item, or the export uses other codes", file=table.file,
                                column=col, code="wrong-mapping",
                                hint="check the mapping of this column (--write-mapping drafts one) and map the "
                                     "codes under values:"))
    for (col, label), count in sorted(unknown.items(), key=lambda kv: (kv[0][0], -kv[1])):
        first = int(np.flatnonzero((table.body[col].astype(str).str.strip() == label).to_numpy())[0])
        problems.append(Problem(f"unknown answer label {label!r} in {count} row(s)", file=table.file, row=int(table.rows[first]),
                                column=col, value=label, code="unknown-label",
                                hint="expected a scale value, an anchor label or a non-substantive answer; map the "
                                     "label under values: in the mapping file (e.g. 'label: 6' or 'label: na')"))
    if problems:
        raise DataError.from_problems(problems[:40], summary=f"{table.file}: answers that are not on the scale "
                                                             f"({len(unknown)} unknown label(s), {len(off)} "
                                                             "column(s) mostly off the scale)")


def _cell(table: RawTable, col: str | None, rowpos: np.ndarray) -> np.ndarray:
    if col is None or col not in table.body.columns:
        return np.full(len(rowpos), "", dtype=object)
    cells = strip_cells(table.body[col])
    return cells if _every_row(rowpos, len(cells)) else cells[rowpos]


def _every_row(rowpos: np.ndarray, n: int) -> bool:
    """True when ``rowpos`` is ``0, 1, ..., n - 1``."""
    return len(rowpos) == n and (n == 0 or (rowpos[0] == 0 and bool((np.diff(rowpos) == 1).all())))


def _set_ids(resp: pd.DataFrame, table: RawTable, res: Resolved, ins: Instrument, rowpos: np.ndarray) -> None:
    rid = _cell(table, res.meta.get("response_id"), rowpos)
    if table.format == "redcap":
        for pseudo in ("redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance"):
            extra = _cell(table, pseudo, rowpos)
            rid = np.where(extra != "", rid + "-" + extra, rid)
    stem = Path(table.file).stem
    empty = rid == ""
    if empty.any():  # a made-up id only where the export has none
        rid = rid.copy()
        rid[empty] = np.array([f"{stem}-row{r}" for r in table.rows[rowpos][empty]], dtype=object)
    it = resp["_iter"]
    looped = it != ""
    if looped.any():
        rid = np.where(looped, rid + "_" + it, rid)
    resp["response_id"] = rid
    rater = _cell(table, res.meta.get("rater_id"), rowpos)
    resp["rater_id"] = np.where(rater == "", np.nan, rater).astype(object, copy=False)  # np.where gives object already


def _per_distinct(raw, fn) -> np.ndarray:
    """``[fn(v) for v in raw]`` computed once per distinct value (exports repeat a few labels)."""
    codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [fn(v) for v in uniques]
    mapped[-1] = np.nan  # missing stays missing
    return mapped[codes]


def _set_role_wave(resp, table, res, ins, m, role, wave, rowpos, waves, recodes, warnings, groups) -> None:
    rows = resp["source_row"]
    roles = sorted({f.rater_role for f in ins.forms.values()})
    role_of = {**{key(fid): f.rater_role for fid, f in ins.forms.items()}, **{key(r): r for r in roles}}
    col = res.meta.get("role")
    found = None
    spread: list = []
    if col is not None:
        found = relabel(_cell(table, col, rowpos), rows, what="rater role", map_key="roles", column=col,
                        file=table.file, lookup=lambda v: role_of.get(key(v)), table_map=m.roles,
                        value_labels=table.value_labels.get(col), strip_arm=False, recodes=recodes,
                        keep_unknown=False, allowed=roles, warnings=warnings, spread=spread)
    given = role or m.role
    if given is not None:
        g = role_of.get(key(given))
        if g is None:
            raise ConfigError(f"unknown rater role(s) {given!r} given as a constant", file=table.file, value=given,
                              hint=f"roles of {ins.id}: {', '.join(roles)}")
        if found is not None:
            check_constant(g, found, rows, what="rater role", column=col, file=table.file,
                           option=f"--role {given}" if role else f"role: {given} of the mapping")
        resp["rater_role"] = np.full(len(rows), g, dtype=object)
    elif found is not None:
        resp["rater_role"] = found
        if spread:
            groups["rater_role"] = spread[0]
    else:
        g = _role_from_questions(table, res, ins)
        if g is None:
            raise ConfigError("the rater role is unknown: the export has no role column", file=table.file,
                              hint=f"pass --role ({', '.join(roles)}) or set role: in the mapping")
        resp["rater_role"] = np.full(len(rows), g, dtype=object)
    ws = WaveSet(waves)
    col = res.meta.get("wave")
    found = None
    spread = []
    if col is not None:
        found = relabel(_cell(table, col, rowpos), rows, what="wave", map_key="waves", column=col, file=table.file,
                        lookup=ws.find, table_map=m.waves, value_labels=table.value_labels.get(col),
                        strip_arm=col == "redcap_event_name", recodes=recodes,
                        keep_unknown=not ws.declared or (wave or m.wave) is not None,
                        allowed=ws.ids, warnings=warnings, spread=spread)
    given = wave or m.wave
    if given is not None:
        g = ws.find(str(given)) or str(given)
        if found is not None:
            check_constant(g, found, rows, what="wave", column=col, file=table.file,
                           option=f"--wave {given}" if wave else f"wave: {given} of the mapping")
        resp["wave"] = np.full(len(rows), g, dtype=object)
    elif found is not None:
        resp["wave"] = found
        if spread:
            groups["wave"] = spread[0]
    else:
        raise ConfigError("the wave is unknown: the export has no wave column", file=table.file,
                          hint="pass --wave (e.g. pre or post) or map a wave column in the mapping")


def _role_from_questions(table: RawTable, res: Resolved, ins: Instrument) -> str | None:
    texts = [normalise_label(table.questions.get(c, "")) for c in res.items.values() if c]
    found = set()
    for form in ins.forms.values():
        if form.stem and any(t.startswith(normalise_label(form.stem)) for t in texts):
            found.add(form.rater_role)
    return found.pop() if len(found) == 1 else None


def _match_mentors(resp, table, res, rindex, warnings, groups) -> list[str]:
    raw = resp["_mentor"]
    methods = np.full(len(raw), "", dtype=object)
    ids = np.full(len(raw), np.nan, dtype=object)
    if "mentor" not in res.meta:
        raise ConfigError("no mentor column: the export has no mentor_id column and the mapping names none",
                          file=table.file, hint="map the column holding the mentor under columns: mentor:")
    col = res.meta["mentor"]
    inverse, uniq = factorize(raw)  # each distinct mentor cell matched once
    check_mentor_cells(raw, resp["source_row"], table, col, factorized=(inverse, uniq))
    if rindex is None:
        warnings.append(Problem("no roster given: mentor cells are taken as mentor ids without a check", file=table.file,
                                column=col, code="no-roster", severity="warning",
                                hint="pass --roster to match mentors by id, e-mail or name and catch typos"))
    cache: dict[str, tuple] = {}
    id_u = np.full(len(uniq), np.nan, dtype=object)
    how_u = np.full(len(uniq), "", dtype=object)
    if rindex is None:  # every non-empty cell is its own id
        given = np.array([v != "" for v in uniq], dtype=bool)
        id_u[given], how_u[given] = uniq[given], "no roster"
    for k, v in enumerate(uniq if rindex is not None else ()):
        if v == "":
            continue
        cache[v] = rindex.match(v)
        mid, how, sugg = cache[v]
        if mid is not None:
            id_u[k], how_u[k] = mid, how
    if len(raw):
        ids, methods = id_u[inverse], how_u[inverse]
    for v, (mid, how, sugg) in sorted(cache.items()):
        if how == "id (leading zeros restored)":
            rows = resp["source_row"][raw == v].tolist()
            warnings.append(Problem(f"mentor {v!r} matched roster id {mid!r} by restoring leading zeros "
                                    f"({len(rows)} response(s)); a spreadsheet probably removed them",
                                    file=table.file, row=int(rows[0]), column=col, value=v, code="leading-zeros",
                                    severity="warning", hint="format id columns as text before saving"))
        if mid is None:
            rows = resp["source_row"][raw == v].tolist()
            hint = (f"resembles roster {', '.join(sugg)}; correct the export or the roster" if sugg
                    else "add the mentor to the roster or correct the export")
            msg = (f"mentor {v!r} matches several roster entries" if how == "ambiguous"
                   else f"mentor {v!r} not found in the roster")
            warnings.append(Problem(f"{msg} ({len(rows)} response(s) excluded as unmatched_mentor)", file=table.file,
                                    row=int(rows[0]), column=col, value=v, code="unmatched-mentor",
                                    severity="warning", hint=hint))
    resp["mentor_id"] = ids
    if len(raw):
        groups["mentor_id"] = (inverse, id_u)
    return methods


def _check_kept(resp: pd.DataFrame, kept: np.ndarray, table: RawTable, groups: dict) -> None:
    for col, what in (("wave", "wave"), ("rater_role", "rater role")):
        if col in groups:  # empty per distinct label, spread
            codes, labels = groups[col]
            missing = kept & pd.isna(labels)[codes]
        else:
            missing = kept & resp[col].isna().to_numpy()
        if missing.any():
            rows = resp.loc[missing, "source_row"].tolist()
            raise DataError(f"{what} is empty in {len(rows)} kept response(s)", file=table.file, row=int(rows[0]),
                            hint=f"fill in the {what}, or pass a constant with --{what.split()[-1]}")
