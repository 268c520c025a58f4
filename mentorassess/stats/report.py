"""The psychometric report: every check of issue 6 per form and wave, in one object.

Examples
--------
>>> from mentorassess import sample
>>> from mentorassess.stats.report import psychometrics
>>> prog = sample.generate()
>>> rep = psychometrics(prog.responses, prog.instrument, form="mentee", wave="pre", n_iter=5)
>>> [(s.form, s.wave) for s in rep.sections]
[('mentee', 'pre')]
"""

from __future__ import annotations

import contextlib
import importlib

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mentorassess.errors import ConfigError, DataError, InsufficientDataError, MentorAssessWarning
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.scoring import order_waves
from mentorassess.stats._common import check_rng, instrument_id_of, jsonable, single_threaded_blas, structure_of
from mentorassess.stats.cfa import CfaFit, fit_cfa, published_fit
from mentorassess.stats.efa import EfaResult, fit_efa
from mentorassess.stats.factors import (
    BartlettResult,
    KmoResult,
    ParallelAnalysisResult,
    bartlett_sphericity,
    estimate_kmo,
    parallel_analysis,
)
from mentorassess.stats.omega import OmegaResult, estimate_omega
from mentorassess.stats.reliability import ReliabilityResult, estimate_reliability

__all__ = ["PsychometricSection", "PsychometricReport", "psychometrics"]



@dataclass(frozen=True, eq=False)
class PsychometricSection:
    """All checks for one form (rater role) and wave."""

    form: str | None
    rater_role: str | None
    wave: str | None
    n_responses: int
    reliability: ReliabilityResult | None = None
    omega: OmegaResult | None = None
    kmo: KmoResult | None = None
    bartlett: BartlettResult | None = None
    parallel: ParallelAnalysisResult | None = None
    efa: EfaResult | None = None
    cfa: CfaFit | None = None
    sem: Any = None
    ordinal: Any = None
    published: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    skipped: Mapping[str, str] = field(default_factory=dict)
    precision: Any = None  # PrecisionReport (G- and D-study) for forms with several raters per mentor

    def cfa_comparison(self) -> pd.DataFrame:
        """This sample's CFA fit next to the instrument's published fit for this form."""
        keys = ["n", "chisq", "df", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high", "srmr"]
        rows = []
        if self.cfa is not None:
            fm = self.cfa.fit_measures()
            rows.append({"source": "this sample", "n": self.cfa.n_obs, "chisq": fm["chisq"], "df": fm["df"],
                         "cfi": fm["cfi"], "tli": fm["tli"], "rmsea": fm["rmsea"],
                         "rmsea_ci_low": fm["rmsea.ci.lower"], "rmsea_ci_high": fm["rmsea.ci.upper"],
                         "srmr": fm["srmr"]})
        for pub in self.published:
            rows.append({"source": str(pub.get("source") or "published"), **{k: pub.get(k) for k in keys}})
        return pd.DataFrame(rows, columns=["source", *keys])

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (statistic, scale) with its value."""
        rows: list[dict[str, Any]] = []

        def add(stat: str, value: Any, scale: str | None = None) -> None:
            rows.append({"form": self.form, "wave": self.wave, "statistic": stat, "scale": scale,
                         "value": np.nan if value is None else float(value)})

        add("n_responses", self.n_responses)
        if self.reliability is not None:
            for name, a in self.reliability.scales.items():
                for stat in ("raw_alpha", "std_alpha", "g6", "average_r"):
                    add(stat, getattr(a, stat), name)
                lo, hi = a.confidence_interval()
                add("alpha_feldt_lower", lo, name)
                add("alpha_feldt_upper", hi, name)
                add("n_obs", a.n_obs, name)
        if self.omega is not None:
            add("omega_h", self.omega.omega_h)
            add("omega_total", self.omega.omega_total)
        if self.cfa is not None:
            for f, v in self.cfa.composite_reliability().items():
                add("omega_cfa", v, f)
        if self.kmo is not None:
            add("kmo", self.kmo.msa)
        if self.bartlett is not None:
            add("bartlett_chisq", self.bartlett.chisq)
            add("bartlett_df", self.bartlett.df)
            add("bartlett_p", self.bartlett.p_value)
        if self.parallel is not None:
            add("parallel_n_factors", self.parallel.n_factors)
            add("parallel_n_components", self.parallel.n_components)
        if self.cfa is not None:
            for k, v in self.cfa.fit_measures().items():
                add(f"cfa_{k}", v)
        if self.sem is not None:
            for k, v in self.sem.fit_measures().items():
                add(f"cfa_model_{k}", v)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        def d(x: Any) -> Any:
            return None if x is None else x.to_dict()

        return jsonable({
            "form": self.form, "rater_role": self.rater_role, "wave": self.wave, "n_responses": self.n_responses,
            "reliability": d(self.reliability), "omega": d(self.omega), "kmo": d(self.kmo),
            "bartlett": d(self.bartlett), "parallel_analysis": d(self.parallel), "efa": d(self.efa),
            "cfa": d(self.cfa), "cfa_published": [dict(p) for p in self.published],
            "cfa_model": d(self.sem), "ordinal": d(self.ordinal),
            "notes": list(self.notes), "skipped": dict(self.skipped), "precision": d(self.precision),
        })


@dataclass(frozen=True, eq=False)
class PsychometricReport:
    """Psychometric checks of an instrument in a program's responses, per form and wave."""

    instrument: str | None
    sections: tuple[PsychometricSection, ...]
    call: Mapping[str, Any] = field(default_factory=dict)
    invariance: tuple[Any, ...] = ()

    def section(self, form: str | None = None, wave: str | None = None) -> PsychometricSection:
        for s in self.sections:
            if (form is None or s.form == form) and (wave is None or s.wave == wave):
                return s
        raise KeyError((form, wave))

    def to_frame(self) -> pd.DataFrame:
        frames = [s.to_frame() for s in self.sections]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def to_dict(self) -> dict[str, Any]:
        from mentorassess import __version__

        return jsonable({"instrument": self.instrument, "package_version": __version__, "call": dict(self.call),
                         "sections": [s.to_dict() for s in self.sections],
                         "invariance": [{"label": lab, **inv.to_dict()} for lab, inv in self.invariance]})


def _forms(instrument: Any) -> dict[str, str]:
    """form id -> rater role (identity mapping for a plain structure)."""
    forms = getattr(instrument, "forms", None)
    if not forms or isinstance(instrument, Mapping):
        return {}
    return {str(k): str(getattr(v, "rater_role", k)) for k, v in dict(forms).items()}


def _run(name: str, fn: Any, skipped: dict[str, str], notes: list[str]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MentorAssessWarning)
        try:
            out = fn()
        except InsufficientDataError as exc:
            skipped[name] = str(exc)
            out = None
    for w in caught:
        msg = f"{name}: {w.message}"
        if msg not in notes:
            notes.append(msg)
        warnings.warn(msg, w.category, stacklevel=4)
    return out


def _precision(sel: pd.DataFrame, instrument: Any, form: str | None, wave: str | None, skipped, notes) -> Any:
    """G- and D-study of a form whose mentors have several raters (stats.precision); else None."""
    if (form is None or wave is None or not isinstance(instrument, Instrument) or "mentor_id" not in sel.columns
            or sel.groupby("mentor_id").size().max() < 2):
        return None
    from mentorassess.stats.precision.summary import precision_report

    return _run("precision", lambda: precision_report(sel, instrument, form=form, wave=wave, include=()),
                skipped, notes)


@single_threaded_blas
def psychometrics(
    responses: pd.DataFrame,
    instrument: Any,
    *,
    form: str | None = None,
    wave: str | None = None,
    n_iter: int = 20,
    rng: np.random.Generator | int | None = None,
    n_boot: int = 0,
    reverse: bool = True,
    efa: bool = True,
    cfa: bool = True,
    estimator: str = "ml",
    model: str | None = None,
    ordinal: bool = False,
    invariance: str | None = None,
) -> PsychometricReport:
    """Reliability, omega, KMO, Bartlett, parallel analysis, EFA and CFA per form and wave.

    Parameters
    ----------
    responses : DataFrame
        Canonical responses (``rater_role``, ``wave``, item columns named by item id).
    instrument : Instrument, str or mapping
        A built-in id (``"mca-26"``) or YAML path is loaded first.
        The instrument (its competencies give the scales and the CFA model; its published
        CFA figures are shown next to ours) or ``{competency: [item ids]}``.
    form : str, optional
        A form id of the instrument (``self``, ``mentee``); for a plain mapping, a
        ``rater_role`` value. Default: every role present.
    wave : str, optional
        A wave; default every wave present (pre < post < follow_up, then first appearance).
    n_iter : int
        Parallel-analysis iterations (psych's default 20).
    rng : Generator or int, optional
        Seed for parallel analysis and bootstraps (default 20131002).
    n_boot : int
        Bootstrap resamples for alpha's percentile interval (0 = none).
    reverse : bool
        Reverse the instrument's reverse-keyed items (scale min + max - x).
    efa, cfa : bool
        Include the EFA (nfactors = number of competencies, minres, oblimin) and the CFA.
    estimator : {"ml", "mlr", "fiml", "wlsmv"}
        Estimator of the model CFA (``section.sem``): ml (listwise), mlr (robust, listwise),
        fiml (ML with missing = "ml"), wlsmv (ordinal; needs ``mentorassess.stats.ordinal``).
        With "ml" and no ``model`` only the instrument CFA (``section.cfa``) is fitted.
    model : str, optional
        lavaan-like model syntax (default: the instrument's simple structure).
    ordinal : bool
        Add ordinal (polychoric) reliability (needs ``mentorassess.stats.ordinal``).
    invariance : {"form", "wave"}, optional
        Measurement invariance across forms (multi-group, per wave) or across waves (the same
        raters matched by ``mentor_id`` and ``rater_id``, per form), with ``estimator`` ml/mlr/fiml.

    Returns
    -------
    PsychometricReport

    Raises
    ------
    DataError
        Unknown form or no ``rater_role``/``wave`` column when a selection is requested.
    InsufficientDataError
        No responses in the selection. A statistic that cannot be computed for one section
        (e.g. too few complete rows for the CFA) is listed in ``section.skipped`` instead.

    Notes
    -----
    Each statistic equals its R counterpart (``psych::alpha``, ``omega``, ``KMO``,
    ``cortest.bartlett``, ``fa.parallel``, ``fa``; ``lavaan::cfa``; ``semTools::compRelSEM``);
    see the function of each statistic. Warnings (Heywood, data quality) are repeated in
    ``section.notes``.
    """
    if not isinstance(responses, pd.DataFrame):
        raise DataError("responses must be a pandas DataFrame")
    if isinstance(instrument, str):  # a built-in id or a YAML path
        instrument = load_instrument(instrument)
    struct = structure_of(instrument)
    forms = _forms(instrument)
    df = responses
    if form is not None:
        if forms:
            if form not in forms:
                raise DataError(f"unknown form {form!r}; the instrument has {', '.join(sorted(forms))}")
            roles = [(form, forms[form])]
        else:
            roles = [(form, form)]
    elif "rater_role" in df.columns:
        present = [r for r in pd.unique(df["rater_role"].dropna())]
        by_role = {v: k for k, v in forms.items()}
        roles = [(by_role.get(str(r), str(r)), str(r)) for r in present]
        if forms:
            order = list(forms)
            roles.sort(key=lambda fr: order.index(fr[0]) if fr[0] in order else len(order))
    else:
        roles = [(None, None)]
    if (form is not None) and "rater_role" not in df.columns:
        raise DataError("responses have no 'rater_role' column; cannot select a form")
    if wave is not None:
        if "wave" not in df.columns:
            raise DataError("responses have no 'wave' column; cannot select a wave")
        if not (df["wave"] == wave).any():
            present = ", ".join(order_waves(df["wave"].dropna())) or "none"
            raise InsufficientDataError(f"no responses for wave {wave!r} (waves present: {present})")
        waves: list[str | None] = [wave]
    elif "wave" in df.columns:
        waves = list(order_waves(df["wave"].dropna()))
    else:
        waves = [None]
    gen = check_rng(rng)
    n_factors = len(struct)
    estimator = str(estimator).lower()
    if estimator not in ("ml", "mlr", "fiml", "wlsmv"):
        raise ConfigError(f"estimator must be ml, mlr, fiml or wlsmv; got {estimator!r}")
    if invariance not in (None, "form", "wave"):
        raise ConfigError(f"invariance must be 'form' or 'wave'; got {invariance!r}")
    from mentorassess.stats.sem.syntax import parse_model, structure_syntax

    syntax = model if model is not None else structure_syntax(struct)
    parse_model(syntax)  # a syntax error stops before any work
    sections = []
    for form_id, role in roles:
        for w in waves:
            sel = df
            if role is not None:
                sel = sel[sel["rater_role"] == role]
            if w is not None:
                sel = sel[sel["wave"] == w]
            if sel.empty:
                if form is not None or wave is not None:
                    raise InsufficientDataError(f"no responses for form {form_id!r}, wave {w!r}")
                continue
            notes: list[str] = []
            skipped: dict[str, str] = {}
            items = [i for its in struct.values() for i in its]
            rel = _run("reliability", lambda: estimate_reliability(sel, instrument, reverse=reverse, n_boot=n_boot,
                                                                   rng=gen), skipped, notes)
            x = sel[items]
            om = _run("omega", lambda: estimate_omega(x, n_factors=n_factors if n_factors > 1 else 3),
                      skipped, notes)
            kmo = _run("kmo", lambda: estimate_kmo(x), skipped, notes)
            bart = _run("bartlett", lambda: bartlett_sphericity(x), skipped, notes)
            pa = _run("parallel_analysis", lambda: parallel_analysis(x, n_iter=n_iter, rng=gen), skipped, notes)
            ef = _run("efa", lambda: fit_efa(x, n_factors), skipped, notes) if efa and n_factors > 0 else None
            cf = None
            if cfa and all(len(v) >= 2 for v in struct.values()):
                cf = _run("cfa", lambda: fit_cfa(sel, instrument), skipped, notes)
            elif cfa:
                skipped["cfa"] = "a competency has fewer than 2 items"
            sem = None
            if cfa and (estimator != "ml" or model is not None):
                sem = _run("cfa_model", lambda: _model_cfa(sel, syntax, estimator), skipped, notes)
            ordi = _run("ordinal", lambda: _ordinal(sel[items], instrument), skipped, notes) if ordinal else None
            pub = tuple(published_fit(instrument, form=form_id)) if form_id is not None else ()
            prec = _precision(sel, instrument, form_id, w, skipped, notes)
            sections.append(PsychometricSection(
                form=form_id, rater_role=role, wave=w, n_responses=int(len(sel)), reliability=rel, omega=om,
                kmo=kmo, bartlett=bart, parallel=pa, efa=ef, cfa=cf, sem=sem, ordinal=ordi, published=pub,
                notes=tuple(notes), skipped=dict(skipped), precision=prec))
    if not sections:
        raise InsufficientDataError("no responses to analyse")
    inv: list[tuple[str, Any]] = []
    if invariance is not None:
        inv = _invariance(df, syntax, struct, invariance, roles, waves, estimator)
    call = {"form": form, "wave": wave, "n_iter": n_iter, "n_boot": n_boot, "reverse": reverse,
            "seed": rng if isinstance(rng, int) else None, "estimator": estimator, "model": model,
            "ordinal": ordinal, "invariance": invariance}
    return PsychometricReport(instrument=instrument_id_of(instrument), sections=tuple(sections), call=call,
                              invariance=tuple(inv))


def _model_cfa(sel: pd.DataFrame, syntax: str, estimator: str) -> Any:
    if estimator == "wlsmv":
        try:  # through sys.modules, so an installation without it (or a test) gets the clear error below
            _ord = importlib.import_module("mentorassess.stats.ordinal")
        except ImportError:
            _ord = None
        fn = getattr(_ord, "cfa_wlsmv", None)
        if fn is None:
            raise ConfigError("estimator 'wlsmv' is not available in this installation "
                              "(mentorassess.stats.ordinal.cfa_wlsmv is missing); use ml, mlr or fiml")
        return fn(sel, _simple_structure(syntax))
    from mentorassess.stats.sem import fit_sem

    return fit_sem(sel, syntax, estimator="MLR" if estimator == "mlr" else "ML",
                   missing="fiml" if estimator == "fiml" else "listwise")


def _ordinal(x: pd.DataFrame, instrument: Any) -> Any:
    try:
        _ord = importlib.import_module("mentorassess.stats.ordinal")
    except ImportError:
        _ord = None
    fn = getattr(_ord, "ordinal_reliability", None)
    if fn is None:
        raise ConfigError("ordinal reliability is not available in this installation "
                          "(mentorassess.stats.ordinal.ordinal_reliability is missing)")
    ins = load_instrument(instrument) if isinstance(instrument, str) else instrument
    scales = {c.id: [i for i in c.items if i in x.columns] for c in ins.competencies}
    scales = {c: its for c, its in scales.items() if len(its) >= 2}
    try:
        return fn(x[[i for its in scales.values() for i in its]], scales if len(scales) > 1 else None)
    except InsufficientDataError:
        raise
    except DataError as exc:  # e.g. categories emptied by listwise deletion: skipped, with lavaan's reason
        raise InsufficientDataError(f"ordinal reliability not computed: {exc.summary or exc}",
                                    problems=exc.problems) from exc


def _simple_structure(syntax: str) -> dict[str, list[str]]:
    """``f =~ a + b`` lines as a mapping (WLSMV fits simple structure only)."""
    out: dict[str, list[str]] = {}
    for line in syntax.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        if "=~" not in line or "*" in line:
            raise ConfigError("--estimator wlsmv fits simple-structure models only (lines 'factor =~ item + item'); "
                              f"cannot use {line!r}")
        f, rhs = line.split("=~", 1)
        items = [t.strip() for t in rhs.split("+") if t.strip()]
        if any(i in out.get(k, []) for k in out for i in items):
            raise ConfigError("--estimator wlsmv: an item loads on two factors (cross-loadings need ml, mlr or fiml)")
        out.setdefault(f.strip(), []).extend(items)
    return out


def _invariance(df: pd.DataFrame, syntax: str, struct: Any, kind: str, roles: list, waves: list,
                estimator: str) -> list[tuple[str, Any]]:
    """Invariance across forms (per wave) or across two waves (per form): ML/MLR/FIML, or ordinal for WLSMV."""
    if estimator == "wlsmv":
        from mentorassess.stats.invariance_ordinal import across_forms, across_waves

        def by_form(sel):
            return across_forms(sel, struct)

        def by_wave(sel, pair):
            return across_waves(sel, struct, pair)
        quiet = contextlib.nullcontext()  # the ordinal results carry their notes
    else:
        from mentorassess.stats.sem.invariance import longitudinal_invariance, measurement_invariance, wide_by_wave

        est = "MLR" if estimator == "mlr" else "ML"
        miss = "fiml" if estimator == "fiml" else "listwise"
        items = [i for its in struct.values() for i in its]

        def by_form(sel):
            return measurement_invariance(sel, syntax, group="rater_role", estimator=est, missing=miss)

        def by_wave(sel, pair):
            return longitudinal_invariance(wide_by_wave(sel, items, waves=pair), syntax, waves=pair, estimator=est,
                                           missing=miss)
        quiet = warnings.catch_warnings()
    out: list[tuple[str, Any]] = []
    with quiet:
        if estimator != "wlsmv":
            warnings.simplefilter("ignore", MentorAssessWarning)
        if kind == "form":
            if "rater_role" not in df.columns or df["rater_role"].nunique() < 2:
                raise DataError("invariance across forms needs responses of at least two forms (rater_role)")
            for w in waves:
                out.append((f"forms, wave {w}", by_form(df if w is None else df[df["wave"] == w])))
        else:
            if len([w for w in waves if w is not None]) < 2:
                raise DataError("invariance across waves needs two waves")
            pair = (str(waves[0]), str(waves[1]))
            for _, role in roles:
                sel = df if role is None else df[df["rater_role"] == role]
                out.append((f"waves {pair[0]} vs {pair[1]}, form {role}", by_wave(sel, pair)))
    return out
    if len([w for w in waves if w is not None]) < 2:
        raise DataError("invariance across waves needs two waves")
    pair = (str(waves[0]), str(waves[1]))
    for _, role in roles:
        sel = df if role is None else df[df["rater_role"] == role]
        out.append((f"waves {pair[0]} vs {pair[1]}, form {role}", across_waves(sel, struct, pair)))
    return out
