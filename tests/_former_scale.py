"""The former code of the paths issue 24 round 5 replaced, kept verbatim (main at 79f7c0e).

``score`` and its helpers from ``mentorassess/scoring.py``, ``decide`` and ``parse_dates`` from
``mentorassess/io/rows.py``, ``strip_cells`` from ``mentorassess/io/tables.py``, ``status_reasons``
from ``mentorassess/io/qualtrics.py`` and ``finished_flags`` from ``mentorassess/io/completion.py``; the unchanged
helpers they call are imported from the current modules. tests/test_scale_differential.py
requires the current code to give equal results.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas._libs import lib

from mentorassess.errors import DataError, Problem
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.io.rows import speeder_flags, straightline_flags
from mentorassess.scoring import (_EPS, ID_COLUMNS, OVERALL, Scores, _rater_ids, _role_comments, _role_items,
                                  order_waves)
from mentorassess.io.completion import _TRUTH
from mentorassess.io.qualtrics import (_CHANNEL_REASON, _STATUS_BY_LABEL, KNOWN_CHANNELS,
                                        STATUS)
from mentorassess.io.rows import _ISO, _LOCAL, _iso, date_order
from mentorassess.io.tables import is_categorical


def _validate(responses: pd.DataFrame, instrument: Instrument) -> None:
    if not isinstance(responses, pd.DataFrame):
        raise DataError(f"responses must be a pandas DataFrame, got {type(responses).__name__}")
    problems: list[Problem] = []
    for col in ("response_id", "mentor_id", "rater_role", "wave"):
        if col not in responses.columns:
            problems.append(Problem("required column is missing", column=col, code="missing-column"))
    missing_items = [i for i in instrument.total_item_ids if i not in responses.columns]
    if missing_items:
        problems.append(Problem(f"{len(missing_items)} item column(s) of instrument {instrument.id!r} are missing: "
                                + ", ".join(missing_items), code="missing-items",
                                hint="check that the responses were imported with this instrument"))
    if problems:
        raise DataError.from_problems(problems, summary="responses cannot be scored")
    for col in ("response_id", "mentor_id", "rater_role", "wave"):
        if responses[col].isna().any():
            rows = responses.index[responses[col].isna()][:5].tolist()
            problems.append(Problem(f"{int(responses[col].isna().sum())} empty value(s)", column=col,
                                    value=rows, code="empty-id"))
    dup = responses["response_id"].duplicated(keep=False)
    if dup.any():
        problems.append(Problem(f"{int(dup.sum())} rows share a response_id", column="response_id",
                                value=sorted(map(str, responses.loc[dup, "response_id"].unique()))[:5],
                                code="duplicate-response"))
    lo, hi = instrument.scale.min, instrument.scale.max
    for item in instrument.item_ids:
        if item not in responses.columns:
            continue
        col = responses[item]
        if col.dtype.kind == "f":  # floats: nothing to convert, NaN is missing (not a bad type)
            arr = col.to_numpy()
            with np.errstate(invalid="ignore"):
                off = (arr < lo) | (arr > hi)
            if off.any():
                problems.append(Problem(f"{int(off.sum())} value(s) outside the scale {lo}-{hi}", column=item,
                                        value=sorted(pd.unique(arr[off]).tolist())[:5], code="out-of-range"))
            continue
        num = pd.to_numeric(col, errors="coerce")
        bad_type = num.isna() & col.notna()
        if bad_type.any():
            problems.append(Problem(f"{int(bad_type.sum())} non-numeric value(s)", column=item,
                                    value=sorted(map(str, col[bad_type].unique()))[:5], code="not-numeric"))
        off = num.notna() & ((num < lo) | (num > hi))
        if off.any():
            problems.append(Problem(f"{int(off.sum())} value(s) outside the scale {lo}-{hi}", column=item,
                                    value=sorted(num[off].unique().tolist())[:5], code="out-of-range"))
    if problems:
        raise DataError.from_problems(problems, summary="responses cannot be scored")


def score(responses: pd.DataFrame, instrument: Instrument | str) -> Scores:
    """Score every response: competency scores, overall score, answered counts.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses: ``response_id, mentor_id, rater_role, wave`` (``rater_id``
        optional), the instrument's item columns (numeric codes, NaN for missing) and optional
        comment columns.
    instrument : Instrument or str
        The instrument (or a built-in id).

    Returns
    -------
    Scores

    Raises
    ------
    DataError
        Missing id or item columns, empty ids, duplicate ``response_id``, non-numeric or
        off-scale item values (every problem listed at once; never comment text).

    Notes
    -----
    R: ``psych::scoreItems(keys, x, impute = "none", totals = FALSE)$scores`` for rows that meet
    the min-answered rule; ``psych`` reverses with the data's min and max, we with the scale's.

    Examples
    --------
    >>> import pandas as pd
    >>> ins = load_instrument("mes-12")
    >>> df = pd.DataFrame({"response_id": ["r1"], "mentor_id": ["m1"], "rater_role": ["mentee"],
    ...                    "wave": ["pre"], **{i: [4.0] for i in ins.item_ids}})
    >>> float(score(df, ins).scores.loc[0, "overall"])
    4.0
    """
    instrument = load_instrument(instrument)
    _validate(responses, instrument)
    ri = responses.index
    plain = isinstance(ri, pd.RangeIndex) and ri.start == 0 and ri.step == 1
    df = responses if plain else responses.reset_index(drop=True)  # read only below: no copy needed
    n = len(df)
    ids = pd.DataFrame({c: (df[c].astype(object) if c in df.columns else pd.Series([None] * n, dtype=object))
                        for c in ID_COLUMNS})
    for c in ("response_id", "mentor_id", "rater_role", "wave"):
        if pd.api.types.infer_dtype(ids[c], skipna=False) != "string":  # already text: nothing to convert
            ids[c] = ids[c].map(str)
    ids["rater_id"] = _rater_ids(ids["rater_id"])

    # Recode: numeric, reverse-keyed items on the instrument's scale, items not on a form -> NaN.
    role_items = _role_items(instrument)
    all_items = [i.id for i in instrument.items]
    values = np.empty((n, len(all_items)), order="F")  # column-major: item columns written whole, once
    # Items asked per row: one row of a (role x item) table per response (one gather, not a masked
    # write per role and item).
    role_codes, role_uniq = pd.factorize(ids["rater_role"].to_numpy(), use_na_sentinel=False)
    every_item = set(all_items)
    by_role = np.array([[item.id in role_items.get(r, every_item) for item in instrument.items]
                        for r in role_uniq], dtype=bool).reshape(len(role_uniq), len(all_items))
    asked = np.asfortranarray(by_role[role_codes]) if n else np.zeros((0, len(all_items)), dtype=bool)
    for j, item in enumerate(instrument.items):
        if item.id in df.columns:
            col = pd.to_numeric(df[item.id], errors="coerce").to_numpy(dtype=float)
            values[:, j] = instrument.scale.reverse(col) if item.reverse else col
        else:
            values[:, j] = np.nan
    if not by_role.all():  # items some roles are not asked: missing for those responses
        values[~asked] = np.nan
    items_frame = pd.concat([ids, pd.DataFrame(values, columns=all_items, copy=False)], axis=1, copy=False)

    # Competency and overall scores.
    rule = instrument.scoring.min_answered
    pos = {iid: j for j, iid in enumerate(all_items)}
    groups: dict[str, list[int]] = {c.id: [pos[i] for i in c.items] for c in instrument.competencies}
    if OVERALL not in groups:
        groups[OVERALL] = [pos[i] for i in instrument.total_item_ids]
    # Scores and counts written into one block each (column-major: each group's column is one run).
    score_mat = np.empty((n, len(groups)), order="F")
    count_mat = np.empty((n, len(groups)), dtype=int, order="F")
    unscored: list[pd.DataFrame] = []
    answered_all = ~np.isnan(values)
    for g, (cid, cols) in enumerate(groups.items()):
        n_ans = answered_all[:, cols].sum(axis=1)
        n_ask = asked[:, cols].sum(axis=1)
        ok = (n_ask > 0) & (n_ans >= rule * n_ask - _EPS) & (n_ans > 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            score_mat[:, g] = np.where(ok, _row_nansum(values, cols) / np.where(n_ans > 0, n_ans, 1), np.nan)
        count_mat[:, g] = n_ans
        if (~ok).any():
            idx = np.flatnonzero(~ok)
            unscored.append(pd.DataFrame({
                "response_id": ids["response_id"].to_numpy()[idx], "competency": cid,
                "n_answered": n_ans[idx].astype(int), "n_asked": n_ask[idx].astype(int),
                "reason": np.where(n_ask[idx] == 0, "not_on_form", "too_few_answered")}))
    del answered_all
    scores_frame = pd.concat([ids.copy(), pd.DataFrame(score_mat, columns=list(groups), copy=False),
                              pd.DataFrame(count_mat, columns=[f"n_answered_{cid}" for cid in groups], copy=False)],
                             axis=1, copy=False)
    unscored_frame = (pd.concat(unscored, ignore_index=True) if unscored else
                      pd.DataFrame({"response_id": pd.Series(dtype=object), "competency": pd.Series(dtype=object),
                                    "n_answered": pd.Series(dtype=int), "n_asked": pd.Series(dtype=int),
                                    "reason": pd.Series(dtype=object)}))

    return Scores(scores=scores_frame, items=items_frame, comments=_comments(df, ids, instrument),
                  unscored=unscored_frame, instrument=instrument,
                  waves=order_waves(pd.unique(ids["wave"].to_numpy())),  # first appearances: same order
                  submitted_at=_submitted(df))


def _submitted(df: pd.DataFrame) -> pd.Series:
    """Submission times as UTC timestamps (NaT where absent or unreadable)."""
    if "submitted_at" not in df.columns:
        return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pd.to_datetime(df["submitted_at"].astype(object), errors="coerce", utc=True, format="ISO8601")


def _row_nansum(values: np.ndarray, cols: list[int], block: int = 65_536) -> np.ndarray:
    """``np.nansum(values[:, cols], axis=1)`` by blocks of rows (the same sums; no n x k copy at once)."""
    out = np.empty(len(values))
    for start in range(0, len(values), block):
        out[start:start + block] = np.nansum(np.ascontiguousarray(values[start:start + block][:, cols]), axis=1)
    return out


def _comment_text(values: pd.Series) -> np.ndarray:
    """Stripped comment text per cell, ``""`` for cells that are not text (numbers, NaN, None).

    Once per distinct value; missing cells all give ``""``.
    """
    codes, uniq = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = np.empty(len(uniq) + 1, dtype=object)
    mapped[:-1] = [v.strip() if type(v) is str else "" for v in uniq]
    mapped[-1] = ""  # code -1: a missing cell
    return mapped[codes]


def _comments(df: pd.DataFrame, ids: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    role_comments = _role_comments(instrument)
    parts = []
    for q in instrument.comment_ids:
        if q not in df.columns:
            continue
        # non-text cells (numbers, NaN) are no comment; text is stripped (once per distinct cell)
        text = _comment_text(df[q])
        on_form = ids["rater_role"].isin([r for r in pd.unique(ids["rater_role"]) if q in role_comments.get(r, {q})])
        keep = (text != "") & on_form.to_numpy()
        if keep.any():
            part = ids.loc[keep, ["response_id", "mentor_id", "rater_role", "wave"]].copy()
            part["question"] = q
            part["text"] = text[keep]
            parts.append(part)
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in
                             ("response_id", "mentor_id", "rater_role", "wave", "question", "text")})
    return pd.concat(parts, ignore_index=True)


def decide(frame: pd.DataFrame, codes: np.ndarray, answered: np.ndarray, n_items: int, opts: ImportOptions,
           duration: np.ndarray | None, ip: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exclusion reason per response (``""`` = kept) and the speeder/straight-line flags.

    ``frame`` holds per response: ``row_reason``, ``finished`` (bool), ``mentor_id`` (NaN when
    unmatched), ``rater_role``, ``wave``, ``rater_id``, ``submitted_at``, ``source_row``, and the
    comment columns ``comment_*`` used to compare repeats.
    """
    n = len(frame)
    reason = frame["row_reason"].to_numpy(dtype=object).copy()

    def mark(mask: np.ndarray, why: str) -> None:
        sel = (reason == "") & mask
        reason[sel] = why

    mark(answered == 0, "no_items_answered")
    share = answered / max(n_items, 1)
    mark(~frame["finished"].to_numpy(dtype=bool) & (share < opts.incomplete_min_answered), "incomplete")
    mark(frame["mentor_id"].isna().to_numpy(), "unmatched_mentor")
    speed = speeder_flags(duration, reason == "", opts.speeder_fraction)
    straight = straightline_flags(codes, opts.straightline_min_items)
    if opts.exclude_speeders:
        mark(speed, "speeder")
    if opts.exclude_straightliners:
        mark(straight, "straightliner")
    # Anonymous exact repeats.
    live = reason == ""
    anon = live & frame["rater_id"].isna().to_numpy()
    if anon.any():
        key = pd.DataFrame(codes[anon]).round(6).astype(str).agg("|".join, axis=1)
        parts = [frame.loc[anon, c].astype(str) for c in ("mentor_id", "rater_role", "wave")]
        comment_cols = [c for c in frame.columns if c.startswith("comment")]
        parts += [frame.loc[anon, c].astype(str) for c in comment_cols]
        full = key.to_numpy(dtype=object)
        for p in parts:
            full = full + "|" + p.to_numpy(dtype=object)
        if ip is not None:
            full = full + "|" + np.asarray(ip, dtype=object)[anon]
        order = np.argsort(frame["source_row"].to_numpy()[anon], kind="stable")
        idx = np.flatnonzero(anon)[order]
        dup = pd.Series(full[order]).duplicated(keep="first").to_numpy()
        reason[idx[dup]] = "duplicate_submission"
    # Same rater, mentor, role and wave.
    if opts.duplicates != "keep_all":
        live = reason == ""
        rated = live & frame["rater_id"].notna().to_numpy()
        if rated.any():
            # Only raters that appear more than once can repeat a (rater, mentor, role, wave) key:
            # one hashing pass over the rater ids, then the full key on those rows only.
            rater = frame["rater_id"].to_numpy(dtype=object)
            cand = rated.copy()
            cand[rated] = pd.Series(rater[rated], dtype=object).duplicated(keep=False).to_numpy()
            keys = ["rater_id", "mentor_id", "rater_role", "wave"]
            sub = frame.loc[cand, keys + ["submitted_at", "source_row"]]
            sub = sub[sub.duplicated(keys, keep=False).to_numpy()].copy()  # only repeated keys need sorting
            sub["_t"] = sub["submitted_at"].fillna("")
            sub = sub.sort_values(["_t", "source_row"], kind="stable")
            keep = "last" if opts.duplicates == "keep_latest" else "first"
            dup = sub.duplicated(keys, keep=keep)
            reason[sub.index[dup.to_numpy()].to_numpy()] = "duplicate"
    return reason, speed & (reason == ""), straight & (reason == "")


def strip_cells(values: pd.Series) -> np.ndarray:
    """Stripped text of a column as an object array (``""`` for a cell that is not text).

    A categorical column is stripped once per category; a column of ``str`` cell by cell in
    pandas' string loop (cheaper than hashing the cells first when most are distinct, like ids);
    anything else once per distinct value.
    """
    if is_categorical(values):
        cats = values.cat.categories
        stripped = np.array([str(u).strip() if isinstance(u, str) else "" for u in cats] + [""], dtype=object)
        return stripped[values.cat.codes.to_numpy()]  # code -1 (a missing cell) takes the final ""
    arr = values.to_numpy(dtype=object)
    if len(arr) and lib.is_string_array(arr, skipna=False):
        return pd.Series(arr, dtype=object, copy=False).str.strip().to_numpy(dtype=object)
    codes, uniq = pd.factorize(arr, use_na_sentinel=False)
    stripped = np.array([str(u).strip() if isinstance(u, str) else "" for u in uniq], dtype=object)
    return stripped[codes]


def status_reasons(table: RawTable, warnings: list[Problem]) -> np.ndarray:
    """Per body row: an exclusion reason (``preview``, ``test``, ``spam``) or ``""`` to keep.

    Unknown ``Status`` values stop the import; unknown ``DistributionChannel`` values are
    reported as warnings.
    """
    n = len(table.body)
    reasons = np.full(n, "", dtype=object)
    if "Status" in table.body.columns:
        raw = pd.Series(strip_cells(table.body["Status"]))
        lut = {}
        for v in pd.unique(raw):
            code = v if v in STATUS else _STATUS_BY_LABEL.get(v.casefold(), v)
            lut[v] = code[:-2] if code.endswith(".0") else code
        codes = raw.map(lut)
        unknown = sorted(set(codes[(codes != "") & ~codes.isin(list(STATUS))]))
        if unknown:
            problems = []
            for value in unknown:
                where = np.flatnonzero((codes == value).to_numpy())
                problems.append(Problem(f"unknown Status value {value!r} in {len(where)} row(s)", file=table.file,
                                        row=int(table.rows[where[0]]), column="Status", value=value,
                                        code="unknown-status",
                                        hint="expected a Qualtrics response type (0 IP Address, 1 Survey Preview, "
                                             "2 Survey Test, 4 Imported, 8 Spam, 16 Offline, ...)"))
            raise DataError.from_problems(problems, summary=f"{table.file}: unknown response types")
        reasons = codes.map({c: (t or "") for c, (_, t) in STATUS.items()}).fillna("").to_numpy(dtype=object)
        imported = int(codes.isin(["4", "36"]).sum())
        if imported:
            warnings.append(Problem(f"{imported} response(s) have Status 'Imported' (data from another file); "
                                    "kept", file=table.file, column="Status", code="imported-responses",
                                    severity="warning"))
    if "DistributionChannel" in table.body.columns:
        chan = pd.Series(strip_cells(table.body["DistributionChannel"])).str.casefold()
        by_channel = chan.map(lambda v: _CHANNEL_REASON.get(v, "")).to_numpy(dtype=object)
        reasons = np.where(reasons == "", by_channel, reasons)
        other = sorted(set(chan) - KNOWN_CHANNELS - {""})
        for value in other:
            warnings.append(Problem(f"unrecognised DistributionChannel {value!r} in {int((chan == value).sum())} row(s); kept",
                                    file=table.file, column="DistributionChannel", value=value,
                                    code="unknown-channel", severity="warning"))
    return reasons


def finished_flags(table: RawTable, meta: dict, items: dict, rc_dict, floor: float) -> tuple[np.ndarray, str]:
    """Per body row: finished or not, and the rule that decided it (for the audit)."""
    n = len(table.body)
    share = f"answered share: a response counts as complete when >= {floor:.0%} of the items are answered"
    col = meta.get("finished")
    form = None
    if table.format == "redcap" and rc_dict is not None:
        first_item = next((c for c in items.values() if c), None)
        f = rc_dict.field(first_item) if first_item else None
        form = f.form if f is not None else None
        if col is None and form and f"{form}_complete" in table.body.columns:
            col = f"{form}_complete"
    if col is not None:
        raw = pd.Series(strip_cells(table.body[col])).str.casefold()
        if col.endswith("_complete"):
            return (raw == "2").to_numpy(), f"REDCap form status {col} = 2 (Complete)"
        bad = sorted(set(raw) - set(_TRUTH))
        if bad:
            where = int(np.flatnonzero(raw.isin(bad).to_numpy())[0])
            raise DataError(f"cannot read {bad[0]!r} as finished yes/no", file=table.file,
                            row=int(table.rows[where]), column=col, hint="expected 1/0, TRUE/FALSE or yes/no")
        return raw.map(_TRUTH).to_numpy(dtype=bool), f"column {col} (not finished: kept only with the {share})"
    if form and f"{form}_timestamp" in table.body.columns:
        ts = strip_cells(table.body[f"{form}_timestamp"])
        return (ts != "") & (ts != "[not completed]"), f"REDCap survey timestamp {form}_timestamp"
    if isinstance(table.extra.get("finished"), np.ndarray):
        return table.extra["finished"], "LimeSurvey submitdate (empty = not submitted; kept only with the " \
                                        f"{share})"
    if "progress" in meta:
        prog = pd.to_numeric(pd.Series(strip_cells(table.body[meta["progress"]])), errors="coerce")
        return (prog >= 100).to_numpy(), f"column {meta['progress']} = 100 (else the {share})"
    if table.extra.get("completion") == "submitted":
        return np.ones(n, dtype=bool), f"submitted ({table.format} exports only submitted responses)"
    return np.zeros(n, dtype=bool), f"{share} (no completion column in a {table.format} export)"


def parse_dates(values: pd.Series, column: str, file: str, warnings: list[Problem], rows=None,
                order: str = "auto") -> np.ndarray:
    """ISO ``YYYY-MM-DDTHH:MM:SS`` strings (object array, NaN where empty or unreadable).

    ISO dates are kept; ``d/m/yyyy``, ``m/d/yy``, ``d.m.yyyy`` with optional ``h:mm[:ss] [AM/PM]``
    are read in the order :func:`date_order` decides for the whole column (never per cell).
    """
    text = values.astype(str).str.strip().to_numpy(dtype=object)
    rows = np.arange(2, len(text) + 2) if rows is None else np.asarray(rows)
    inverse, uniq = pd.factorize(text, use_na_sentinel=False)
    first_row = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_row, inverse, rows.astype(np.int64))  # the first row of each distinct text
    local = [k for k, u in enumerate(uniq) if u and _LOCAL.match(u)]
    fmt = None
    if local:
        fmt = date_order([uniq[k] for k in local], column, file, [int(first_row[k]) for k in local], order)
    lut, bad = {}, []
    us = pd.Series(uniq, dtype=object)
    plain = us.str.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}").fillna(False).to_numpy(dtype=bool)
    if plain.any():  # already ISO to the second (the usual export form): only the separator changes
        lut.update(zip(us[plain], us[plain].str.slice(0, 10) + "T" + us[plain].str.slice(11, 19)))
    for u in uniq:
        if not u or u in lut:
            continue
        m = _ISO.match(u)
        if m:
            y, mo, d, hh, mm, ss = m.groups()
            lut[u] = _iso(int(y), int(mo), int(d), hh, mm, ss)
        else:
            m = _LOCAL.match(u)
            if m:
                a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
                d, mo = (a, b) if fmt == "dmy" else (b, a)
                y = y + 2000 if y < 100 else y
                hh = m.group(5)
                if hh is not None and m.group(8):
                    h = int(hh) % 12 + (12 if m.group(8)[0] in "Pp" else 0)
                    hh = str(h)
                lut[u] = _iso(y, mo, d, hh, m.group(6), m.group(7))
        if lut.get(u) is None:
            lut.pop(u, None)
            bad.append(u)
    mapped = np.array([lut.get(u, np.nan) for u in uniq], dtype=object)
    out = mapped[inverse] if len(text) else np.full(0, np.nan, dtype=object)
    if fmt is not None:
        warnings.append(Problem(f"dates in the {'day/month' if fmt == 'dmy' else 'month/day'}/year form of a "
                                "spreadsheet or survey tool (read per file; seconds may be lost)",
                                file=file, column=column, code="locale-dates", severity="warning"))
    if bad:
        hit = np.isin(text, np.array(bad, dtype=object))
        first = int(np.flatnonzero(hit)[0])
        warnings.append(Problem(f"{int(hit.sum())} date(s) not understood (first: {text[first]!r}); "
                                "left empty", file=file, column=column, row=int(rows[first]),
                                value=text[first], code="bad-date", severity="warning",
                                hint="expected YYYY-MM-DD HH:MM:SS"))
    return out
