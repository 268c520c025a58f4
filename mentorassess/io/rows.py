"""Row rules: exclusion reasons, duplicates, speeders and straight-liners.

Exclusions are decided in a fixed order, and each response gets the first reason that applies:
``preview``/``test``/``spam`` (platform metadata or the mapping's ``test_rows``),
``no_items_answered``, ``incomplete`` (not finished and fewer than ``incomplete_min_answered``
of the items answered; DESIGN.md default 0.8), ``unmatched_mentor``, ``speeder`` and
``straightliner`` (only when configured; otherwise they are flagged and kept),
``duplicate_submission`` (anonymous exact repeats: same mentor, role, wave, answers and IP address;
the first is kept) and ``duplicate`` (same rater, mentor, role and wave: the latest is kept by
default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from pandas._libs import lib

from mentorassess._factorize import factorize
from mentorassess.errors import ConfigError, Problem

__all__ = ["ImportOptions", "decide", "parse_dates", "straightline_flags", "speeder_flags"]


@dataclass(frozen=True)
class ImportOptions:
    """Row rules of an import (also settable under ``options:`` in a mapping file).

    Parameters
    ----------
    incomplete_min_answered : float
        Share of the instrument's items a not-finished response must answer to be kept (0-1).
    duplicates : {"keep_latest", "keep_first", "keep_all"}
        What to do with several responses of one rater for one mentor, role and wave.
    exclude_speeders, exclude_straightliners : bool
        Exclude flagged responses instead of keeping them.
    speeder_fraction : float
        A response faster than this fraction of the median duration is a speeder.
    straightline_min_items : int
        Straight-lining needs at least this many answered items, all identical.
    date_order : {"auto", "dmy", "mdy"}
        Day/month order of ``01/02/2025``-style dates. ``auto`` decides per file from a day above
        12 (dotted dates are day-first) and refuses a file where the order cannot be told.
    """

    incomplete_min_answered: float = 0.8
    duplicates: str = "keep_latest"
    exclude_speeders: bool = False
    exclude_straightliners: bool = False
    speeder_fraction: float = 1 / 3
    straightline_min_items: int = 10
    date_order: str = "auto"

    @classmethod
    def build(cls, given: "ImportOptions | dict | None", from_mapping: dict | None = None) -> "ImportOptions":
        """Merge mapping options with explicit ones (explicit win) and validate them."""
        values = dict(from_mapping or {})
        if isinstance(given, ImportOptions):
            values.update({f.name: getattr(given, f.name) for f in fields(cls)})
        elif given:
            values.update(given)
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ConfigError(f"unknown import option(s): {', '.join(sorted(unknown))}",
                              hint=f"allowed: {', '.join(sorted(known))}")
        opts = cls(**values)
        if not 0 <= float(opts.incomplete_min_answered) <= 1:
            raise ConfigError(f"incomplete_min_answered must be between 0 and 1; found {opts.incomplete_min_answered!r}",
                              value=opts.incomplete_min_answered)
        if opts.date_order not in ("auto", "dmy", "mdy"):
            raise ConfigError(f"date_order must be auto, dmy or mdy; found {opts.date_order!r}", value=opts.date_order)
        if opts.duplicates not in ("keep_latest", "keep_first", "keep_all"):
            raise ConfigError(f"duplicates must be keep_latest, keep_first or keep_all; found {opts.duplicates!r}", value=opts.duplicates)
        return opts


_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_LOCAL = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4}|\d{2})(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp]\.?[Mm]\.?)?)?$")


def date_order(texts, column: str, file: str, rows, given: str = "auto") -> str:
    """``"dmy"`` or ``"mdy"`` for the ``a/b/yyyy`` or ``a.b.yyyy`` dates of one column, decided per file.

    A first number above 12 means day-first, a second above 12 month-first; dotted dates are
    day-first. Raises ``DataError`` when both occur, or when neither does and ``given`` is ``auto``.

    >>> date_order(["13/02/2025 10:00", "01/02/2025"], "t", "f.csv", [2, 3])
    'dmy'
    >>> date_order(["2.13.2025"], "t", "f.csv", [2], "auto")
    'mdy'
    """
    from mentorassess.errors import DataError

    firsts, seconds, dots, where = [], [], False, {}
    for t, r in zip(texts, rows):
        m = _LOCAL.match(t)
        if m:
            a, b = int(m.group(1)), int(m.group(3))
            firsts.append(a)
            seconds.append(b)
            dots = dots or m.group(2) == "."
            if a > 12:
                where.setdefault("dmy", (t, r))
            if b > 12:
                where.setdefault("mdy", (t, r))
    if "dmy" in where and "mdy" in where:
        (t1, r1), (t2, r2) = where["dmy"], where["mdy"]
        raise DataError(f"the dates mix day/month ({t1!r}, row {r1}) and month/day ({t2!r}, row {r2}) order",
                        file=file, row=r1, column=column, value=t1,
                        hint="the dates were edited by hand or merged from two locales; correct them in the export")
    found = next(iter(where), None)
    if given != "auto":
        if found is not None and found != given:
            t, r = where[found]
            raise DataError(f"date_order is {given}, but {t!r} can only be {found}", file=file, row=r, column=column,
                            value=t, hint=f"set date_order: {found} (or check the column)")
        return given
    if found is not None:
        return found
    if dots:
        return "dmy"
    if firsts:
        t, r = next((t, r) for t, r in zip(texts, rows) if _LOCAL.match(t))
        raise DataError(f"the dates of column {column!r} can be read day/month or month/day (e.g. {t!r}): no day "
                        "above 12 tells the order", file=file, row=r, column=column, value=t,
                        hint="say which with --date-order dmy|mdy (or options: {date_order: dmy} in a mapping)")
    return "mdy"


def parse_dates(values: pd.Series, column: str, file: str, warnings: list[Problem], rows=None,
                order: str = "auto") -> np.ndarray:
    """ISO ``YYYY-MM-DDTHH:MM:SS`` strings (object array, NaN where empty or unreadable).

    ISO dates are kept; ``d/m/yyyy``, ``m/d/yy``, ``d.m.yyyy`` with optional ``h:mm[:ss] [AM/PM]``
    are read in the order :func:`date_order` decides for the whole column (never per cell).
    """
    arr = values.to_numpy(dtype=object)
    if len(arr) and lib.is_string_array(arr, skipna=False):  # text: stripped once per distinct cell
        raw_inverse, raw_uniq = factorize(arr)
        stripped = [u.strip() for u in raw_uniq]
        if len(set(stripped)) == len(stripped):  # stripping joins no two cells: the same distinct texts, in order
            inverse, uniq = raw_inverse, np.array(stripped, dtype=object)
        else:
            inverse, uniq = factorize(np.array(stripped, dtype=object)[raw_inverse])
    else:
        inverse, uniq = factorize(values.astype(str).str.strip().to_numpy(dtype=object))
    n = len(inverse)
    rows = np.arange(2, n + 2) if rows is None else np.asarray(rows)
    us = pd.Series(uniq, dtype=object)
    plain = us.str.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}").fillna(False).to_numpy(dtype=bool)
    # d/m/y-style texts (an ISO text never is one); the first row of each only where there are some
    local = [k for k in np.flatnonzero(~plain).tolist() if uniq[k] and _LOCAL.match(uniq[k])]
    fmt = None
    if local:
        first_row = np.full(len(uniq), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first_row, inverse, rows.astype(np.int64))  # the first row of each distinct text
        fmt = date_order([uniq[k] for k in local], column, file, [int(first_row[k]) for k in local], order)
    lut, bad = {}, []
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
    out = mapped[inverse] if n else np.full(0, np.nan, dtype=object)
    if fmt is not None:
        warnings.append(Problem(f"dates in the {'day/month' if fmt == 'dmy' else 'month/day'}/year form of a "
                                "spreadsheet or survey tool (read per file; seconds may be lost)",
                                file=file, column=column, code="locale-dates", severity="warning"))
    if bad:
        text = uniq[inverse]
        hit = np.isin(text, np.array(bad, dtype=object))
        first = int(np.flatnonzero(hit)[0])
        warnings.append(Problem(f"{int(hit.sum())} date(s) not understood (first: {text[first]!r}); "
                                "left empty", file=file, column=column, row=int(rows[first]),
                                value=text[first], code="bad-date", severity="warning",
                                hint="expected YYYY-MM-DD HH:MM:SS"))
    return out


def _iso(y: int, mo: int, d: int, hh, mm, ss) -> str | None:
    import datetime as dt

    try:
        stamp = dt.datetime(y, mo, d, int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError:
        return None
    return stamp.strftime("%Y-%m-%dT%H:%M:%S")


def straightline_flags(codes: np.ndarray, min_items: int) -> np.ndarray:
    """True where at least ``min_items`` items are answered and all answers are identical."""
    answered = np.sum(~np.isnan(codes), axis=1)
    if codes.shape[1] == 0:
        return answered >= min_items
    with np.errstate(invalid="ignore"):  # fmax/fmin skip NaN (an unanswered row gives NaN: not a straight line)
        spread = np.fmax.reduce(codes, axis=1) - np.fmin.reduce(codes, axis=1)
    return (answered >= min_items) & (spread == 0)


def speeder_flags(duration: np.ndarray | None, eligible: np.ndarray, fraction: float) -> np.ndarray:
    """True where the duration is below ``fraction`` of the median duration of eligible responses."""
    if duration is None:
        return np.zeros(len(eligible), dtype=bool)
    pool = duration[eligible & ~np.isnan(duration)]
    if len(pool) < 5:
        return np.zeros(len(eligible), dtype=bool)
    return ~np.isnan(duration) & (duration < fraction * float(np.median(pool)))


def decide(frame: pd.DataFrame, codes: np.ndarray, answered: np.ndarray, n_items: int, opts: ImportOptions,
           duration: np.ndarray | None, ip: np.ndarray | None,
           groups: dict | None = None, straight: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exclusion reason per response (``""`` = kept) and the speeder/straight-line flags.

    ``frame`` holds per response: ``row_reason``, ``finished`` (bool), ``mentor_id`` (NaN when
    unmatched), ``rater_role``, ``wave``, ``rater_id``, ``submitted_at``, ``source_row``, and the
    comment columns ``comment_*`` used to compare repeats. ``groups`` may give, for ``mentor_id``,
    ``rater_role`` or ``wave``, ``(codes, labels)`` with ``labels[codes]`` equal to the column (the
    import's per-distinct lookups): the rows are then grouped by the codes instead of the cells.
    ``straight`` may give :func:`straightline_flags` of ``codes`` when already computed.
    """
    groups = groups or {}
    reason = frame["row_reason"].to_numpy(dtype=object).copy()
    kept = reason == ""  # kept in step with ``reason`` (one comparison of object cells, not one per rule)

    def mark(mask: np.ndarray, why: str) -> None:
        sel = kept & mask
        reason[sel] = why
        kept[sel] = False

    mark(answered == 0, "no_items_answered")
    share = answered / max(n_items, 1)
    mark(~frame["finished"].to_numpy(dtype=bool) & (share < opts.incomplete_min_answered), "incomplete")
    if "mentor_id" in groups:
        inverse, ids = groups["mentor_id"]
        mark(pd.isna(ids)[inverse], "unmatched_mentor")
    else:
        mark(frame["mentor_id"].isna().to_numpy(), "unmatched_mentor")
    speed = speeder_flags(duration, kept, opts.speeder_fraction)
    if straight is None:
        straight = straightline_flags(codes, opts.straightline_min_items)
    if opts.exclude_speeders:
        mark(speed, "speeder")
    if opts.exclude_straightliners:
        mark(straight, "straightliner")
    # Anonymous exact repeats.
    rater_na = frame["rater_id"].isna().to_numpy()
    anon = kept & rater_na
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
        kept[idx[dup]] = False
    # Same rater, mentor, role and wave.
    if opts.duplicates != "keep_all":
        rated = kept & ~rater_na
        if rated.any():
            # Only raters that appear more than once can repeat a (rater, mentor, role, wave) key:
            # one hashing pass over the rater ids, then the other parts of the key on those rows
            # only, each folded into one integer key (one id per distinct key so far).
            keys = ["rater_id", "mentor_id", "rater_role", "wave"]
            idx = np.flatnonzero(rated)
            key, _ = factorize(frame["rater_id"].to_numpy(dtype=object)[idx])
            many = np.bincount(key)[key] > 1
            idx, key = idx[many], key[many].astype(np.int64)
            bound = int(key.max()) + 1 if len(key) else 1  # every key is below it
            for c in keys[1:]:
                if c in groups:  # equal cells <=> equal codes of their distinct labels (same factorize)
                    inverse, labels = groups[c]
                    dense, uniq = factorize(labels)
                    codes = dense[inverse[idx]]
                else:
                    codes, uniq = factorize(frame[c].to_numpy(dtype=object)[idx])
                key, bound = key * max(len(uniq), 1) + codes, bound * max(len(uniq), 1)
                if bound > 1 << 40:  # made dense again long before int64 could overflow
                    key, _ = pd.factorize(key, use_na_sentinel=False)
                    bound = int(key.max()) + 1 if len(key) else 1
            key, _ = pd.factorize(key, use_na_sentinel=False)
            repeated = np.bincount(key)[key] > 1 if len(key) else np.zeros(0, dtype=bool)
            sub = frame.iloc[idx[repeated]][keys + ["submitted_at", "source_row"]].copy()  # only repeats
            sub["_t"] = sub["submitted_at"].fillna("")
            sub = sub.sort_values(["_t", "source_row"], kind="stable")
            keep = "last" if opts.duplicates == "keep_latest" else "first"
            dup = sub.duplicated(keys, keep=keep)
            gone = sub.index[dup.to_numpy()].to_numpy()
            reason[gone] = "duplicate"
            kept[gone] = False
    return reason, speed & kept, straight & kept
