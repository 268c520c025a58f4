"""Pre/post change per competency, for the program and per mentor.

:func:`compare_waves` pairs the responses of two waves (self forms by mentor; mentee forms by
mentor and rater where rater ids exist) and reports, per competency and ``overall``:

- the paired t test with its confidence interval (``t.test(post, pre, paired = TRUE)``);
- the Wilcoxon signed-rank test as R's ``wilcox.test(post, pre, paired = TRUE)``: zero
  differences dropped, exact p when n < 50 without ties or zeros, otherwise the normal
  approximation with tie-corrected variance and continuity correction; ``V`` is the sum of the
  positive ranks. Differences are rounded to 9 decimals before ranking, so that ties that are
  exact on paper (differences of means of integer ratings) stay ties;
- effect sizes **d_z** = mean difference / SD of differences (= t / sqrt(n)) and **g_z** = J d_z
  with Hedges' exact small-sample correction J = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2)), df = n - 1.

Where pairing is impossible (mentee forms without rater ids) the two waves are compared as
independent samples with Welch's t test (``t.test(post, pre)``) and Hedges' g for two independent
groups (pooled SD, df = n1 + n2 - 2); the result says so in ``method`` and ``notes``.

A retrospective pre-test ("then-test") is its own wave: ``compare_waves(sc, pre="retrospective_pre",
post="post")``; report it apart from the traditional pre/post contrast, never pooled with it.

Examples
--------
>>> from mentorassess.sample import generate
>>> from mentorassess.scoring import score
>>> sc = score(generate(seed=1, n_mentors=20).responses, "mca-26")
>>> res = compare_waves(sc, role="self")
>>> res.method, res.pairing
('paired', 'mentor_id')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.scoring import Scores, order_waves

__all__ = ["ChangeResult", "compare_waves", "paired_change", "welch_change", "wilcoxon_signed_rank",
           "hedges_j", "RETROSPECTIVE_WAVES"]

RETROSPECTIVE_WAVES = ("retrospective_pre", "retro_pre", "then")
EFFECT_SIZE_NOTE = ("paired: d_z = mean difference / SD of differences; g_z = d_z x Hedges' exact J (df = n - 1). "
                    "unpaired (Welch): Hedges' g = (mean post - mean pre) / pooled SD x J (df = n1 + n2 - 2)")
_COLUMNS = ["competency", "method", "n", "n_pre", "n_post", "mean_pre", "mean_post", "mean_diff", "sd_diff", "t", "df",
            "p", "ci_low", "ci_high", "wilcoxon_V", "wilcoxon_p", "wilcoxon_exact", "d_z", "g_z", "hedges_g"]


@dataclass(frozen=True)
class ChangeResult:
    """Pre/post change per competency (and per mentor when asked).

    Attributes
    ----------
    table : DataFrame
        One row per competency (``mentor_id`` first when per mentor): ``method`` ('paired' or
        'welch'), ``n`` (pairs; for Welch n_pre + n_post), means, ``mean_diff`` (post - pre), ``sd_diff``,
        ``t, df, p, ci_low, ci_high``, ``wilcoxon_V, wilcoxon_p, wilcoxon_exact`` (paired only),
        ``d_z, g_z`` (paired) or ``hedges_g`` (Welch).
    pre, post, role : str
    pairing : str
        ``mentor_id``, ``mentor_id+rater_id`` or ``none`` (Welch).
    method : str
    retrospective : bool
        True when ``pre`` is a retrospective pre-test wave.
    effect_size : str
        Which effect sizes are reported.
    notes : tuple of str
    """

    table: pd.DataFrame = field(repr=False)
    pre: str = "pre"
    post: str = "post"
    role: str = "mentee"
    pairing: str = "mentor_id"
    method: str = "paired"
    retrospective: bool = False
    level: float = 0.95
    effect_size: str = EFFECT_SIZE_NOTE
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        out = self.table.copy()
        out.insert(0, "role", self.role)
        out.insert(1, "pre", self.pre)
        out.insert(2, "post", self.post)
        return out


def hedges_j(df: float) -> float:
    """Hedges' exact small-sample correction Γ(df/2) / (sqrt(df/2) Γ((df - 1)/2)).

    Examples
    --------
    >>> round(hedges_j(11), 6)
    0.92996
    """
    if not df > 1:
        return float("nan")
    return float(np.exp(special.gammaln(df / 2) - special.gammaln((df - 1) / 2)) / np.sqrt(df / 2))


def wilcoxon_signed_rank(diffs) -> tuple[float, float, bool]:
    """Wilcoxon signed-rank test of differences as R's ``wilcox.test(x, mu = 0)``.

    Returns ``(V, p, exact)``. Differences are rounded to 9 decimals; zeros are dropped.

    Examples
    --------
    >>> pre = [120, 135, 110, 142, 128, 131, 118, 125, 139, 122, 130, 127]
    >>> post = [128, 139, 118, 141, 135, 131, 126, 133, 140, 130, 138, 129]
    >>> V, p, exact = wilcoxon_signed_rank([b - a for a, b in zip(pre, post)])
    >>> V, round(p, 6), exact
    (64.5, 0.005007, False)
    """
    d = np.round(np.asarray(diffs, dtype=float), 9)
    d = d[~np.isnan(d)]
    zeros = bool((d == 0).any())
    d = d[d != 0]
    n = len(d)
    if n == 0:
        return float("nan"), float("nan"), False
    r = stats.rankdata(np.abs(d))
    v = float(r[d > 0].sum())
    ties = len(np.unique(np.abs(d))) < n
    if n < 50 and not ties and not zeros:
        # exact null distribution of V (sum of positive ranks 1..n)
        counts = np.zeros(n * (n + 1) // 2 + 1)
        counts[0] = 1
        for k in range(1, n + 1):
            counts[k:] = counts[k:] + counts[:-k].copy()
        probs = counts / 2.0 ** n
        iv = int(round(v))
        p = min(1.0, 2 * min(probs[: iv + 1].sum(), probs[iv:].sum()))
        return v, float(p), True
    z = v - n * (n + 1) / 4
    _, tcounts = np.unique(r, return_counts=True)
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - (tcounts ** 3 - tcounts).sum() / 48)
    if sigma == 0:
        return v, float("nan"), False
    z = (z - np.sign(z) * 0.5) / sigma
    return v, float(2 * min(stats.norm.cdf(z), stats.norm.sf(z))), False


def paired_change(pre, post, *, level: float = 0.95) -> dict[str, float]:
    """Paired t, CI, Wilcoxon, d_z and g_z for matched arrays (pairs with a missing value dropped).

    R: ``t.test(post, pre, paired = TRUE)``, ``wilcox.test(post, pre, paired = TRUE)``.

    Examples
    --------
    >>> res = paired_change([120, 135, 110, 142, 128, 131, 118, 125, 139, 122, 130, 127],
    ...                     [128, 139, 118, 141, 135, 131, 126, 133, 140, 130, 138, 129])
    >>> round(res["t"], 6), round(res["d_z"], 6), round(res["g_z"], 6)
    (4.851504, 1.400509, 1.302417)
    """
    x, y = np.asarray(pre, dtype=float), np.asarray(post, dtype=float)
    if x.shape != y.shape:
        raise DataError("pre and post must have the same length (one value per pair)")
    ok = ~np.isnan(x) & ~np.isnan(y)
    x, y = x[ok], y[ok]
    n = len(x)
    out: dict[str, float] = {"method": "paired", "n": n, "n_pre": n, "n_post": n,
                             "mean_pre": x.mean() if n else np.nan, "mean_post": y.mean() if n else np.nan}
    d = y - x
    if n < 2:
        out.update(mean_diff=d.mean() if n else np.nan)
        return _plain(out)
    md, sd = d.mean(), d.std(ddof=1)
    se = sd / np.sqrt(n)
    df = n - 1
    tq = stats.t.ppf(0.5 + level / 2, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = md / se
        dz = md / sd
    p = 2 * stats.t.sf(abs(t), df) if np.isfinite(t) else np.nan
    v, wp, exact = wilcoxon_signed_rank(d)
    out.update(mean_diff=md, sd_diff=sd, t=t, df=float(df), p=p, ci_low=md - tq * se, ci_high=md + tq * se,
               wilcoxon_V=v, wilcoxon_p=wp, wilcoxon_exact=exact, d_z=dz, g_z=dz * hedges_j(df))
    return _plain(out)


def welch_change(pre, post, *, level: float = 0.95) -> dict[str, float]:
    """Welch's unpaired t (post - pre) with CI and Hedges' g. R: ``t.test(post, pre)``.

    Examples
    --------
    >>> res = welch_change([4, 5, 5, 6], [5, 6, 6, 7, 7])
    >>> res["method"], round(res["mean_diff"], 2)
    ('welch', 1.2)
    """
    x = np.asarray(pre, dtype=float)
    y = np.asarray(post, dtype=float)
    x, y = x[~np.isnan(x)], y[~np.isnan(y)]
    n1, n2 = len(x), len(y)
    out: dict[str, float] = {"method": "welch", "n": n1 + n2, "n_pre": n1, "n_post": n2,
                             "mean_pre": x.mean() if n1 else np.nan, "mean_post": y.mean() if n2 else np.nan}
    if n1 < 2 or n2 < 2:
        return _plain(out)
    v1, v2 = x.var(ddof=1), y.var(ddof=1)
    se = np.sqrt(v1 / n1 + v2 / n2)
    df = (v1 / n1 + v2 / n2) ** 2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    md = y.mean() - x.mean()
    t = md / se
    tq = stats.t.ppf(0.5 + level / 2, df)
    sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    out.update(mean_diff=md, t=t, df=df, p=2 * stats.t.sf(abs(t), df), ci_low=md - tq * se, ci_high=md + tq * se,
               hedges_g=md / sp * hedges_j(n1 + n2 - 2))
    return _plain(out)


def _plain(d: dict) -> dict:
    """NumPy scalars to Python numbers (full precision)."""
    return {k: (float(v) if isinstance(v, np.floating) else int(v) if isinstance(v, np.integer) else v)
            for k, v in d.items()}


def _keys(role: str, frame: pd.DataFrame) -> list[str]:
    if role == "self":
        return ["mentor_id"]
    if "rater_id" in frame.columns and frame["rater_id"].notna().all() and len(frame):
        return ["mentor_id", "rater_id"]
    return []


def compare_waves(scores: Scores, *, pre: str = "pre", post: str = "post", role: str = "mentee",
                  by_mentor: bool = False, min_raters: int = 3, level: float = 0.95,
                  wave_order: Sequence[str] | None = None, paired: bool | None = None) -> ChangeResult:
    """Change from ``pre`` to ``post`` per competency, for the program or per mentor.

    Parameters
    ----------
    scores : Scores
    pre, post : str
        Wave names; ``pre`` may be a retrospective pre-test wave (``retrospective_pre``).
    role : str
        ``mentee`` (paired by mentor and rater where rater ids exist) or ``self`` (by mentor).
    by_mentor : bool
        One block of rows per mentor. For mentee forms a mentor's change is shown only with at
        least ``min_raters`` pairs (Welch: ``min_raters`` responses in each wave); below that the
        row's values are absent.
    min_raters : int
        Confidentiality threshold for per-mentor mentee change (>= 3).
    wave_order : sequence of str, optional
        Declared wave order (program config); ``pre`` must come before ``post`` unless it is a
        retrospective pre-test.
    paired : bool, optional
        Force (True) or refuse (False) pairing; default: pair when possible.

    Returns
    -------
    ChangeResult

    Raises
    ------
    ConfigError
        Same or unknown waves, ``post`` ordered before ``pre``, ``min_raters`` below 3, pairing forced
        without rater ids.
    DataError
        The same pair key twice within a wave (duplicate responses).
    InsufficientDataError
        No responses of this role in one of the waves.
    """
    if not isinstance(scores, Scores):
        raise DataError("scores must be a Scores result")
    if pre == post:
        raise ConfigError("pre and post must be different waves")
    if min_raters < 3:
        raise ConfigError("min_raters may not be below 3")
    known = scores.waves
    for w in (pre, post):
        if w not in known:
            raise ConfigError(f"wave {w!r} is not in the data", hint="waves present: " + ", ".join(known))
    retro = pre in RETROSPECTIVE_WAVES
    ordered = order_waves([pre, post], order=wave_order) if wave_order is not None else \
        tuple(w for w in order_waves(known) if w in (pre, post))
    if not retro and ordered != (pre, post):
        raise ConfigError(f"wave {post!r} comes before {pre!r} in the wave order",
                          hint="swap pre and post, or declare the waves in order in the program config")
    s = scores.scores[scores.scores["rater_role"] == role]
    a, b = s[s["wave"] == pre], s[s["wave"] == post]
    if a.empty or b.empty:
        raise InsufficientDataError(f"no {role} responses in wave {pre if a.empty else post!r}")
    keys = _keys(role, pd.concat([a, b]))
    notes: list[str] = []
    if paired is True and not keys:
        raise ConfigError("pairing needs rater ids on every mentee response")
    if paired is False:
        keys = []
    if keys:
        for frame, w in ((a, pre), (b, post)):
            dup = frame.duplicated(keys)
            if dup.any():
                raise DataError(f"{int(dup.sum())} duplicate {role} response(s) for the same "
                                f"{' + '.join(keys)} in wave {w!r}", hint="remove duplicates at import")
        merged = a.merge(b, on=keys, suffixes=("_pre", "_post"))
        pairing, method = "+".join(keys), "paired"
        if merged.empty:
            raise InsufficientDataError(f"no {role} pairs between waves {pre!r} and {post!r}")
        notes.append(f"{len(merged)} pairs; {len(a) - len(merged)} {pre} and {len(b) - len(merged)} {post} "
                     f"responses without a partner left out")
    else:
        merged, pairing, method = None, "none", "welch"
        notes.append("no rater ids: waves compared as independent samples (Welch); pre and post ratings "
                     "of the same raters are not independent, so p values are approximate")
    if retro:
        notes.append(f"{pre!r} is a retrospective pre-test: report it apart from a traditional pre/post "
                     "contrast and never pool the two pre measures")
    comps = list(scores.score_columns)
    rows = []
    if not by_mentor:
        groups = [(None, merged, a, b)]
    else:  # split each frame once (filtering per mentor was quadratic in program size)
        def split(frame):
            return {} if frame is None else {m: g for m, g in frame.groupby("mentor_id", sort=False)}

        sm, sa, sb = split(merged), split(a), split(b)
        groups = [(m, (sm.get(m, merged.iloc[:0]) if merged is not None else None), sa.get(m, a.iloc[:0]),
                   sb.get(m, b.iloc[:0])) for m in sorted(set(a["mentor_id"]) | set(b["mentor_id"]))]
    for mentor, mg, ga, gb in groups:
        for c in comps:
            if mg is not None:
                n_pairs = int((mg[f"{c}_pre"].notna() & mg[f"{c}_post"].notna()).sum())
                hidden = by_mentor and role != "self" and n_pairs < min_raters
                res = ({"method": "paired"} if hidden else
                       paired_change(mg[f"{c}_pre"].to_numpy(float), mg[f"{c}_post"].to_numpy(float), level=level))
            else:
                hidden = by_mentor and role != "self" and min(ga[c].notna().sum(), gb[c].notna().sum()) < min_raters
                res = {"method": "welch"} if hidden else welch_change(ga[c].to_numpy(float), gb[c].to_numpy(float),
                                                                    level=level)
            res["competency"] = c
            if by_mentor:
                res["mentor_id"] = mentor
                res["suppressed"] = bool(hidden)
            rows.append(res)
    cols = (["mentor_id"] if by_mentor else []) + _COLUMNS + (["suppressed"] if by_mentor else [])
    table = pd.DataFrame(rows).reindex(columns=cols)
    if by_mentor and role != "self":
        notes.append(f"per-mentor mentee change shown only with at least {min_raters} pairs")
    return ChangeResult(table=table, pre=pre, post=post, role=role, pairing=pairing, method=method,
                        retrospective=retro, level=level, notes=tuple(notes))
