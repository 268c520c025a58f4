"""``mentorassess precision``: how much to trust a mentor's score (G/D-study, EB scores, change).

Only typer is imported at module level; the statistics load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("precision")(precision_cmd)


def precision_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses CSV (from `mentorassess import`)."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id (e.g. mca-26) or YAML file."),
    form: str = typer.Option("mentee", "--form", help="Form id; the precision of a mentor's score needs several "
                                                      "raters per mentor (default: mentee)."),
    wave: Optional[str] = typer.Option(None, "--wave", help="Only this wave (no pre/post change); default every "
                                                            "wave and the change from the first to the second."),
    json_out: Path = typer.Option(..., "--json", help="Write every result as JSON (staff/research use)."),
    min_raters: int = typer.Option(3, "--min-raters", min=1, help="List mentor-level rows only for mentors with at "
                                                                  "least this many ratings."),
    null: str = typer.Option("slight_skew", "--null", help="rwg null shown beside the uniform one: slight_skew, "
                                                           "moderate_skew, heavy_skew, triangular, normal."),
) -> None:
    """G-study and D-study (mentees needed for .70/.80), shrunken mentor scores, pre/post change, RCI, rwg/awg."""
    import json

    from mentorassess._files import atomic_write_text
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_responses
    from mentorassess.stats.precision.nulls import null_variance
    from mentorassess.stats.precision.summary import precision_report

    ins = load_instrument(instrument)
    null_variance(null, len(ins.scale.values))  # unknown null: ConfigError, exit 2, before any work
    data = read_responses(responses, ins)
    rep = precision_report(data, ins, form=form, wave=wave, min_raters=min_raters, null=null)
    for w in rep.waves:
        typer.echo(f"wave {w.wave}: mentees needed for G = .70 / .80 (G at the observed design)")
        need = w.needed()
        for scale, g in need.groupby("scale", sort=False):
            cells = []
            for r in g.itertuples(index=False):
                cells.append(f"{int(r.mentees_needed)}" if r.reachable else "not reachable")
            typer.echo(f"  {scale:28s} {' / '.join(cells):24s} G = {g['g_observed'].iloc[0]:.2f} "
                       f"(n = {g['raters_harmonic'].iloc[0]:.1f})")
        for k, v in w.skipped.items():
            typer.echo(f"  not computed: {k}: {v}")
    for s, c in rep.change.items():
        typer.echo(f"change {c.waves[0]} -> {c.waves[1]} {s}: {c.estimate:+.2f} (SE {c.se:.2f}, df {c.df:.1f}, "
                   f"p {c.p:.3g}, d_total {c.d_total:.2f})")
    atomic_write_text(json_out, json.dumps(rep.to_dict(), indent=2, allow_nan=False, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {json_out}")
