"""One bundle of psychometric evidence for one form and wave, for the psychometric report.

:func:`psychometric_summary` gathers what a reviewer expects (``docs/feedback-reports.md`` §6)
from the statistics modules (:mod:`~mentorassess.stats.reliability`, ``omega``, ``factors``,
``efa``, ``cfa``) plus rater agreement (ICC(1), ICC(2) as ``psych::statsBy`` for mentees nested
in mentors), and item flags stated as conventions. The result is frozen; ``to_dict()`` gives
plain JSON-ready data with a ``schema_version``, and the PDF renders that same dict, so the
two cannot disagree.

This bundle stands in until ``stats/report.py`` (``psychometrics() -> PsychometricReport``)
lands; it calls only the public functions of the statistics modules.

Examples
--------
>>> from mentorassess.sample import generate
>>> s = psychometric_summary(generate(seed=4, n_mentors=30).responses, "mca-26", form="mentee",
...                          wave="pre", pa_iterations=3)
>>> s.to_dict()["schema_version"]
'1.0'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import DataError
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.scoring import score

__all__ = ["PsychometricSummary", "psychometric_summary", "icc_nested", "SCHEMA_VERSION", "FLAG_RULES"]

SCHEMA_VERSION = "1.0"
# Conventions (stated in the report): item-rest r below .30, alpha rising when the item is
# dropped, ceiling (share at the scale maximum) above 50%, missing above 10%.
FLAG_RULES = {"r_drop_below": 0.30, "ceiling_above": 0.50, "missing_above": 0.10, "loading_blank_below": 0.30}


def icc_nested(values: pd.Series, groups: pd.Series) -> dict[str, float]:
    """ICC(1) and ICC(2) of values nested in groups (unbalanced), as ``psych::statsBy``.

    ``npr = (N - sum(n_j^2) / N) / (J - 1)``, ``ICC1 = (MSb - MSw) / (MSb + (npr - 1) MSw)``,
    ``ICC2 = (MSb - MSw) / MSb``.

    >>> r = icc_nested(pd.Series([1., 2, 3, 5, 6, 7]), pd.Series(list("aaabbb")))
    >>> round(r["icc1"], 4), round(r["icc2"], 4)
    (0.8846, 0.9583)
    """
    ok = values.notna() & groups.notna()
    v, g = values[ok].astype(float), groups[ok]
    n_total, sizes = len(v), v.groupby(g).size()
    j = len(sizes)
    out = {"n": float(n_total), "groups": float(j), "icc1": math.nan, "icc2": math.nan, "npr": math.nan}
    if j < 2 or n_total - j < 1:
        return out
    means = v.groupby(g).transform("mean")
    grand = v.mean()
    msb = float(((means - grand) ** 2).sum() / (j - 1))
    msw = float(((v - means) ** 2).sum() / (n_total - j))
    npr = (n_total - float((sizes ** 2).sum()) / n_total) / (j - 1)
    out["npr"] = npr
    if msb > 0:
        out["icc1"] = (msb - msw) / (msb + (npr - 1) * msw)
        out["icc2"] = (msb - msw) / msb
    return out


def _num(x: Any) -> Any:
    """JSON-safe scalar: numpy types to Python, NaN/inf to None."""
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): _num(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


@dataclass(frozen=True)
class PsychometricSummary:
    """Psychometric evidence for one form and wave (build with :func:`psychometric_summary`).

    Every part is a DataFrame or dict at full precision; :meth:`to_dict` is the JSON form.
    """

    instrument_id: str
    instrument_title: str
    form: str | None
    wave: str | None
    sample: dict[str, Any]
    reliability: pd.DataFrame = field(repr=False)
    items: pd.DataFrame = field(repr=False)
    omega: dict[str, Any] = field(default_factory=dict)
    kmo: dict[str, Any] = field(default_factory=dict)
    bartlett: dict[str, Any] = field(default_factory=dict)
    parallel: dict[str, Any] = field(default_factory=dict)
    efa: dict[str, Any] = field(default_factory=dict)
    cfa: dict[str, Any] = field(default_factory=dict)
    published: list[dict[str, Any]] = field(default_factory=list)
    icc: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    flag_rules: dict[str, float] = field(default_factory=lambda: dict(FLAG_RULES))
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain data (lists, dicts, numbers, None) with ``schema_version``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "instrument": {"id": self.instrument_id, "title": self.instrument_title},
            "form": self.form, "wave": self.wave,
            "sample": {k: _num(v) for k, v in self.sample.items()},
            "reliability": _records(self.reliability),
            "items": _records(self.items),
            "omega": {k: _num(v) for k, v in self.omega.items()},
            "kmo": {"msa": _num(self.kmo.get("msa")), "n_obs": _num(self.kmo.get("n_obs")),
                    "items": _records(self.kmo["items"]) if "items" in self.kmo else []},
            "bartlett": {k: _num(v) for k, v in self.bartlett.items()},
            "parallel_analysis": {**{k: _num(v) for k, v in self.parallel.items() if k != "eigenvalues"},
                                  "eigenvalues": _records(self.parallel["eigenvalues"])
                                  if "eigenvalues" in self.parallel else []},
            "efa": {**{k: _num(v) for k, v in self.efa.items() if k not in ("loadings", "phi", "variance")},
                    "loadings": _records(self.efa["loadings"]) if "loadings" in self.efa else [],
                    "factor_correlations": _records(self.efa["phi"]) if "phi" in self.efa else []},
            "cfa": {k: _num(v) if not isinstance(v, (list, tuple)) else list(v) for k, v in self.cfa.items()},
            "published_cfa": [{k: _num(v) for k, v in p.items()} for p in self.published],
            "agreement": _records(self.icc),
            "flag_rules": dict(self.flag_rules),
            "notes": list(self.notes),
        }


def psychometric_summary(responses: pd.DataFrame, instrument: Instrument | str, *, form: str | None = None,
                         wave: str | None = None, n_factors: int | None = None, rotation: str = "oblimin",
                         pa_iterations: int = 20, seed: int = 20131002) -> PsychometricSummary:
    """Reliability, item analysis, factorability, parallel analysis, EFA, CFA and ICCs.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses (item columns, ``rater_role``, ``wave``, ``mentor_id``).
    form : str, optional
        Form id (rater role) to analyse; default the mentee form if present.
    wave : str, optional
        Wave to analyse; default all waves pooled (stated in the notes).
    n_factors : int, optional
        EFA factors; default the number of competencies.
    pa_iterations : int
        Simulated data sets in the parallel analysis (seeded, simulation only).

    Raises
    ------
    DataError
        No responses for the form and wave.
    """
    from mentorassess.stats.cfa import fit_cfa, published_fit
    from mentorassess.stats.efa import fit_efa
    from mentorassess.stats.factors import bartlett_sphericity, estimate_kmo, parallel_analysis
    from mentorassess.stats.omega import estimate_omega
    from mentorassess.stats.reliability import estimate_reliability

    ins = load_instrument(instrument)
    roles = {f.id: f.rater_role for f in ins.forms.values()}
    if form is None:
        form = "mentee" if "mentee" in roles else next(iter(roles), None)
    role = roles.get(form, form)
    d = responses
    if role is not None and "rater_role" in d.columns:
        d = d[d["rater_role"] == role]
    if wave is not None and "wave" in d.columns:
        d = d[d["wave"].astype(str) == str(wave)]
    item_ids = [i for i in ins.total_item_ids if i in d.columns
                and (role is None or i in {x.id for x in ins.items_for_form(form)})]
    if len(d) < 10 or not item_ids:
        raise DataError(f"too few responses for a psychometric report (form {form!r}, wave {wave!r}): {len(d)}")
    items = d[item_ids].apply(pd.to_numeric, errors="coerce")
    notes: list[str] = []
    if wave is None and "wave" in d.columns and d["wave"].nunique() > 1:
        notes.append("Waves pooled: the same raters may appear more than once.")

    # Sample
    per_mentor = d.groupby("mentor_id").size() if "mentor_id" in d.columns else pd.Series(dtype=int)
    sample = {"responses": len(d), "mentors": int(per_mentor.size), "items": len(item_ids),
              "complete_rows": int(items.notna().all(axis=1).sum()),
              "raters_per_mentor_mean": float(per_mentor.mean()) if len(per_mentor) else None,
              "raters_per_mentor_min": int(per_mentor.min()) if len(per_mentor) else None,
              "raters_per_mentor_max": int(per_mentor.max()) if len(per_mentor) else None,
              "missing_share": float(items.isna().to_numpy().mean())}

    # Reliability and item analysis
    rel = estimate_reliability(d, ins)
    rel_rows, item_rows = [], []
    scale_of = {c.id: c for c in ins.competencies}
    for name, a in rel.scales.items():
        s = a.summary()
        title = scale_of[name].title if name in scale_of else "All items"
        rel_rows.append({"scale": name, "title": title, "n_items": s["n_items"], "n_obs": s["n_obs"],
                         "alpha": s["raw_alpha"], "alpha_low": s["feldt_lower"], "alpha_high": s["feldt_upper"],
                         "std_alpha": s["std_alpha"], "average_r": s["average_r"], "g6": s["g6"]})
        if name == "overall" and len(rel.scales) > 1:
            continue
        st, drop = a.item_stats, a.alpha_drop
        hi = ins.scale.max
        for it in a.items:
            col = items[it] if it in items.columns else pd.Series(dtype=float)
            n_ans = int(col.notna().sum())
            row = {"item": it, "label": ins.item(it).label, "scale": name, "n": n_ans,
                   "mean": float(st.loc[it, "mean"]), "sd": float(st.loc[it, "sd"]),
                   "missing": float(col.isna().mean()) if len(col) else math.nan,
                   "floor": float((col == ins.scale.min).sum() / n_ans) if n_ans else math.nan,
                   "ceiling": float((col == hi).sum() / n_ans) if n_ans else math.nan,
                   "r_drop": float(st.loc[it, "r_drop"]), "alpha_if_dropped": float(drop.loc[it, "raw_alpha"]),
                   "scale_alpha": float(a.raw_alpha)}
            flags = []
            if row["r_drop"] < FLAG_RULES["r_drop_below"]:
                flags.append("low item-rest r")
            if row["alpha_if_dropped"] > row["scale_alpha"]:
                flags.append("alpha rises if dropped")
            if row["ceiling"] > FLAG_RULES["ceiling_above"]:
                flags.append("ceiling")
            if row["missing"] > FLAG_RULES["missing_above"]:
                flags.append("missing")
            row["flags"] = "; ".join(flags)
            item_rows.append(row)

    # Omega, factorability, dimensionality
    om = estimate_omega(items, ins)
    omega = {"omega_total": om.omega_total, "omega_h": om.omega_h, "n_factors": om.n_factors, "n_obs": om.n_obs}
    km = estimate_kmo(items)
    kmo = {"msa": km.msa, "n_obs": km.n_obs, "items": km.to_frame()}
    b = bartlett_sphericity(items)
    bart = {"chisq": b.chisq, "df": b.df, "p_value": b.p_value, "n_obs": b.n_obs}
    pa = parallel_analysis(items, n_iter=pa_iterations, resample=False, rng=seed)
    par = {"n_factors": pa.n_factors, "n_components": pa.n_components, "n_iter": pa.n_iter, "quant": pa.quant,
           "seed": seed, "n_obs": pa.n_obs, "eigenvalues": pa.to_frame()}

    # EFA
    nf = n_factors or len(ins.competencies)
    efa_res = fit_efa(items, nf, method="minres", rotation=rotation)
    load = efa_res.to_frame()
    efa = {"method": efa_res.method, "rotation": efa_res.rotation, "n_factors": nf, "n_obs": efa_res.n_obs,
           "converged": efa_res.converged, "heywood_items": list(efa_res.heywood_items),
           "loadings": load, "phi": efa_res.phi_frame().reset_index(names="factor")}
    notes += [f"EFA: {n}" for n in efa_res.notes]

    # CFA
    cfa_res = fit_cfa(items, ins)
    fm = cfa_res.fit_measures()
    cfa = {"n_obs": cfa_res.n_obs, "chisq": fm["chisq"], "df": fm["df"], "pvalue": fm["pvalue"], "cfi": fm["cfi"],
           "tli": fm["tli"], "rmsea": fm["rmsea"], "rmsea_ci_low": fm["rmsea.ci.lower"],
           "rmsea_ci_high": fm["rmsea.ci.upper"], "srmr": fm["srmr"], "converged": cfa_res.converged,
           "notes": list(cfa_res.notes)}
    published = published_fit(ins, form)

    # Agreement (mentees nested in mentors), per wave
    icc_rows = []
    if role == "mentee" and "mentor_id" in d.columns:
        sc = score(d, ins).scores
        for w in ([wave] if wave is not None else list(dict.fromkeys(sc["wave"]))):
            sw = sc[sc["wave"] == str(w)]
            for cid in [c.id for c in ins.competencies] + (["overall"] if "overall" in sc.columns else []):
                r = icc_nested(sw[cid], sw["mentor_id"])
                icc_rows.append({"wave": str(w), "scale": cid, "n": int(r["n"]), "mentors": int(r["groups"]),
                                 "icc1": r["icc1"], "icc2": r["icc2"], "npr": r["npr"]})
    icc = pd.DataFrame(icc_rows, columns=["wave", "scale", "n", "mentors", "icc1", "icc2", "npr"])

    return PsychometricSummary(
        instrument_id=ins.id, instrument_title=ins.title, form=form, wave=wave, sample=sample,
        reliability=pd.DataFrame(rel_rows), items=pd.DataFrame(item_rows), omega=omega, kmo=kmo, bartlett=bart,
        parallel=par, efa=efa, cfa=cfa, published=published, icc=icc, notes=tuple(notes))
