"""``mentorassess program`` and ``mentorassess psychometrics-report``: the program and research reports."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("program")(program_cmd)
    app.command("psychometrics-report")(psychometrics_report_cmd)


def _read_table(path: Path):
    from mentorassess.io.canonical import read_csv

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import pandas as pd

        from mentorassess._safe import unescape_cell

        return pd.read_excel(path, dtype=object).map(unescape_cell)
    return read_csv(path)


def _read_responses(path: Path, instrument=None):
    import pandas as pd

    from mentorassess.io.canonical import read_responses

    df = read_responses(path, instrument)
    for c in ("response_id", "mentor_id", "rater_role", "wave", "rater_id"):
        if c in df.columns:
            df[c] = df[c].map(lambda v: None if pd.isna(v) else str(v))
    return df


def program_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses (CSV or XLSX)."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id or YAML file."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="Roster (mentor_id, name, department, cohort, trained)."),
    out: Path = typer.Option(..., "--out", help="Folder for program_summary.pdf and staff_workbook.xlsx."),
    min_raters: int = typer.Option(3, "--min-raters", help="Mentee responses needed to show mentee figures (>= 3)."),
    report_date: Optional[str] = typer.Option(None, "--report-date", help="Date printed in the reports (YYYY-MM-DD)."),
    show_names: bool = typer.Option(False, "--show-names", help="Name mentors in the PDF (off by default)."),
    audit: Optional[list[Path]] = typer.Option(None, "--audit",
                                               help="Import audit JSON from 'mentorassess import --report' (repeatable)."),
    docx: bool = typer.Option(False, "--docx", help="Also write program_summary.docx, an editable Word copy."),
) -> None:
    """Write the program summary PDF and the staff workbook (and, with --docx, the Word copy)."""
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.stats.program_data import program_tables
    from mentorassess.reports.pdf import resolve_report_date
    from mentorassess.reports.program import render_program
    from mentorassess.reports.workbook import write_staff_workbook
    from mentorassess.scoring import score

    from mentorassess._files import check_outputs
    from mentorassess.commands.importing import _file

    check_outputs([responses, roster, _file(instrument), *(audit or [])],
                  files=[out / "program_summary.pdf", out / "staff_workbook.xlsx",
                         out / "program_summary.docx" if docx else None])
    ins = load_instrument(instrument)
    df = _read_responses(responses, ins)
    if roster is not None:
        from mentorassess.io import read_roster

        read_roster(roster)  # duplicate or empty ids, missing columns: exit 2 naming the row
    rost = _read_table(roster) if roster is not None else None
    if rost is not None:
        rost["mentor_id"] = rost["mentor_id"].map(str)
    date = resolve_report_date(report_date or _latest(df))
    sc = score(df, ins)
    prof = aggregate(sc, min_raters=min_raters, roster=rost)
    reports = [_read_audit(p) for p in audit or []]
    tables = program_tables(prof, import_reports=reports, roster=rost)
    pdf = render_program(ins, prof, tables, out / "program_summary.pdf", report_date=date, show_names=show_names)
    wb = write_staff_workbook(prof, tables, out / "staff_workbook.xlsx", report_date=date,
                              instrument_title=ins.title)
    typer.echo(f"wrote {pdf}")
    if docx:  # only when asked: the command writes nothing else into --out
        from mentorassess.reports.program_docx import render_program_docx

        word = render_program_docx(ins, prof, tables, out / "program_summary.docx", report_date=date,
                                   show_names=show_names)
        typer.echo(f"wrote {word}")
    typer.echo(f"wrote {wb}")


def _read_audit(path: Path) -> dict:
    import json

    from mentorassess.errors import DataError

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read the import audit {path}: {exc.__class__.__name__}") from None
    if not isinstance(data, dict) or "rows_read" not in data:
        raise DataError(f"{path} is not an import audit (no 'rows_read')")
    return data


def _latest(df) -> str | None:
    if "submitted_at" not in df.columns:
        return None
    import pandas as pd

    t = pd.to_datetime(df["submitted_at"], errors="coerce").dropna()
    return None if t.empty else t.max().date().isoformat()


def psychometrics_report_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses (CSV or XLSX)."),
    instrument: str = typer.Option(..., "--instrument", help="Instrument id or YAML file."),
    form: Optional[str] = typer.Option(None, "--form", help="Form to analyse (default: mentee)."),
    wave: Optional[str] = typer.Option(None, "--wave", help="Wave to analyse (default: all pooled)."),
    pdf: Optional[Path] = typer.Option(None, "--pdf", help="Write the PDF report here."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the JSON (schema_version) here."),
    report_date: Optional[str] = typer.Option(None, "--report-date", help="Date printed in the report."),
    seed: int = typer.Option(20131002, "--seed", help="Seed of the parallel analysis."),
) -> None:
    """Write the psychometric report as PDF and/or JSON."""
    from mentorassess.reports.psychometric import render_psychometric, write_psychometric_json
    from mentorassess.stats.psych_summary import psychometric_summary

    from mentorassess._files import check_outputs
    from mentorassess.commands.importing import _file

    if pdf is None and json_out is None:
        raise typer.BadParameter("give --pdf and/or --json")
    check_outputs([responses, _file(instrument)], files=[pdf, json_out])
    df = _read_responses(responses, instrument)
    summary = psychometric_summary(df, instrument, form=form, wave=wave, seed=seed)
    if pdf is not None:
        typer.echo(f"wrote {render_psychometric(summary, pdf, report_date=report_date or _latest(df))}")
    if json_out is not None:
        typer.echo(f"wrote {write_psychometric_json(summary, json_out)}")
