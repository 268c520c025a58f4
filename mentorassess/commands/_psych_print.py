"""Console tables of ``mentorassess psychometrics``: the CFA model comparison and rater agreement.

Imported inside the command (rich is loaded only then).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["print_models", "print_agreement"]


def _f(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.{digits}f}" if isinstance(x, float) else str(x)


def print_models(summary: Any) -> None:
    """One factor, correlated factors and second order side by side, then std.all loadings (3 decimals)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    m = summary.models
    if m is None:
        return
    console = Console()
    n = next((int(f.n_obs) for f in (x.fit for x in m.models) if f is not None), None)
    n_text = "-" if n is None else str(n)
    t = Table(title=f"CFA models, form {summary.form}, wave {summary.wave} (ML, listwise, n {n_text}; lavaan cfa() "
                    "defaults)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for col in ("model", "chi2", "df", "CFI", "TLI", "RMSEA", "SRMR", "AIC", "BIC"):
        t.add_column(col, justify="left" if col == "model" else "right", no_wrap=True)
    notes = []
    for r in m.to_frame().to_dict(orient="records"):
        note = r["reason"] or ("did not converge" if r["converged"] is False else "") or r["notes"]
        if note:
            notes.append(f"{r['model']}: {note}")
        t.add_row(r["model"], _f(r["chisq"], 1), _f(r["df"], 0), _f(r["cfi"]), _f(r["tli"]),
                  _f(r["rmsea"]), _f(r["srmr"]), _f(r["aic"], 0), _f(r["bic"], 0))
    console.print(t)
    for note in notes:
        console.print(f"[yellow]note[/yellow]: {note}")
    if n is None:
        return
    ld = m.loadings()
    lt = Table(title="standardised loadings (std.all)", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("item", "competency", "1 factor", "correlated", "2nd order"):
        lt.add_column(col, justify="left" if col in ("item", "competency") else "right")
    for r in ld.itertuples(index=False):
        lt.add_row(r.item, r.factor, _f(r.one_factor), _f(r.correlated), _f(r.second_order))
    console.print(lt)
    hi = m.higher_order()
    if len(hi):
        console.print("second-order loadings: " + "; ".join(f"{r.factor} {r.std_all:.3f}" for r in hi.itertuples()))


def print_agreement(summary: Any) -> None:
    """ICC(1), ICC(2), median rwg(j) per scale and ICC(1), ICC(2), median rwg per item, per wave."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for ag in summary.agreement:
        t = Table(title=f"rater agreement, form {summary.form}, wave {ag.wave} (raters nested in mentors; rwg(j): "
                        f"uniform null, median over the k mentors with >= {ag.min_raters} raters)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("scale", "ratings", "mentors", "ICC(1)", "ICC(2)", "rwg(j)", "k"):
            t.add_column(col, justify="left" if col == "scale" else "right", no_wrap=True)
        for r in ag.scales.itertuples(index=False):
            t.add_row(r.scale, _f(r.n_ratings, 0), _f(r.mentors, 0), _f(r.icc1), _f(r.icc2), _f(r.rwg_j_median),
                      str(r.rwg_mentors))
        console.print(t)
        it = Table(title=f"item-level agreement, wave {ag.wave} (rwg: median over mentors)", title_justify="left",
                   box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("item", "competency", "ratings", "ICC(1)", "ICC(2)", "rwg"):
            it.add_column(col, justify="left" if col in ("item", "competency") else "right", no_wrap=True)
        for r in ag.items.itertuples(index=False):
            it.add_row(r.item, r.scale or "", _f(r.n_ratings, 0), _f(r.icc1), _f(r.icc2), _f(r.rwg_median))
        console.print(it)
