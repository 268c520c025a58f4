"""The psychometric report's content for one form and wave: the API's report plus what it lacks.

:func:`psychometric_summary` runs :func:`mentorassess.stats.report.psychometrics` (reliability,
omega, KMO, Bartlett, parallel analysis, EFA, CFA with the published fit) for one form and wave
and adds what a reviewer also expects (``docs/feedback-reports.md`` §6) and the report object
does not carry: per-item missing, floor and ceiling shares with flags stated as conventions, the
EFA's variance explained, the one-factor / correlated / second-order CFA comparison with
standardised loadings (:mod:`mentorassess.stats.sem.compare`), and item-level rater agreement
(ICC(1), ICC(2), rwg, rwg(j) from :mod:`mentorassess.stats.item_agreement`).
``to_dict()`` is the JSON document (:mod:`mentorassess.stats.psych_document`, schema
``mentorassess/schemas/psychometrics-v2.json``); the PDF is rendered from it, so they cannot disagree.

Examples
--------
>>> from mentorassess.sample import generate
>>> s = psychometric_summary(generate(seed=4, n_mentors=30).responses, "mca-26", form="mentee",
...                          wave="pre", n_iter=3)
>>> d = s.to_dict()
>>> d["schema_version"], [(x["form"], x["wave"]) for x in d["sections"]]
('2.0', [('mentee', 'pre')])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mentorassess.errors import DataError
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.scoring import score

__all__ = ["PsychometricSummary", "psychometric_summary", "SCHEMA_VERSION", "FLAG_RULES"]

SCHEMA_VERSION = "2.0"
# Conventions (stated in the report): item-rest r below .30, alpha rising when the item is
# dropped, ceiling (share at the scale maximum) above 50%, missing above 10%.
FLAG_RULES = {"r_drop_below": 0.30, "ceiling_above": 0.50, "missing_above": 0.10, "loading_blank_below": 0.30}


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
    agreement: tuple[Any, ...] = ()  # ItemAgreement per wave (stats.item_agreement)
    models: Any = None  # ModelComparison (stats.sem.compare): 1-factor, correlated, second-order
    item_labels: dict[str, str] = field(default_factory=dict)
    item_scales: dict[str, str] = field(default_factory=dict)
    scale_titles: dict[str, str] = field(default_factory=dict)
    call: dict[str, Any] = field(default_factory=dict)
    flag_rules: dict[str, float] = field(default_factory=lambda: dict(FLAG_RULES))
    notes: tuple[str, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)
    report: Any = field(default=None, repr=False)

    def section_dict(self) -> dict[str, Any]:
        """This form and wave as one entry of the document's ``sections`` (readings included)."""
        from mentorassess.stats.psych_document import section_dict

        return section_dict(self)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document (schema ``mentorassess/schemas/psychometrics-v2.json``) with this one section."""
        from mentorassess.stats.psych_document import psychometric_document

        return psychometric_document([self])


def psychometric_summary(responses: pd.DataFrame, instrument: Instrument | str, *, form: str | None = None,
                         wave: str | None = None, n_iter: int = 20, seed: int = 20131002,
                         report: Any = None) -> PsychometricSummary:
    """The psychometric report's content for one form and wave.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses (item columns, ``rater_role``, ``wave``, ``mentor_id``).
    form : str, optional
        Form id; default the mentee form if the instrument has one.
    wave : str, optional
        Wave; default all waves pooled (stated in the notes).
    n_iter : int
        Parallel-analysis iterations (seeded with ``seed``).
    report : PsychometricReport, optional
        An already computed report (its section for ``form``/``wave`` is used).

    Raises
    ------
    DataError
        No responses for the form and wave.
    """
    from mentorassess.stats.report import psychometrics

    ins = load_instrument(instrument)
    roles = {f.id: f.rater_role for f in ins.forms.values()}
    if form is None:
        form = "mentee" if "mentee" in roles else next(iter(roles), None)
    role = roles.get(form, form)
    rep = report if report is not None else psychometrics(responses, ins, form=form, wave=wave, n_iter=n_iter,
                                                          rng=seed)
    sec = rep.section(form, wave)
    d = responses
    if role is not None and "rater_role" in d.columns:
        d = d[d["rater_role"] == role]
    if wave is not None and "wave" in d.columns:
        d = d[d["wave"].astype(str) == str(wave)]
    form_items = {x.id for x in ins.items_for_form(form)} if form in ins.forms else set(ins.total_item_ids)
    item_ids = [i for i in ins.total_item_ids if i in d.columns and i in form_items]
    if d.empty or not item_ids:
        raise DataError(f"no responses for a psychometric report (form {form!r}, wave {wave!r})")
    items = d[item_ids].apply(pd.to_numeric, errors="coerce")
    notes: list[str] = list(sec.notes)
    if wave is None and "wave" in d.columns and d["wave"].nunique() > 1:
        notes.append("Waves pooled: the same raters may appear more than once.")

    per_mentor = d.groupby("mentor_id").size() if "mentor_id" in d.columns else pd.Series(dtype=int)
    sample = {"responses": sec.n_responses, "mentors": int(per_mentor.size), "items": len(item_ids),
              "complete_rows": int(items.notna().all(axis=1).sum()),
              "raters_per_mentor_mean": float(per_mentor.mean()) if len(per_mentor) else None,
              "raters_per_mentor_min": int(per_mentor.min()) if len(per_mentor) else None,
              "raters_per_mentor_max": int(per_mentor.max()) if len(per_mentor) else None,
              "missing_share": float(items.isna().to_numpy().mean())}

    rel_rows, item_rows = [], []
    scale_of = {c.id: c for c in ins.competencies}
    scales = sec.reliability.scales if sec.reliability is not None else {}
    for name, a in scales.items():
        s = a.summary()
        rel_rows.append({"scale": name, "title": scale_of[name].title if name in scale_of else "All items",
                         "n_items": s["n_items"], "n_obs": s["n_obs"], "alpha": s["raw_alpha"],
                         "alpha_low": s["feldt_lower"], "alpha_high": s["feldt_upper"], "std_alpha": s["std_alpha"],
                         "average_r": s["average_r"], "g6": s["g6"]})
        if name == "overall" and len(scales) > 1:
            continue
        st, drop = a.item_stats, a.alpha_drop
        for it in a.items:
            col = items[it] if it in items.columns else pd.Series(dtype=float)
            n_ans = int(col.notna().sum())
            row = {"item": it, "label": ins.item(it).label, "scale": name, "n": n_ans,
                   "mean": float(st.loc[it, "mean"]), "sd": float(st.loc[it, "sd"]),
                   "missing": float(col.isna().mean()) if len(col) else math.nan,
                   "floor": float((col == ins.scale.min).sum() / n_ans) if n_ans else math.nan,
                   "ceiling": float((col == ins.scale.max).sum() / n_ans) if n_ans else math.nan,
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

    om = sec.omega
    omega = {} if om is None else {"omega_total": om.omega_total, "omega_h": om.omega_h, "n_factors": om.n_factors,
                                   "n_obs": om.n_obs}
    kmo = {} if sec.kmo is None else {"msa": sec.kmo.msa, "n_obs": sec.kmo.n_obs, "items": sec.kmo.to_frame()}
    b = sec.bartlett
    bart = {} if b is None else {"chisq": b.chisq, "df": b.df, "p_value": b.p_value, "n_obs": b.n_obs}
    pa = sec.parallel
    par = {} if pa is None else {"n_factors": pa.n_factors, "n_components": pa.n_components, "n_iter": pa.n_iter,
                                 "quant": pa.quant, "n_obs": pa.n_obs, "eigenvalues": pa.to_frame()}
    e = sec.efa
    efa = {} if e is None else {"method": e.method, "rotation": e.rotation, "n_factors": len(e.factors),
                                "n_obs": e.n_obs, "converged": e.converged, "heywood_items": list(e.heywood_items),
                                "loadings": e.to_frame(), "phi": e.phi_frame().reset_index(names="factor"),
                                "variance": e.variance_accounted().reset_index(names="factor")}
    models = None
    if sec.cfa is not None or "cfa" in sec.skipped:  # the CFA was asked for: compare the three models
        models = _compare(d, ins, form_items, notes)
    cfa = {}
    if models is not None and models.model("correlated").fit is not None:
        row = models.to_frame().set_index("model").loc["correlated"]
        cfa = {"n_obs": int(row["n_obs"]), "chisq": row["chisq"], "df": row["df"], "pvalue": row["pvalue"],
               "cfi": row["cfi"], "tli": row["tli"], "rmsea": row["rmsea"], "rmsea_ci_low": row["rmsea_ci_low"],
               "rmsea_ci_high": row["rmsea_ci_high"], "srmr": row["srmr"], "converged": bool(row["converged"])}

    icc_rows, agreement = [], []
    if "mentor_id" in d.columns and len(per_mentor) and per_mentor.max() >= 2:
        from mentorassess.stats.item_agreement import item_agreement

        sc = score(d, ins)
        for w in sc.waves:
            try:
                ag = item_agreement(sc, wave=w, role=role)
            except DataError as exc:
                notes.append(f"agreement for wave {w} not computed: {str(exc).splitlines()[0]}")
                continue
            agreement.append(ag)
            for r in ag.scales.itertuples(index=False):
                icc_rows.append({"wave": w, "scale": r.scale, "n": int(r.n_ratings), "mentors": int(r.mentors),
                                 "icc1": float(r.icc1), "icc2": float(r.icc2)})
    icc = pd.DataFrame(icc_rows, columns=["wave", "scale", "n", "mentors", "icc1", "icc2"])
    call = dict(rep.call)
    call["seed"] = seed if report is None else call.get("seed")

    return PsychometricSummary(
        instrument_id=ins.id, instrument_title=ins.title, form=form, wave=wave, sample=sample,
        reliability=pd.DataFrame(rel_rows), items=pd.DataFrame(item_rows), omega=omega, kmo=kmo, bartlett=bart,
        parallel=par, efa=efa, cfa=cfa, published=[dict(p) for p in sec.published], icc=icc, notes=tuple(notes),
        skipped=dict(sec.skipped), report=rep, agreement=tuple(agreement), models=models,
        item_labels={i: ins.item(i).label for i in item_ids},
        item_scales={i: ins.competency_of(i).id for i in item_ids},
        scale_titles={c.id: c.title for c in ins.competencies}, call=call)


def _compare(d: pd.DataFrame, ins: Instrument, form_items: set[str], notes: list[str]) -> Any:
    """The three CFA models on this form's items (warnings kept as notes, as the report's other parts)."""
    import warnings

    from mentorassess.errors import MentorAssessWarning
    from mentorassess.stats.sem.compare import compare_models

    struct = {c.id: [i for i in c.items if i in form_items and i in d.columns] for c in ins.competencies}
    struct = {c: its for c, its in struct.items() if its}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MentorAssessWarning)
        out = compare_models(d, struct)
    for w in caught:
        msg = f"cfa models: {w.message}"
        if msg not in notes:
            notes.append(msg)
    return out
