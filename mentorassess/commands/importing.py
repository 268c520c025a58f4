"""``mentorassess import``: a survey export to canonical responses, with an audit."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)


def import_cmd(
    export: Path = typer.Argument(..., help="Qualtrics, REDCap, SPSS .sav, SurveyMonkey, Google Forms, Microsoft "
                                            "Forms, LimeSurvey or a generic CSV/XLSX export."),
    instrument: str = typer.Option(..., "--instrument", "-i", help="Instrument id (e.g. mca-26) or YAML file."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", "-m", help="Mapping file (YAML)."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="Roster CSV/XLSX to match mentors against."),
    role: Optional[str] = typer.Option(None, "--role", help="Rater role of every response (self, mentee)."),
    wave: Optional[str] = typer.Option(None, "--wave", help="Wave of every response (e.g. pre, post)."),
    format: Optional[str] = typer.Option(None, "--format",
                                         help="qualtrics, qualtrics-legacy, redcap, spss, surveymonkey, google-forms, "
                                              "ms-forms, limesurvey or generic (default: detect)."),
    dictionary: Optional[Path] = typer.Option(None, "--dictionary", help="REDCap data dictionary CSV."),
    waves: Optional[str] = typer.Option(None, "--waves",
                                        help="The program's waves, comma-separated (e.g. pre,post): wave cells "
                                             "must name one of them (case and spacing ignored)."),
    date_order: Optional[str] = typer.Option(None, "--date-order",
                                             help="dmy or mdy: day/month order of 01/02/2025-style dates "
                                                  "(default: decided per file, refused when unclear)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Canonical responses CSV to write."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the audit as JSON here."),
    write_mapping: Optional[Path] = typer.Option(None, "--write-mapping",
                                                 help="Draft a mapping file for this export and stop."),
) -> None:
    """Import a survey export: map it to an instrument, exclude what must go, and say why."""
    from mentorassess._files import check_outputs
    from mentorassess.errors import ConfigError, DataError

    outputs = [p for p in (out, report, write_mapping) if p is not None]
    check_outputs([export, mapping, roster, dictionary, _file(instrument)], files=outputs)
    if len({str(p.resolve()) for p in outputs}) < len(outputs):
        raise ConfigError("two outputs name the same file", hint="give -o, --report and --write-mapping "
                                                                  "different file names")
    if write_mapping is not None:
        _draft(export, instrument, format, dictionary, mapping, write_mapping)
        if out is None:
            return
    if out is None:
        raise ConfigError("no output file: give -o responses.csv (or --write-mapping draft.yaml)")
    import json

    from rich.console import Console

    from mentorassess._files import atomic_write_text
    from mentorassess.io import read_export
    from mentorassess.io.canonical import write_csv

    if date_order is not None and date_order not in ("dmy", "mdy", "auto"):
        raise ConfigError(f"--date-order must be dmy or mdy; found {date_order!r}", file=str(export),
                          value=date_order, hint="dmy for 13/09/2025, mdy for 09/13/2025")
    declared = [w.strip() for w in waves.split(",") if w.strip()] if waves else None
    result = read_export(export, instrument, mapping=mapping, roster=roster, role=role, wave=wave, format=format,
                         dictionary=dictionary, waves=declared,
                         options={"date_order": date_order} if date_order else None)
    console = Console(width=100, stderr=False)
    console.print(result.report)
    for w in result.report.warnings[:15]:
        console.print(f"[yellow]warning:[/yellow] {w}", markup=True, highlight=False)
    if len(result.report.warnings) > 15:
        console.print(f"... and {len(result.report.warnings) - 15} more warnings (see --report)")
    if report is not None:
        atomic_write_text(report, json.dumps(result.report.to_dict(), indent=2, ensure_ascii=False) + "\n")
        typer.echo(f"wrote {report}")
    if len(result.responses) == 0:
        rep = result.report
        excluded = ", ".join(f"{k} {v}" for k, v in dict(rep.rows_excluded).items()) or "none"
        raise DataError(f"no response was kept: {rep.rows_read} rows read, excluded: {excluded}", file=str(export),
                        hint="see the warnings above; 'unmatched_mentor' means the roster does not list the "
                             "export's mentors")
    write_csv(result.responses, out)
    typer.echo(f"wrote {out} ({len(result.responses)} responses)")


def _file(instrument: str) -> Path | None:
    """The instrument argument as a file (a YAML path) or None (a built-in id)."""
    p = Path(instrument)
    return p if p.suffix.lower() in (".yaml", ".yml") and p.is_file() else None


def _draft(export: Path, instrument: str, format, dictionary, mapping, target: Path) -> None:
    from mentorassess._files import atomic_write_text
    from mentorassess.instruments import load_instrument
    from mentorassess.io.api import _find_dictionary
    from mentorassess.io.detect import read_table
    from mentorassess.io.draft import draft_mapping
    from mentorassess.io.redcap import read_dictionary

    ins = load_instrument(instrument)
    dict_path = dictionary or _find_dictionary(export)
    rc = read_dictionary(dict_path) if dict_path else None
    table = read_table(export, str(export), format=format, dictionary=rc)
    text = draft_mapping(table, ins, dictionary=Path(dict_path) if dict_path else None, base=target.parent)
    atomic_write_text(target, text)
    n = text.split("\nconfirm:", 1)[1].count("\n  - ") if "\nconfirm:" in text else 0
    typer.echo(f"wrote draft mapping {target}: each line says its confidence; "
               + (f"{n} line(s) listed under 'confirm:' must be checked (then delete their entries) before "
                  "the import accepts it" if n else "nothing to confirm, but do read it"))
