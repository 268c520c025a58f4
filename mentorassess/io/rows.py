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

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

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
    """

    incomplete_min_answered: float = 0.8
    duplicates: str = "keep_latest"
    exclude_speeders: bool = False
    exclude_straightliners: bool = False
    speeder_fraction: float = 1 / 3
    straightline_min_items: int = 10

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
        if opts.duplicates not in ("keep_latest", "keep_first", "keep_all"):
            raise ConfigError(f"duplicates must be keep_latest, keep_first or keep_all; found {opts.duplicates!r}", value=opts.duplicates)
        return opts


_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%m/%d/%Y %H:%M",
                 "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def parse_dates(values: pd.Series, column: str, file: str, warnings: list[Problem]) -> np.ndarray:
    """ISO ``YYYY-MM-DDTHH:MM:SS`` strings (object array, NaN where empty or unreadable)."""
    text = values.astype(str).str.strip()
    out = pd.Series(np.nan, index=values.index, dtype=object)
    todo = text != ""
    used = []
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna()
        if ok.any():
            if fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"):  # already ISO: no reformatting needed
                out[ok[ok].index] = text[ok[ok].index].str.replace(" ", "T", n=1)
            else:
                out[ok[ok].index] = parsed[ok].dt.strftime("%Y-%m-%dT%H:%M:%S")
            todo[ok[ok].index] = False
            used.append(fmt)
    if any(f.startswith("%m/") for f in used):
        warnings.append(Problem("dates in the month/day/year form of a spreadsheet (seconds may be lost)",
                                file=file, column=column, code="locale-dates", severity="warning"))
    if todo.any():
        first = int(np.flatnonzero(todo.to_numpy())[0])
        warnings.append(Problem(f"{int(todo.sum())} date(s) not understood (first: {text.iat[first]!r}); left empty", file=file, column=column,
                                value=text.iat[first], code="bad-date", severity="warning",
                                hint="expected YYYY-MM-DD HH:MM:SS"))
    return out.to_numpy(dtype=object)


def straightline_flags(codes: np.ndarray, min_items: int) -> np.ndarray:
    """True where at least ``min_items`` items are answered and all answers are identical."""
    answered = np.sum(~np.isnan(codes), axis=1)
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.where(np.isnan(codes), -np.inf, codes), axis=1) - \
            np.nanmin(np.where(np.isnan(codes), np.inf, codes), axis=1)
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
            keys = ["rater_id", "mentor_id", "rater_role", "wave"]
            sub = frame.loc[rated, keys + ["submitted_at", "source_row"]]
            sub = sub[sub.duplicated(keys, keep=False).to_numpy()].copy()  # only repeated keys need sorting
            sub["_t"] = sub["submitted_at"].fillna("")
            sub = sub.sort_values(["_t", "source_row"], kind="stable")
            keep = "last" if opts.duplicates == "keep_latest" else "first"
            dup = sub.duplicated(keys, keep=keep)
            reason[sub.index[dup.to_numpy()].to_numpy()] = "duplicate"
    return reason, speed & (reason == ""), straight & (reason == "")
