"""Reliable change index per mentor (Jacobson & Truax 1991) for a mean of k raters.

Classic version: ``RC = (post mean - pre mean) / S_diff``, ``S_diff = sqrt(2) SE``,
``SE = s_pre sqrt(1 - r_k)``, where ``s_pre`` is the SD of the mentors' pre means and ``r_k``
the reliability of a k-rater mean, ``ICC(1,k) = k ICC1 / (1 + (k - 1) ICC1)`` with ICC1 from
the one-way ANOVA of the pre ratings (``multilevel::ICC1``, ``psych::statsBy``) and k the
mentor's number of pre raters. Model-based version (allows different rater numbers at the two
waves): ``RC = diff / sqrt(MS_w/k_pre + MS_w/k_post)``, MS_w the pooled within-mentor mean square
of the pre ratings. The two do not agree exactly; both are reported. ``|RC| > 1.96`` is a
reliable change. Alpha of the items would measure the wrong error (items, not raters).

Examples
--------
>>> import pandas as pd
>>> p = "1:4.5/5.4 1:4.9/5.3 2:4.7/5.5 2:4.0/4.8 2:4.3/4.5 3:3.9/4.7 3:4.8/4.9 3:4.0/5.1 3:4.1/4.4 \\
... 4:6.4/6.4 4:6.0/5.6 5:3.4/4.5 5:3.7/4.9 5:4.1/3.9 6:4.5/5.5 6:5.2/5.0 6:4.4/5.4 6:4.7/5.2"
>>> rows = [(int(m), w, float(v)) for e in p.split() for m, pp in [e.split(":")]
...         for w, v in zip(("pre", "post"), pp.split("/"))]
>>> rc = reliable_change(pd.DataFrame(rows, columns=["mentor", "wave", "score"]))
>>> rc.to_frame().set_index("mentor").loc[5, ["rc", "rc_model"]].astype(float).round(6).tolist()
[2.105242, 2.398369]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.scoring import order_waves

__all__ = ["ReliableChange", "reliable_change"]


@dataclass(frozen=True)
class ReliableChange:
    """Per mentor: ``mentor, k_pre, k_post, pre_mean, post_mean, change, r_k, se, s_diff, rc,
    reliable, rc_model, reliable_model``; program inputs ``icc1``, ``sd_pre_means``, ``ms_within``."""

    table: pd.DataFrame = field(repr=False)
    icc1: float
    sd_pre_means: float
    ms_within: float
    waves: tuple[str, str]
    z: float = 1.96
    label: str = ""

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def reliable_change(data: pd.DataFrame, *, mentor: str = "mentor", wave: str = "wave", score: str = "score",
                    waves: tuple[str, str] | None = None, z: float = 1.96, label: str = "") -> ReliableChange:
    """RCI of each mentor with ratings at both waves (see the module docstring).

    Raises
    ------
    InsufficientDataError
        Fewer than 2 mentors with pre ratings, or no within-mentor variance at pre.
    """
    for c in (mentor, wave, score):
        if c not in data.columns:
            raise DataError(f"column {c!r} is not in the data", column=c)
    if z <= 0:
        raise ConfigError("z must be positive")
    present = order_waves(data[wave].dropna().astype(str).unique())
    if waves is None:
        if len(present) < 2:
            raise InsufficientDataError("reliable change needs two waves")
        waves = (present[0], present[1])
    y = pd.to_numeric(data[score], errors="coerce")
    d = pd.DataFrame({"m": data[mentor], "w": data[wave].astype(str), "y": y}).dropna()
    pre, post = d[d["w"] == waves[0]], d[d["w"] == waves[1]]
    g = pre.groupby("m")["y"]
    n, mean, var = g.count(), g.mean(), g.var(ddof=1)
    J, N = len(n), int(n.sum())
    if J < 2 or N - J < 1:
        raise InsufficientDataError("reliable change needs at least 2 mentors and a mentor with 2 pre ratings")
    gm = pre["y"].mean()
    msb = float((n * (mean - gm) ** 2).sum() / (J - 1))
    msw = float(((n - 1) * var.fillna(0)).sum() / (N - J))
    if msw <= 0:
        raise InsufficientDataError("no variance within mentors at the first wave")
    kbar = N / J
    icc1 = (msb - msw) / (msb + (kbar - 1) * msw)
    sd = float(mean.std(ddof=1))
    gp = post.groupby("m")["y"]
    both = pd.DataFrame({"k_pre": n, "pre_mean": mean}).join(pd.DataFrame({"k_post": gp.count(),
                                                                          "post_mean": gp.mean()}), how="inner")
    k = both["k_pre"].astype(float)
    rk = k * icc1 / (1 + (k - 1) * icc1)
    se = sd * np.sqrt(np.clip(1 - rk, 0, None))
    sdiff = np.sqrt(2) * se
    ch = both["post_mean"] - both["pre_mean"]
    rcm = ch / np.sqrt(msw / k + msw / both["k_post"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rc = ch / sdiff
    tab = pd.DataFrame({"mentor": both.index, "k_pre": both["k_pre"].to_numpy(int),
                        "k_post": both["k_post"].to_numpy(int), "pre_mean": both["pre_mean"].to_numpy(),
                        "post_mean": both["post_mean"].to_numpy(), "change": ch.to_numpy(), "r_k": rk.to_numpy(),
                        "se": se.to_numpy(), "s_diff": sdiff.to_numpy(), "rc": rc.to_numpy(),
                        "reliable": (np.abs(rc) > z).to_numpy(), "rc_model": rcm.to_numpy(),
                        "reliable_model": (np.abs(rcm) > z).to_numpy()})
    return ReliableChange(table=tab, icc1=float(icc1), sd_pre_means=sd, ms_within=msw,
                          waves=(str(waves[0]), str(waves[1])), z=z, label=label)
