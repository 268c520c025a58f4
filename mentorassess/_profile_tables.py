"""Table builders behind :func:`mentorassess.aggregate.aggregate` (internal).

The confidentiality gate is applied *before* any mentee statistic is computed: rows of
mentor x wave x key cells that fail a gate are dropped from the long data, so their values
are never computed, only their counts (which are not stored).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mentorassess.release.rules import HIDDEN
from mentorassess.scoring import OVERALL

_KEYS = ["mentor_id", "wave"]
_TIE = 1e-9
_TIE_DIGITS = 9  # ranks and percentiles compare values rounded to this many decimals
BELOW_MIN_RATERS = "below_min_raters"
TOO_FEW_VALID = HIDDEN  # one wording for every hidden cell (release rule R7)


def _long(frame: pd.DataFrame, cols: list[str], key: str, role: str) -> pd.DataFrame:
    sub = frame.loc[frame["rater_role"] == role, ["mentor_id", "wave", *cols]]
    long = sub.melt(id_vars=_KEYS, value_vars=cols, var_name=key, value_name="value")
    return long[long["value"].notna()]


def _percentile(values: pd.Series, groups: list[pd.Series]) -> pd.Series:
    """Mid-rank percentile within groups: 100 * (below + equal / 2) / n."""
    ok = values.notna()
    out = pd.Series(np.nan, index=values.index)
    if ok.any():
        # rounded so that ties which are exact on paper stay ties whatever the summation order
        g = values[ok].round(_TIE_DIGITS).groupby([s[ok] for s in groups])
        out[ok] = 100.0 * (g.rank(method="average") - 0.5) / g.transform("count")
    return out


def build_level(frame: pd.DataFrame, cols: list[str], key: str, grid: pd.DataFrame, min_raters: int,
                level: float, gap_rule, rank_keys: list[str], hidden: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per mentor x wave x key (competency or item): self, gated mentee statistics, gaps, ranks.

    ``hidden`` (``mentor_id, wave, key``) lists cells the release layer withholds: they are
    dropped with the cells below the gates, before any value is computed.
    """
    base = grid[_KEYS + ["responses"]].merge(pd.DataFrame({key: cols}), how="cross")

    own = _long(frame, cols, key, "self")
    s = own.groupby(_KEYS + [key])["value"].agg(self_score="mean", self_n="count").reset_index()
    base = base.merge(s, on=_KEYS + [key], how="left")
    base["self_n"] = base["self_n"].fillna(0).astype(int)

    mentee = _long(frame, cols, key, "mentee")
    counts = mentee.groupby(_KEYS + [key]).size().rename("n_valid").reset_index()
    counts = counts.merge(grid[_KEYS + ["responses"]], on=_KEYS, how="left")
    gate = counts[(counts["responses"] >= min_raters) & (counts["n_valid"] >= min_raters)][_KEYS + [key]]
    if hidden is not None and len(hidden):
        h = hidden.rename(columns={"key": key})[_KEYS + [key]].assign(_h=True)
        gate = gate.merge(h, on=_KEYS + [key], how="left")
        gate = gate[gate["_h"].isna()].drop(columns="_h")
    shown = mentee.merge(gate, on=_KEYS + [key], how="inner")  # only cells passing both gates
    st = shown.groupby(_KEYS + [key])["value"].agg(mentee_n="count", mentee_mean="mean",
                                                   mentee_sd="std").reset_index()
    n = st["mentee_n"].to_numpy(float)
    st["mentee_se"] = st["mentee_sd"] / np.sqrt(n)
    tcrit = stats.t.ppf(0.5 + level / 2, n - 1)
    st["mentee_ci_low"] = st["mentee_mean"] - tcrit * st["mentee_se"]
    st["mentee_ci_high"] = st["mentee_mean"] + tcrit * st["mentee_se"]

    # Pooled within-mentor variance over the shown cells of each wave x key (df = N - J).
    ss = ((st["mentee_n"] - 1) * st["mentee_sd"] ** 2).groupby([st["wave"], st[key]]).sum()
    big_n = st.groupby(["wave", key])["mentee_n"].sum()
    j = st.groupby(["wave", key]).size()
    pooled = pd.DataFrame({"pooled_df": (big_n - j).astype(float), "ss": ss}).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        pooled["pooled_sd"] = np.sqrt(pooled["ss"] / pooled["pooled_df"].where(pooled["pooled_df"] > 0))
    st = st.merge(pooled[["wave", key, "pooled_sd", "pooled_df"]], on=["wave", key], how="left")
    st["pooled_se"] = st["pooled_sd"] / np.sqrt(st["mentee_n"])
    tp = stats.t.ppf(0.5 + level / 2, st["pooled_df"].where(st["pooled_df"] > 0))
    st["pooled_ci_low"] = st["mentee_mean"] - tp * st["pooled_se"]
    st["pooled_ci_high"] = st["mentee_mean"] + tp * st["pooled_se"]

    out = base.merge(st, on=_KEYS + [key], how="left")
    shown_mask = out["mentee_mean"].notna()
    out["mentee_n"] = out["mentee_n"].astype("Int64")
    out["suppressed"] = ~shown_mask
    out["suppressed_reason"] = np.where(out["responses"] < min_raters, BELOW_MIN_RATERS,
                                        np.where(shown_mask, None, TOO_FEW_VALID)).astype(object)
    out.loc[shown_mask, "suppressed_reason"] = None
    out["gap"] = out["self_score"] - out["mentee_mean"]
    if gap_rule.interval == "own":
        lo, hi = out["mentee_ci_low"], out["mentee_ci_high"]
    else:
        lo, hi = out["pooled_ci_low"], out["pooled_ci_high"]
    out["gap_class"] = gap_rule.classify_arrays(out["self_score"].to_numpy(float), out["mentee_mean"].to_numpy(float),
                                                lo.to_numpy(float), hi.to_numpy(float))

    rankable = out[key].isin(rank_keys)
    for col, name in (("mentee_mean", "mentee_rank"), ("self_score", "self_rank")):
        r = pd.Series(np.nan, index=out.index)
        sub = out.loc[rankable]
        r[rankable] = sub[col].round(_TIE_DIGITS).groupby([sub[k] for k in _KEYS]).rank(method="min", ascending=False)
        out[name] = r.astype("Int64")
    out["program_percentile"] = _percentile(out["mentee_mean"], [out["wave"], out[key]])
    out["self_percentile"] = _percentile(out["self_score"], [out["wave"], out[key]])
    out["mentee_n"] = pd.array([pd.NA] * len(out), dtype="Int64")  # one n per report (R7), none per cell
    cols_out = (_KEYS + [key, "self_score", "self_n", "mentee_n", "mentee_mean", "mentee_sd", "mentee_se",
                         "mentee_ci_low", "mentee_ci_high", "pooled_sd", "pooled_df", "pooled_se",
                         "pooled_ci_low", "pooled_ci_high", "suppressed", "suppressed_reason", "gap", "gap_class",
                         "mentee_rank", "self_rank", "program_percentile", "self_percentile"])
    return out[cols_out]


def _extremes(tab: pd.DataFrame, col: str, keys: list[str]) -> pd.DataFrame:
    """``;``-joined competencies at the max and min of ``col`` per mentor and wave (ties all listed)."""
    sub = tab.loc[tab["competency"].isin(keys) & tab[col].notna(), _KEYS + ["competency", col]].copy()
    g = sub.groupby(_KEYS)[col]
    sub["hi"], sub["lo"], sub["cnt"] = g.transform("max"), g.transform("min"), g.transform("size")
    sub = sub[sub["cnt"] >= 2].copy()
    sub["order"] = sub["competency"].map({k: i for i, k in enumerate(keys)})
    sub = sub.sort_values(_KEYS + ["order"], kind="stable")
    top = _joined(sub[sub[col] >= sub["hi"] - _TIE], "top")
    bottom = _joined(sub[sub[col] <= sub["lo"] + _TIE], "bottom")
    return pd.concat([top, bottom], axis=1).reset_index().reindex(columns=_KEYS + ["top", "bottom"])


def _joined(rows: pd.DataFrame, name: str) -> pd.Series:
    """``groupby(_KEYS)["competency"].agg(";".join)`` in one pass over the rows (in their order):
    the same Series, keys sorted, without a Python call per group."""
    parts: dict[tuple, list[str]] = {}
    for key in zip(*(rows[k].tolist() for k in _KEYS), rows["competency"].tolist()):
        parts.setdefault(key[:-1], []).append(key[-1])
    keys = sorted(parts)
    index = pd.MultiIndex.from_tuples(keys, names=_KEYS) if keys else \
        pd.MultiIndex.from_arrays([rows[k].iloc[:0] for k in _KEYS], names=_KEYS)
    return pd.Series([";".join(parts[k]) for k in keys], index=index, dtype=object, name=name)


def build_mentors(grid: pd.DataFrame, comp: pd.DataFrame, comments: pd.DataFrame, roster, min_raters: int,
                  min_comments: int | None, rank_keys: list[str]) -> pd.DataFrame:
    out = grid[_KEYS].copy()
    if roster is not None:
        cols = [c for c in ("name", "department", "cohort", "trained") if c in roster.columns]
        out = out.merge(roster[["mentor_id", *cols]], on="mentor_id", how="left")
    for c in ("name", "department", "cohort", "trained"):
        if c not in out.columns:
            out[c] = None
    ok = grid["responses"] >= min_raters
    out["mentee_n"] = pd.array(grid["responses"].where(ok).to_numpy(), dtype="Int64")
    overall = comp[comp["competency"] == OVERALL].set_index(_KEYS)
    idx = pd.MultiIndex.from_frame(out[_KEYS])
    out["self_present"] = (overall["self_n"].reindex(idx).fillna(0).to_numpy() > 0)
    out["suppressed"] = ~ok.to_numpy()
    out["suppressed_reason"] = np.where(ok, None, BELOW_MIN_RATERS).astype(object)
    keyed = ~grid["unkeyed"].to_numpy(bool) if "unkeyed" in grid.columns else True
    out["comments_shown"] = ((grid["responses"] >= min_comments).to_numpy() & keyed) if min_comments is not None \
        else False
    n_com = comments[comments["rater_role"] == "mentee"].groupby(_KEYS).size()
    out["mentee_comments"] = n_com.reindex(idx).fillna(0).astype(int).to_numpy()
    for col, prefix in (("mentee_mean", ""), ("self_score", "self_")):
        ext = _extremes(comp, col, rank_keys).set_index(_KEYS)
        out[f"{prefix}strongest"] = ext["top"].reindex(idx).to_numpy()
        out[f"{prefix}weakest"] = ext["bottom"].reindex(idx).to_numpy()
    out["program_percentile"] = overall["program_percentile"].reindex(idx).to_numpy()
    out["self_percentile"] = overall["self_percentile"].reindex(idx).to_numpy()
    return out


def build_comments(comments: pd.DataFrame, grid: pd.DataFrame, min_comments: int | None, excluded: frozenset,
                   instrument, waves) -> pd.DataFrame:
    cols = ["mentor_id", "wave", "rater_role", "question", "text"]
    if min_comments is None or comments.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    # An entry excludes every comment of a response ("R_abc") or one comment ("R_abc#comment_growth").
    rid = comments["response_id"].astype(str)
    c = comments[~(rid.isin(excluded) | (rid + "#" + comments["question"].astype(str)).isin(excluded))]
    ok = grid.loc[grid["responses"] >= min_comments, _KEYS]
    mentee = c[c["rater_role"] == "mentee"].merge(ok, on=_KEYS, how="inner")
    own = c[c["rater_role"] == "self"]
    out = pd.concat([mentee, own], ignore_index=True)[cols]
    q_order = {q: i for i, q in enumerate(instrument.comment_ids)}
    w_order = {w: i for i, w in enumerate(waves)}
    key = pd.DataFrame({"m": out["mentor_id"], "w": out["wave"].map(w_order), "r": out["rater_role"] != "mentee",
                        "q": out["question"].map(q_order), "tf": out["text"].str.casefold(), "t": out["text"]})
    order = key.sort_values(["m", "w", "r", "q", "tf", "t"], kind="stable").index
    return out.loc[order].reset_index(drop=True)


def build_program(comp: pd.DataFrame, items: pd.DataFrame, min_raters: int, band_min: int) -> pd.DataFrame:
    """Benchmarks over mentor-level values: shown mentee means, self scores."""
    parts = []
    for tab, key, lvl in ((comp, "competency", "competency"), (items, "item", "item")):
        for role, col in (("mentee", "mentee_mean"), ("self", "self_score")):
            sub = tab[tab[col].notna()]
            extra = ["competency"] if lvl == "item" else []
            for (w, k), g in sub.groupby(["wave", key], sort=False):
                v = g[col].to_numpy(float)
                row = {"wave": w, "rater_role": role, "level": lvl, "competency": g["competency"].iloc[0]
                       if extra else k, "item": k if lvl == "item" else None, "n_mentors": len(v)}
                if len(v) >= min_raters:
                    row.update(mean=float(v.mean()), sd=float(v.std(ddof=1)),
                               p25=float(np.percentile(v, 25)), p50=float(np.percentile(v, 50)),
                               p75=float(np.percentile(v, 75)))
                else:
                    row.update(mean=np.nan, sd=np.nan, p25=np.nan, p50=np.nan, p75=np.nan)
                row["report_band"] = len(v) >= band_min
                parts.append(row)
    cols = ["wave", "rater_role", "level", "competency", "item", "n_mentors", "mean", "sd", "p25", "p50", "p75",
            "report_band"]
    return pd.DataFrame(parts, columns=cols)
