"""The psychometric report's section on the precision of mentor scores (G- and D-study).

Reads the ``precision`` entry of the document section for the form and wave (from
``mentorassess.stats.precision``); prints variance shares, G at the observed number of mentees
and the mentees needed for G = .70 and .80 per scale. Nothing is computed here.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

__all__ = ["precision_story", "precision_of"]


def precision_of(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The precision entry of a document section (``sections[i]["precision"]``), or None."""
    return d.get("precision") or None


def _f(v: Any, digits: int = 2, lead: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    s = f"{float(v):.{digits}f}"
    if not lead and s.startswith(("0.", "-0.")):
        s = s.replace("0.", ".", 1)
    return s.replace("-", "−")


def precision_story(d: Mapping[str, Any], W: float) -> list[Any]:
    """Flowables of the section (empty when the report has no precision results)."""
    p = precision_of(d)
    if not p or not p.get("waves"):
        return []
    from reportlab.platypus import CondPageBreak

    from mentorassess.reports.pdf import data_table, para

    w = p["waves"][0]
    need: dict[tuple[str, float], Mapping[str, Any]] = {(r["scale"], r["target"]): r for r in w["mentees_needed"]}
    rows = []
    for scale, g in w["g_study"].items():
        comp = {c["component"]: c for c in g["components"]}
        cells = []
        for t in (0.7, 0.8):
            r = need.get((scale, t))
            cells.append("–" if r is None else (f"{r['mentees_needed']:.0f}" if r["reachable"] else "not reachable"))
        rows.append([scale.replace("_", " "), str(g["n_items"]), _f(comp["mentor"]["share"]),
                     _f(comp["rater:mentor"]["share"]), _f(comp["mentor:item"]["share"]), _f(g["g"]), *cells])
    if not rows:
        return []
    out: list[Any] = [CondPageBreak(220), para("How many mentees make a mentor's score dependable", "h2")]
    out.append(data_table(["Scale", "Items", "Mentor", "Rater", "M × item", "G", "n for .70", "n for .80"],
                          rows, [0.28 * W, 0.08 * W, 0.1 * W, 0.1 * W, 0.12 * W, 0.08 * W, 0.12 * W, 0.12 * W],
                          numeric_cols=(1, 2, 3, 4, 5, 6, 7)))
    any_g = next(iter(w["g_study"].values()))
    out.append(para(
        f"Note. G-study of mentees (raters) nested in mentors and crossed with items ({any_g['method']}; lme4-equal "
        "REML on unbalanced data). Mentor, Rater (mentee within mentor), M × item: shares of the rating variance. G: "
        f"generalizability of a mentor's mean at the observed {_f(any_g['raters_harmonic'], 1, True)} mentees "
        "(harmonic mean) and the scale's items. n for .70/.80: mentees needed for G = .70/.80 with the scale's items "
        "(D-study); 'not reachable' when mentor × item variance caps G below the target.", "small"))
    out.append(para("Reading: mentors' scores from fewer mentees than these numbers are rough signals; the "
                    "shrunken (empirical-Bayes) scores of `mentorassess precision` account for this.", "body"))
    return out
