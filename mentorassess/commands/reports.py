"""``mentorassess reports``: one feedback PDF per mentor (and wave)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("reports")(reports_cmd)


def reports_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses CSV (from `mentorassess import`)."),
    instrument: str = typer.Option(..., "--instrument", "-i", help="Instrument id or YAML file."),
    out: Path = typer.Option(Path("reports/feedback"), "--out", "-o", help="Folder to write the PDFs into."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="Roster CSV/XLSX (mentor_id, name, ...)."),
    min_raters: int = typer.Option(3, "--min-raters", help="Mentee responses needed to show mentee results (>= 3)."),
    min_raters_comments: Optional[int] = typer.Option(
        None, "--min-raters-comments", help="Mentee responses needed to show comments (default: --min-raters)."),
    wave: Optional[str] = typer.Option(None, "--wave", help="Only this wave (default: every wave)."),
    jobs: int = typer.Option(0, "--jobs", "-j", min=0, help="Worker processes (0: all cores)."),
    program: str = typer.Option("Research mentoring program", "--program", help="Program name for the header."),
    report_date: Optional[str] = typer.Option(
        None, "--date", help="Report date YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else the latest "
                             "submission date in the data, else today)."),
    contact: Optional[str] = typer.Option(None, "--contact", help="Who mentors can talk to about their report."),
    no_comments: bool = typer.Option(False, "--no-comments", help="Leave mentees' comments out."),
) -> None:
    """Write one feedback PDF per mentor: kind, three pages, no mentee results below the threshold."""
    import os

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mentorassess.aggregate import aggregate
    from mentorassess.errors import ConfigError, DataError
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import read_csv
    from mentorassess.reports.feedback import ReportOptions, render_all
    from mentorassess.scoring import score

    from mentorassess._files import check_outputs, output_lock
    from mentorassess.commands.importing import _file

    check_outputs([responses, roster, _file(instrument)], folders=[out])
    console = Console(stderr=True)
    inst = load_instrument(instrument)
    from mentorassess.io import read_roster
    from mentorassess.io.canonical import read_responses

    data = read_responses(responses, inst)
    ros = None
    if roster is not None:
        read_roster(roster)  # duplicate or empty ids, missing columns: exit 2 naming the row
        if roster.suffix.lower() in (".xlsx", ".xlsm"):
            import pandas as pd

            try:
                ros = pd.read_excel(roster, dtype={"mentor_id": str})
            except FileNotFoundError as exc:
                raise DataError("file not found", file=str(roster)) from exc
        else:
            ros = read_csv(roster)
        if "mentor_id" not in ros.columns:
            raise DataError("roster has no 'mentor_id' column", file=str(roster), column="mentor_id")
    if wave is not None and "wave" in data.columns and wave not in set(data["wave"].astype(str)):
        raise ConfigError(f"wave {wave!r} is not in the responses",
                          hint="waves found: " + ", ".join(sorted(set(data["wave"].astype(str)))))
    date = report_date
    if date is None and not os.environ.get("SOURCE_DATE_EPOCH", "").strip() and "submitted_at" in data.columns:
        import pandas as pd

        latest = pd.to_datetime(data["submitted_at"], errors="coerce", utc=True).max()
        if not pd.isna(latest):
            date = latest.date().isoformat()
    if date is not None:
        try:
            import datetime as dt

            dt.date.fromisoformat(str(date)[:10])
        except ValueError as exc:
            raise ConfigError(f"--date must look like 2026-11-25; got {date!r}") from exc

    profiles = aggregate(score(data, inst), min_raters=min_raters, min_raters_comments=min_raters_comments,
                         roster=ros, comments=not no_comments)
    options = ReportOptions(program=program, report_date=date, contact=contact)
    with output_lock(out), Progress(TextColumn("Feedback reports"), BarColumn(), MofNCompleteColumn(),
                                    TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("render", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        summary = render_all(profiles, inst, out, options=options, jobs=jobs or None, wave=wave,
                             roster=ros, progress=progress)
    typer.echo(f"Wrote {len(summary.written)} feedback reports for {len(summary.mentors)} mentors to {out} "
               f"({summary.rate:.0f} reports/s).")
    if summary.suppressed:
        typer.echo(f"{len(summary.suppressed)} reports show no mentee results (fewer than {min_raters} mentee "
                   f"responses): " + ", ".join(summary.suppressed))
    else:
        typer.echo("Every report shows mentee results.")
