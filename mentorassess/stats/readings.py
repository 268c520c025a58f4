"""Readings of a psychometric summary, computed from its results through explicit gates.

Each :class:`Reading` says what a number means *for these data* and whether the result may be
read at all. The gates, in order:

* **N**: factor analysis needs cases; N < 50 makes a factor solution unusable here, N < 100 calls
  for caution (MacCallum et al. 1999).
* **KMO** (Kaiser 1974): < .50 unacceptable (no factor solution is read), .50 miserable, .60
  mediocre, .70 middling, .80 meritorious, .90 marvellous.
* **Convergence**: a rotation or an estimation that did not converge yields no valid solution;
  its loadings and the omegas computed from it are not read.
* **Heywood cases**: a communality at or above 1 (negative unique variance) makes the solution
  improper.
* **Parallel analysis**: the number of factors suggested decides the reading on dimensionality
  (one general factor only when it suggests 1).

Examples
--------
>>> d = {"sample": {"responses": 400}, "kmo": {"msa": 0.93}, "parallel_analysis": {"n_factors": 1},
...      "efa": {"converged": True, "heywood_items": []}, "reliability": [{}] * 6}
>>> [r.level for r in psych_readings(d)]
['ok', 'ok', 'ok']
>>> d["parallel_analysis"]["n_factors"] = 3
>>> psych_readings(d)[1].text.startswith("Parallel analysis suggests 3 factors")
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Mapping

__all__ = ["Reading", "psych_readings", "kmo_label", "N_MIN", "N_CAUTION", "KMO_MIN"]

N_MIN, N_CAUTION, KMO_MIN = 50, 100, 0.50
_KMO = ((0.90, "marvellous"), (0.80, "meritorious"), (0.70, "middling"), (0.60, "mediocre"), (0.50, "miserable"))


@dataclass(frozen=True)
class Reading:
    """``topic`` (factorability, dimensionality, efa, cfa, models), ``level`` (ok, caution, not_valid), text."""

    topic: str
    level: str
    text: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def _num(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def kmo_label(msa: float | None) -> str:
    """Kaiser's (1974) label for an overall KMO.

    >>> kmo_label(0.19), kmo_label(0.84)
    ('unacceptable', 'meritorious')
    """
    if msa is None:
        return "not computed"
    return next((lab for cut, lab in _KMO if msa >= cut), "unacceptable")


def _apa(v: float) -> str:
    """Two decimals without the leading zero, as the report's tables print bounded values.

    >>> _apa(0.934), _apa(0.5)
    ('.93', '.50')
    """
    return f"{v:.2f}".replace("0.", ".", 1) if abs(v) < 1 else f"{v:.2f}"


def _n(d: Mapping[str, Any]) -> int | None:
    for src in (d.get("efa") or {}, d.get("bartlett") or {}, d.get("kmo") or {}, d.get("sample") or {}):
        for key in ("n_obs", "responses"):
            v = _num(src.get(key))
            if v is not None:
                return int(v)
    return None


def psych_readings(d: Mapping[str, Any]) -> tuple[Reading, ...]:
    """Readings for factorability, dimensionality, the EFA and the CFA of a summary's ``to_dict()``."""
    out: list[Reading] = []
    n = _n(d)
    msa = _num((d.get("kmo") or {}).get("msa"))
    label = kmo_label(msa)
    small = n is not None and n < N_MIN
    if msa is None:
        out.append(Reading("factorability", "not_valid", "KMO could not be computed, so factorability is unknown; "
                                                         "no factor solution is read."))
    elif msa < KMO_MIN or small:
        why = [f"KMO = {_apa(msa)} is {label} (below .50)"] if msa < KMO_MIN else []
        if small:
            why.append(f"N = {n} is below {N_MIN}")
        out.append(Reading("factorability", "not_valid", "; ".join(why) + ": the correlations do not support a "
                                                                         "factor analysis here, so the factor "
                                                                         "solutions below are not read."))
    else:
        lvl = "ok" if msa >= 0.70 and (n is None or n >= N_CAUTION) else "caution"
        text = f"KMO = {_apa(msa)} is {label} in Kaiser's terms"
        text += ("; the correlations support a factor analysis." if lvl == "ok" else
                 "; interpret the factor solutions with caution" + (f" (N = {n} is below {N_CAUTION})."
                                                                    if n is not None and n < N_CAUTION else "."))
        out.append(Reading("factorability", lvl, text))

    pa = d.get("parallel_analysis") or {}
    k = _num(pa.get("n_factors"))
    n_scales = len([r for r in d.get("reliability") or []
                    if str(r.get("scale", "")).casefold() != "overall"
                    and not str(r.get("title", "")).casefold().startswith(("overall", "all items"))])
    if k is None:
        out.append(Reading("dimensionality", "caution", "Parallel analysis was not computed; the number of "
                                                         "factors is not assessed."))
    else:
        k = int(k)
        if k <= 1:
            text = ("Parallel analysis suggests 1 factor: the items share one strong general factor, and the "
                    "competencies are best read as facets of one skill rather than separate abilities.")
        elif n_scales and k == n_scales:
            text = (f"Parallel analysis suggests {k} factors, as many as the instrument's competencies: the data "
                    "are consistent with separate competencies (check the EFA loadings below).")
        else:
            text = (f"Parallel analysis suggests {k} factors: neither one general factor nor "
                    + (f"the instrument's {n_scales} competencies" if n_scales else "the instrument's structure")
                    + "; read competency scores as related but not cleanly separated.")
        out.append(Reading("dimensionality", "caution" if out[0].level == "not_valid" else "ok", text))

    e = d.get("efa") or {}
    if e.get("method") is not None or "converged" in e:
        problems = []
        if e.get("converged") is False:
            problems.append("the rotation did not converge")
        hey = list(e.get("heywood_items") or [])
        if hey:
            problems.append(f"Heywood case(s) (communality ≥ 1) in {', '.join(map(str, hey))}")
        if out[0].level == "not_valid":
            problems.append("factorability fails (above)")
        if problems:
            out.append(Reading("efa", "not_valid", "The EFA solution is not valid: " + "; ".join(problems)
                               + ". Its loadings are shown for diagnosis only and omega from it is not read."))
        else:
            out.append(Reading("efa", "caution" if out[0].level == "caution" else "ok",
                               "The EFA converged without Heywood cases."))
    c = _correlated(d.get("cfa") or {})
    models = [m for m in (d.get("cfa") or {}).get("models") or [] if m.get("model")]
    n_cfa = max((int(v) for v in (_num(m.get("n_obs")) for m in models) if v is not None), default=n)
    small = n_cfa is not None and n_cfa < N_MIN
    if c:
        if c.get("converged") is False:
            out.append(Reading("cfa", "not_valid", "The CFA did not converge: its fit and loadings are not read."))
        elif _improper(c):
            out.append(Reading("cfa", "not_valid", "The correlated-factors CFA is improper (Heywood case: "
                                                   f"{_improper(c)}): its fit and loadings are not read."))
        elif small:
            out.append(Reading("cfa", "caution", f"The CFA rests on N = {n_cfa} complete responses: fit indices "
                                                 "are unstable at this size."))
    if len(models) > 1:
        out.append(_models_reading(models, n_cfa is not None and n_cfa < N_CAUTION, n_cfa))
    return tuple(out)


_NAMES = {"one_factor": "one-factor", "correlated": "correlated-factors", "second_order": "second-order"}


def _correlated(c: Mapping[str, Any]) -> Mapping[str, Any]:
    """The correlated-factors (instrument) model of a ``cfa`` entry: its ``models`` row, or a flat dict."""
    if "models" not in c:
        return c
    m = next((m for m in c["models"] if m.get("model") == "correlated"), {})
    return {} if m.get("converged") is None else m  # not fitted (a reason instead of numbers): no CFA reading


def _improper(m: Mapping[str, Any]) -> str:
    notes = m.get("notes") or ""
    notes = "; ".join(notes) if isinstance(notes, list) else str(notes)
    return notes.split("Heywood case: ", 1)[1].split(";")[0] if "Heywood case: " in notes else ""


def _models_reading(models: list, caution: bool, n: int | None) -> Reading:
    """Which of the one-factor, correlated and second-order models may be read, and which fits best."""
    ok, bad, absent = [], [], []
    for m in models:
        name = _NAMES.get(m["model"], m["model"])
        if m.get("chisq") is None and m.get("reason"):
            absent.append(f"the {name} model is {m['reason'].split(':')[0]}")
        elif m.get("converged") is False:
            bad.append(f"the {name} model did not converge")
        elif _improper(m):
            bad.append(f"the {name} model is improper ({_improper(m)})")
        else:
            ok.append(m)
    parts = bad + absent
    reasons = {m.get("reason") for m in models}
    if not ok and not bad and len(reasons) == 1:
        why = str(next(iter(reasons))).removeprefix("not fitted: ")
        return Reading("models", "not_valid", f"No CFA model could be fitted ({why}).")
    if not ok:
        return Reading("models", "not_valid", "No CFA model gives a proper solution: " + "; ".join(parts) + ".")
    if len(ok) == 1:
        text = f"Only the {_NAMES.get(ok[0]['model'], ok[0]['model'])} model gives a proper solution"
    else:
        best = min(ok, key=lambda m: m.get("aic") if m.get("aic") is not None else math.inf)
        text = (f"Of the proper solutions, the {_NAMES.get(best['model'], best['model'])} model has the lowest AIC"
                " (compare CFI and RMSEA as well; differences of a few AIC points are small)")
    if any(b.startswith(("the correlated", "the second")) and "improper" in b for b in bad):
        text += ("; an improper correlated or second-order solution (factor correlations or higher-order "
                 "loadings at 1 or above) means the competencies are not separable in these data")
    rest = "; ".join(parts)
    text += "." + (" " + rest[:1].upper() + rest[1:] + "." if parts else "")
    if caution:
        text += f" With N = {n} complete responses these comparisons are unstable."
    return Reading("models", "caution" if caution or bad else "ok", text)
