"""Internal consistency: Cronbach's alpha and item analysis equal to ``psych::alpha``.

Examples
--------
>>> import pandas as pd
>>> from mentorassess.stats.reliability import estimate_alpha
>>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
>>> res = estimate_alpha(x)          # R: psych::alpha(x)
>>> round(res.raw_alpha, 4)
0.9538
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from mentorassess.errors import ConfigError, DataQualityWarning, InsufficientDataError
from mentorassess.stats._common import (
    single_threaded_blas,
    check_min,
    check_rng,
    cov2cor,
    instrument_id_of,
    item_frame,
    jsonable,
    pairwise_cov,
    reverse_items_of,
    scale_range_of,
    smc,
    structure_of,
    unusable_items,
    zero_variance,
)

__all__ = ["AlphaResult", "ReliabilityResult", "estimate_alpha", "estimate_reliability"]

_DROP_COLUMNS = ("raw_alpha", "std_alpha", "g6", "average_r", "signal_noise", "alpha_se", "var_r", "median_r")


@dataclass(frozen=True, eq=False)
class AlphaResult:
    """Cronbach's alpha and item statistics for one scale (equals ``psych::alpha``).

    Attributes mirror psych's ``$total`` (``raw_alpha``, ``std_alpha``, ``g6`` = ``G6(smc)``,
    ``average_r``, ``signal_noise`` = ``S/N``, ``ase``, ``mean``, ``sd``, ``median_r``),
    ``$feldt`` and ``$boot.ci``. ``item_stats`` has psych's ``$item.stats`` columns
    (``n, raw_r, std_r, r_cor, r_drop, mean, sd``) and ``alpha_drop`` psych's ``$alpha.drop``.
    ``n_obs`` is psych's N (all rows given, incomplete ones included); ``n_complete`` the
    number of rows with every item answered.
    """

    scale: str
    items: tuple[str, ...]
    n_obs: int
    n_complete: int
    raw_alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    signal_noise: float
    ase: float
    mean: float
    sd: float
    item_stats: pd.DataFrame = field(repr=False)
    alpha_drop: pd.DataFrame = field(repr=False)
    reversed_items: tuple[str, ...] = ()
    boot_alphas: np.ndarray | None = field(default=None, repr=False)
    notes: tuple[str, ...] = ()

    @property
    def n_items(self) -> int:
        return len(self.items)

    def confidence_interval(self, level: float = 0.95, method: str = "feldt") -> tuple[float, float]:
        """Interval for raw alpha.

        ``method="feldt"``: psych's ``alpha.ci`` (F distribution on N-1 and (N-1)(k-1) df);
        ``"duhachek"``: alpha +/- z * ase (psych prints this with z = 1.96);
        ``"bootstrap"``: percentile interval (R quantile type 7) of the bootstrap alphas.
        """
        if not 0.0 < level < 1.0:
            raise ConfigError(f"level must be in (0, 1); got {level!r}")
        p = 1.0 - level
        if method == "feldt":
            df1 = self.n_obs - 1
            df2 = (self.n_obs - 1) * (self.n_items - 1)
            lo = 1.0 - (1.0 - self.raw_alpha) * sps.f.ppf(1.0 - p / 2.0, df1, df2)
            hi = 1.0 - (1.0 - self.raw_alpha) * sps.f.ppf(p / 2.0, df1, df2)
            return float(lo), float(hi)
        if method == "duhachek":
            z = sps.norm.ppf(1.0 - p / 2.0)
            return float(self.raw_alpha - z * self.ase), float(self.raw_alpha + z * self.ase)
        if method == "bootstrap":
            if self.boot_alphas is None:
                raise ConfigError("no bootstrap was run; call estimate_alpha(..., n_boot=1000)")
            lo, hi = np.quantile(self.boot_alphas, [p / 2.0, 1.0 - p / 2.0])
            return float(lo), float(hi)
        raise ConfigError(f"method must be 'feldt', 'duhachek' or 'bootstrap'; got {method!r}")

    def to_frame(self) -> pd.DataFrame:
        """Item statistics joined with alpha-if-dropped, one row per item (a copy)."""
        drop = self.alpha_drop.add_prefix("drop_")
        out = pd.concat([self.item_stats, drop], axis=1)
        out.insert(0, "item", out.index)
        out.insert(0, "scale", self.scale)
        return out.reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        feldt = self.confidence_interval(method="feldt")
        duh = self.confidence_interval(method="duhachek")
        out: dict[str, Any] = {
            "scale": self.scale,
            "n_items": self.n_items,
            "n_obs": self.n_obs,
            "n_complete": self.n_complete,
            "raw_alpha": self.raw_alpha,
            "std_alpha": self.std_alpha,
            "g6": self.g6,
            "average_r": self.average_r,
            "median_r": self.median_r,
            "signal_noise": self.signal_noise,
            "ase": self.ase,
            "mean": self.mean,
            "sd": self.sd,
            "feldt_lower": feldt[0],
            "feldt_upper": feldt[1],
            "duhachek_lower": duh[0],
            "duhachek_upper": duh[1],
        }
        if self.boot_alphas is not None:
            b = self.confidence_interval(method="bootstrap")
            out.update(boot_lower=b[0], boot_median=float(np.median(self.boot_alphas)), boot_upper=b[1],
                       n_boot=int(len(self.boot_alphas)))
        return out

    def to_dict(self) -> dict[str, Any]:
        d = self.summary()
        d["items"] = list(self.items)
        d["reversed_items"] = list(self.reversed_items)
        d["item_stats"] = self.to_frame().drop(columns=["scale"])
        d["notes"] = list(self.notes)
        return jsonable(d)


@dataclass(frozen=True, eq=False)
class ReliabilityResult:
    """Alpha per competency and for all in-total items of an instrument."""

    scales: Mapping[str, AlphaResult]
    instrument: str | None = None
    notes: tuple[str, ...] = ()

    def __getitem__(self, key: str) -> AlphaResult:
        return self.scales[key]

    def to_frame(self) -> pd.DataFrame:
        """One row per scale with alpha, G6, average r and the intervals."""
        return pd.DataFrame([a.summary() for a in self.scales.values()])

    def item_frame(self) -> pd.DataFrame:
        return pd.concat([a.to_frame() for a in self.scales.values()], ignore_index=True)

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"instrument": self.instrument, "scales": {k: v.to_dict() for k, v in self.scales.items()},
                         "notes": list(self.notes)})


def _alpha_core(c: np.ndarray, r: np.ndarray) -> tuple[float, ...]:
    """psych's ``alpha.1``: raw, std, G6, av.r, S/N, Q, var.r, med.r."""
    k = c.shape[0]
    sum_c = c.sum()
    tr_c = np.trace(c)
    raw = (1.0 - tr_c / sum_c) * (k / (k - 1.0))
    sum_r = r.sum()
    std = (1.0 - k / sum_r) * (k / (k - 1.0))
    g6 = 1.0 - (k - smc(r).sum()) / sum_r
    av_r = (sum_r - k) / (k * (k - 1.0))
    lower = r[np.tril_indices(k, -1)]
    var_r = float(np.var(lower, ddof=1)) if lower.size > 1 else float("nan")
    med_r = float(np.median(lower))
    sn = k * av_r / (1.0 - av_r)
    cc = c @ c
    q = (2.0 * k**2 / ((k - 1.0) ** 2 * sum_c**3)) * (sum_c * (np.trace(cc) + tr_c**2) - 2.0 * tr_c * cc.sum())
    return raw, std, g6, av_r, sn, q, var_r, med_r


@single_threaded_blas
def estimate_alpha(
    items: pd.DataFrame,
    *,
    keys: Sequence[str] = (),
    reverse_range: tuple[float, float] | None = None,
    scale: str = "scale",
    n_boot: int = 0,
    rng: np.random.Generator | int | None = None,
) -> AlphaResult:
    """Cronbach's alpha, Guttman's lambda-6 and item statistics, equal to ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        One column per item, one row per response; NaN = missing. Rows with no item
        answered are dropped first (they carry no information; psych would count them in N).
    keys : sequence of str
        Items to reverse before the analysis (psych's ``keys``).
    reverse_range : (min, max), optional
        Reverse as ``min + max - x``. Default: the observed extremes of the whole frame, as
        psych does; pass the scale's range (e.g. ``(1, 7)``) to reverse by the instrument.
    scale : str
        Name of the scale (competency) used in messages and tables.
    n_boot : int
        Number of bootstrap resamples of rows (0 = none); each uses pairwise covariances.
    rng : Generator or int, optional
        Seed for the bootstrap (default seed 20131002).

    Returns
    -------
    AlphaResult

    Raises
    ------
    InsufficientDataError
        Fewer than 2 items (after dropping zero-variance items) or fewer than 3 complete rows.

    Warns
    -----
    DataQualityWarning
        Zero-variance items (dropped, as psych does) or items correlating negatively with the rest.

    Notes
    -----
    With C = ``cov(x, use = "pairwise")`` and R = ``cov2cor(C)`` (not ``cor(x, use =
    "pairwise")``): raw alpha = k/(k-1)(1 - tr C/sum C), std alpha = k/(k-1)(1 - k/sum R),
    G6 = 1 - (k - sum smc)/sum R, r.drop and alpha-if-dropped from C and R, raw.r = correlation
    of each item with the mean of the available items. The Feldt interval uses N = all rows.
    R equivalent: ``psych::alpha(x, keys = keys, warnings = FALSE)``. The bootstrap cannot
    reproduce R's random stream (``mclapply``): compare it only for plausibility.

    Examples
    --------
    >>> import pandas as pd
    >>> x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [5, 3, 3, 2, 2]})
    >>> res = estimate_alpha(x, keys=["c"])   # R: psych::alpha(x, keys = "c")
    >>> round(res.std_alpha, 4)
    0.9578
    """
    frame = item_frame(items, what=f"scale {scale!r}")
    notes: list[str] = []
    unknown = [k for k in keys if k not in frame.columns]
    if unknown:
        raise ConfigError(f"scale {scale!r}: keys not among the items: {', '.join(unknown)}")
    bad = zero_variance(frame)
    if bad:
        empty, constant = unusable_items(frame[bad])
        parts = ([f"no answers for {', '.join(empty)}"] if empty else []) + \
            ([f"no variance (constant answers) for {', '.join(constant)}"] if constant else [])
        msg = f"scale {scale!r}: {'; '.join(parts) or ', '.join(bad)}; dropped as psych::alpha does"
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)
        frame = frame.drop(columns=bad)
    frame = frame.loc[frame.notna().any(axis=1)]
    check_min(frame, what=f"scale {scale!r}")
    keys = tuple(k for k in keys if k in frame.columns)
    if keys:
        if reverse_range is None:
            vals = frame.to_numpy()
            lo, hi = float(np.nanmin(vals)), float(np.nanmax(vals))
        else:
            lo, hi = map(float, reverse_range)
        frame = frame.copy()
        for k in keys:
            frame[k] = lo + hi - frame[k]
    x = frame.to_numpy(dtype=float)
    n, k = x.shape
    cols = [str(c) for c in frame.columns]
    c = pairwise_cov(frame)
    if np.isnan(c).any():
        bad_pairs = [f"{cols[a]}-{cols[b]}" for a, b in np.argwhere(np.isnan(np.triu(c, 1)))[:10]]
        raise InsufficientDataError(f"scale {scale!r}: fewer than 2 joint responses for the item pair(s) "
                                    f"{', '.join(bad_pairs)}")
    r = cov2cor(c)
    raw, std, g6, av_r, sn, q, _var_r, med_r = _alpha_core(c, r)

    # alpha if item dropped
    rows = []
    if k > 2:
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            d = _alpha_core(c[np.ix_(keep, keep)], r[np.ix_(keep, keep)])
            rows.append((d[0], d[1], d[2], d[3], d[4], np.sqrt(d[5] / n), d[6], d[7]))
    else:
        r12 = r[0, 1]
        s1 = smc(r)[0]
        for i in range(2):
            other = c[1, 1] if i == 0 else c[0, 0]
            rows.append((c[0, 1] / other, r12, s1, r12, r12 / (1.0 - r12), np.nan, 0.0, r12))
    alpha_drop = pd.DataFrame(rows, index=cols, columns=list(_DROP_COLUMNS))

    # item statistics (NaN, as in psych, where a scale's total variance is not positive)
    with np.errstate(invalid="ignore", divide="ignore"):
        vt = r.sum()
        std_r = r.sum(axis=0) / np.sqrt(vt)
        rc = r.copy()
        np.fill_diagonal(rc, smc(r))
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
        r_drop = np.empty(k)
        for i in range(k):
            keep = [j for j in range(k) if j != i]
            r_drop[i] = (c[:, i].sum() - c[i, i]) / np.sqrt(c[i, i] * c[np.ix_(keep, keep)].sum())
        total = np.nanmean(x, axis=1)
        raw_r = np.empty(k)
        for i in range(k):
            ok = ~np.isnan(x[:, i]) & ~np.isnan(total)
            raw_r[i] = np.corrcoef(total[ok], x[ok, i])[0, 1]
        item_stats = pd.DataFrame(
            {
                "n": (~np.isnan(x)).sum(axis=0).astype(int),
                "raw_r": raw_r,
                "std_r": std_r,
                "r_cor": r_cor,
                "r_drop": r_drop,
                "mean": np.nanmean(x, axis=0),
                "sd": np.nanstd(x, axis=0, ddof=1),
            },
            index=cols,
        )
    neg = [cols[i] for i in range(k) if r_drop[i] < 0]
    if neg:
        msg = (f"scale {scale!r}: item(s) {', '.join(neg)} correlate negatively with the rest of the scale; "
               "check reverse keying")
        notes.append(msg)
        warnings.warn(msg, DataQualityWarning, stacklevel=3)

    boot = None
    if n_boot:
        if n_boot < 2:
            raise ConfigError("n_boot must be 0 or at least 2")
        gen = check_rng(rng)
        boot = np.empty(int(n_boot))
        complete = not np.isnan(x).any()
        for b in range(int(n_boot)):
            xb = x[gen.integers(0, n, size=n)]
            cb = np.cov(xb, rowvar=False) if complete else pd.DataFrame(xb).cov().to_numpy()
            boot[b] = (1.0 - np.trace(cb) / cb.sum()) * (k / (k - 1.0))
        boot.flags.writeable = False

    return AlphaResult(
        scale=scale,
        items=tuple(cols),
        n_obs=int(n),
        n_complete=int((~np.isnan(x)).all(axis=1).sum()),
        raw_alpha=float(raw),
        std_alpha=float(std),
        g6=float(g6),
        average_r=float(av_r),
        median_r=float(med_r),
        signal_noise=float(sn),
        ase=float(np.sqrt(q / n)),
        mean=float(np.nanmean(total)),
        sd=float(np.nanstd(total, ddof=1)),
        item_stats=item_stats,
        alpha_drop=alpha_drop,
        reversed_items=keys,
        boot_alphas=boot,
        notes=tuple(notes),
    )


def estimate_reliability(
    responses: pd.DataFrame,
    instrument: Any,
    *,
    reverse: bool = True,
    overall: bool = True,
    n_boot: int = 0,
    rng: np.random.Generator | int | None = None,
) -> ReliabilityResult:
    """Alpha per competency (and for all items together) of an instrument.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses (item columns named by item id); other columns are ignored.
    instrument : Instrument or mapping
        The structure: an Instrument, or ``{competency_id: [item ids]}``.
    reverse : bool
        Reverse the instrument's reverse-keyed items as scale min + max - x (psych's ``keys``).
    overall : bool
        Add a scale ``"overall"`` with all items of all competencies.
    n_boot, rng
        Bootstrap resamples per scale and their seed.

    Returns
    -------
    ReliabilityResult

    Raises
    ------
    InsufficientDataError
        A competency with fewer than 2 items or fewer than 3 complete responses (the message
        names the competency and n).

    Notes
    -----
    R equivalent, per competency: ``psych::alpha(d[items], keys = reversed, warnings = FALSE)``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 3, 4], "b": [1, 3, 3, 4], "c": [2, 2, 4, 4], "d": [1, 2, 4, 3]})
    >>> rel = estimate_reliability(d, {"one": ["a", "b"], "two": ["c", "d"]})
    >>> sorted(rel.scales)
    ['one', 'overall', 'two']
    """
    struct = structure_of(instrument)
    rev = set(reverse_items_of(instrument)) if reverse else set()
    rng_range = scale_range_of(instrument)
    gen = check_rng(rng) if n_boot else None
    scales: dict[str, AlphaResult] = {}
    todo = dict(struct)
    if overall and len(struct) > 1:
        todo["overall"] = tuple(i for items in struct.values() for i in items)
    for name, items in todo.items():
        keys = [i for i in items if i in rev]
        frame = item_frame(responses, items, what=f"competency {name!r}")
        scales[name] = estimate_alpha(frame, keys=keys, reverse_range=rng_range, scale=name,
                                      n_boot=n_boot, rng=gen)
    return ReliabilityResult(scales=dict(scales), instrument=instrument_id_of(instrument))
