"""``mentorassess run program.yaml`` and ``mentorassess demo``."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)
    app.command("demo")(demo_cmd)


def _execute(config, out: Optional[Path], jobs: Optional[int]) -> None:
    from rich.console import Console
    from rich.table import Table

    from mentorassess.pipeline import run_program

    console = Console(stderr=True)
    with console.status("starting") as status:
        result = run_program(config, out=out, jobs=jobs, progress=lambda msg: status.update(msg))
    counts = result.summary["counts"]
    table = Table(title=f"{result.summary['program']}: {len(result.outputs)} files in {result.seconds:.1f} s")
    table.add_column("output")
    table.add_column("files", justify="right")
    groups: dict[str, int] = {}
    for p in result.outputs:
        key = p.parts[0] + "/" if len(p.parts) > 1 else p.name
        groups[key] = groups.get(key, 0) + 1
    for key, n in groups.items():
        table.add_row(str(result.out / key), str(n))
    Console().print(table)
    for imp in result.summary["imports"]:
        excluded = ", ".join(f"{k} {v}" for k, v in imp["rows_excluded"].items()) or "none"
        typer.echo(f"{imp['file']}: {imp['rows_read']} rows read, {imp['rows_kept']} kept, excluded: {excluded}")
    typer.echo(f"{counts['responses']} responses, {counts['mentors']} mentors")
    if "feedback_reports" in counts:
        typer.echo(f"{counts['feedback_reports']} feedback reports written, listed in feedback/manifest.csv")
    if result.suppressed:
        listed = ", ".join(f"{m} ({w})" for m, w in result.suppressed)
        typer.echo(f"Mentee ratings withheld (fewer than {result.summary['settings']['min_raters']} mentees "
                   f"answered) in {len(result.suppressed)} reports: {listed}")


def run_cmd(
    config: Path = typer.Argument(..., help="Program configuration (program.yaml)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: the config's 'out', else reports/<config name>)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", min=1, help="Worker processes for the PDFs (default: all cores)."),
) -> None:
    """Import every export of a program, score, and write every report."""
    _execute(config, out, jobs)


def demo_cmd(
    out: Path = typer.Option(Path("reports/demo"), "--out", help="Output folder."),
    jobs: Optional[int] = typer.Option(None, "--jobs", min=1, help="Worker processes for the PDFs."),
) -> None:
    """Run the whole pipeline on the sample program that ships with the package."""
    from mentorassess.pipeline import sample_config_path

    _execute(sample_config_path(), out, jobs)
