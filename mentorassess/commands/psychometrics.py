"""``mentorassess psychometrics``: reliability, omega, factorability, dimensionality and CFA.

Only typer is imported at module level; pandas, numpy, scipy and the statistics load inside
the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("psychometrics")(psychometrics_cmd)


def psychometrics_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses CSV."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id (e.g. mca-26) or YAML file."),
    form: Optional[str] = typer.Option(None, "--form", help="Form id (self, mentee); default every form."),
    wave: Optional[str] = typer.Option(None, "--wave", help="Wave (pre, post, ...); default every wave."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full report as JSON."),
    n_iter: int = typer.Option(20, "--n-iter", min=1, max=10000, help="Parallel-analysis iterations."),
    seed: int = typer.Option(20131002, "--seed", help="Seed for parallel analysis and bootstraps."),
    n_boot: int = typer.Option(0, "--n-boot", min=0, max=100000, help="Bootstrap resamples for alpha (0 = none)."),
    estimator: str = typer.Option("ml", "--estimator", help="CFA estimator: ml, mlr, fiml or wlsmv."),
    ordinal: bool = typer.Option(False, "--ordinal", help="Add ordinal (polychoric) reliability."),
    invariance: Optional[str] = typer.Option(None, "--invariance", help="Measurement invariance across 'form' or 'wave'."),
    model: Optional[Path] = typer.Option(None, "--model", help="lavaan-like model syntax file for the CFA."),
) -> None:
    """Psychometric checks equal to R psych/lavaan: alpha per competency, omega, KMO, parallel analysis, CFA
    (one factor, correlated, second order), item-level ICC(1)/ICC(2) and rwg(j)."""
    import json
    import warnings

    from mentorassess._files import atomic_write_text
    from mentorassess.errors import MentorAssessWarning
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_responses
    from mentorassess.stats.report import psychometrics

    from mentorassess._files import check_outputs
    from mentorassess.commands.importing import _file

    check_outputs([responses, _file(instrument)], files=[json_out])
    from mentorassess.errors import ConfigError

    if estimator.lower() not in ("ml", "mlr", "fiml", "wlsmv"):
        raise ConfigError(f"--estimator must be ml, mlr, fiml or wlsmv; got {estimator!r}")
    if invariance is not None and invariance not in ("form", "wave"):
        raise ConfigError(f"--invariance must be 'form' or 'wave'; got {invariance!r}")
    syntax = None
    if model is not None:
        try:
            syntax = model.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the model file {model}: {exc.strerror}", file=str(model)) from exc
    ins = load_instrument(instrument)
    data = read_responses(responses, ins)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MentorAssessWarning)  # repeated in each section's notes
        report = psychometrics(data, ins, form=form, wave=wave, n_iter=n_iter, rng=seed, n_boot=n_boot,
                               estimator=estimator.lower(), model=syntax, ordinal=ordinal, invariance=invariance)
    from mentorassess.stats.psych_document import psychometric_document
    from mentorassess.stats.psych_summary import psychometric_summary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MentorAssessWarning)
        summaries = [psychometric_summary(data, ins, form=sec.form, wave=sec.wave, n_iter=n_iter, seed=seed,
                                          report=report) for sec in report.sections]
    _print_report(report, ins)
    from mentorassess.commands._psych_print import print_agreement, print_models

    for s in summaries:
        print_models(s)
        print_agreement(s)
    _print_invariance(report)
    if json_out is not None:
        doc = psychometric_document(summaries, invariance=report.invariance)
        text = json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"
        atomic_write_text(json_out, text)
        typer.echo(f"wrote {json_out} (schema {doc['schema_version']})")


def _print_invariance(report) -> None:  # noqa: ANN001 - internal rendering
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 120))  # 12 columns: never truncated to "…" on a narrow terminal
    for label, inv in report.invariance:
        rule = "difference test and dCFI" if getattr(inv, "rule", None) else "Chen 2007 cut-offs"
        t = Table(title=f"Measurement invariance, {label} ({inv.estimator}; {rule})",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("model", "chi2", "df", "CFI", "RMSEA", "SRMR", "d chi2", "d df", "p", "dCFI", "dRMSEA", "decision"):
            t.add_column(col, justify="left" if col in ("model", "decision") else "right")
        for r in inv.to_frame().to_dict(orient="records"):
            t.add_row(r["model"], _fmt(r["chisq"], 2), _fmt(r["df"], 0), _fmt(r["cfi"]), _fmt(r["rmsea"]), _fmt(r["srmr"]),
                      _fmt(r.get("chisq_diff"), 2), _fmt(r.get("df_diff"), 0), _fmt(r.get("pvalue_diff")),
                      _fmt(r.get("delta_cfi")), _fmt(r.get("delta_rmsea")), r["decision"] if isinstance(r.get("decision"), str) else "-")
        console.print(t)
        for note in getattr(inv, "notes", ()) or ():
            console.print(f"  note: {note}")


def _fmt(x: object, digits: int = 3) -> str:
    import math

    if x is None:
        return "-"
    if isinstance(x, float):
        if math.isnan(x):
            return "-"
        return f"{x:.{digits}f}"
    return str(x)


def _print_report(report, ins) -> None:  # noqa: ANN001 - internal rendering
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = Console()
    status = getattr(ins, "status", None)
    console.print(f"[bold]{getattr(ins, 'title', report.instrument)}[/bold] ({report.instrument}"
                  f"{', ' + status if status else ''})")
    for sec in report.sections:
        head = f"form {sec.form or '-'}, wave {sec.wave or '-'}: {sec.n_responses} responses"
        t = Table(title=head, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
        widths = {"k": 2, "n": 5, "alpha": 5, "95% CI": 11, "std": 5, "G6": 5, "omega CFA": 5}
        t.add_column("competency", justify="left", overflow="fold", max_width=18)
        for col, w in widths.items():
            t.add_column(col, justify="right", no_wrap=True, min_width=w)
        comp_rel = sec.cfa.composite_reliability() if sec.cfa is not None else {}
        if sec.reliability is not None:
            for name, a in sec.reliability.scales.items():
                lo, hi = a.confidence_interval()
                t.add_row(name, str(a.n_items), str(a.n_obs), _fmt(a.raw_alpha), f"{lo:.3f}-{hi:.3f}",
                          _fmt(a.std_alpha), _fmt(a.g6), _fmt(comp_rel.get(name)))
        console.print(t)
        s = Table(show_header=False, box=None)
        s.add_column("statistic")
        s.add_column("value")
        if sec.omega is not None:
            s.add_row("omega (Schmid-Leiman)", f"omega_h {sec.omega.omega_h:.3f}, omega_total "
                      f"{sec.omega.omega_total:.3f} ({sec.omega.n_factors} group factors)")
        if sec.kmo is not None:
            worst = min(zip(sec.kmo.msa_items, sec.kmo.items))
            s.add_row("KMO", f"{sec.kmo.msa:.3f} (lowest item {worst[1]} {worst[0]:.3f}; n {sec.kmo.n_obs})")
        if sec.bartlett is not None:
            b = sec.bartlett
            pval = f"{b.p_value:.3g}" if b.p_value > 1e-16 else "< 1e-16"
            s.add_row("Bartlett", f"chi2 {b.chisq:.1f}, df {b.df}, p {pval} (n {b.n_obs})")
        if sec.parallel is not None:
            pa = sec.parallel
            s.add_row("parallel analysis", f"{_fmt(pa.n_factors)} factors, {_fmt(pa.n_components)} components "
                      f"({pa.n_iter} iterations, seed {report.call.get('seed')}; random, see docs)")
        console.print(s)
        if sec.cfa is not None or sec.published:
            c = Table(title="CFA (ML, listwise) next to the published fit", title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
            for col in ("source", "n", "chi2", "df", "CFI", "TLI", "RMSEA", "90% CI", "SRMR"):
                c.add_column(col, justify="left" if col == "source" else "right", no_wrap=col != "source",
                             max_width=22 if col == "source" else None)
            for _, row in sec.cfa_comparison().iterrows():
                ci = "-" if row["rmsea_ci_low"] is None or row["rmsea_ci_low"] != row["rmsea_ci_low"] else \
                    f"{row['rmsea_ci_low']:.3f}-{row['rmsea_ci_high']:.3f}"
                c.add_row(str(row["source"]), _fmt(row["n"], 0) if isinstance(row["n"], float) else _fmt(row["n"]),
                          _fmt(row["chisq"], 2), _fmt(row["df"], 0) if isinstance(row["df"], float) else _fmt(row["df"]),
                          _fmt(row["cfi"]), _fmt(row["tli"]), _fmt(row["rmsea"]), ci, _fmt(row["srmr"]))
            console.print(c)
        if sec.cfa is not None:
            mi = sec.cfa.modification_indices(top=3)
            if len(mi):
                hints = "; ".join(f"{r.lhs} {r.op} {r.rhs} (MI {r.mi:.1f})" for r in mi.itertuples())
                console.print(f"largest modification indices: {hints}")
            rc = sec.cfa.residual_correlations(top=3)
            hints = "; ".join(f"{r.item1}-{r.item2} {r.residual:+.3f}" for r in rc.itertuples())
            console.print(f"largest residual correlations: {hints}")
        if sec.sem is not None and hasattr(sec.sem, "fit_measures"):
            fm = sec.sem.fit_measures()
            rob = ".robust" if "cfi.robust" in fm and fm["cfi.robust"] == fm["cfi.robust"] else ""
            chi = f"chi2 {_fmt(fm.get('chisq'), 2)}" + (f" (scaled {_fmt(fm.get('chisq.scaled'), 2)}, c "
                                                         f"{_fmt(fm.get('chisq.scaling.factor'))})" if "chisq.scaled" in fm else "")
            console.print(f"model CFA ({getattr(sec.sem, 'estimator', '')}, {getattr(sec.sem, 'missing', '')}, n "
                          f"{getattr(sec.sem, 'n_obs', '-')}): {chi}, df {fm.get('df')}, CFI{rob} "
                          f"{_fmt(fm.get('cfi' + rob))}, TLI{rob} {_fmt(fm.get('tli' + rob))}, RMSEA{rob} "
                          f"{_fmt(fm.get('rmsea' + rob))}, SRMR {_fmt(fm.get('srmr'))}")
        for name, why in sec.skipped.items():
            console.print(f"[yellow]skipped {name}[/yellow]: {why}")
        for note in sec.notes:
            console.print(f"[yellow]note[/yellow]: {note}")
        console.print()
