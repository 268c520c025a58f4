"""``mentorassess survey``: a survey file (REDCap, Qualtrics, LimeSurvey) built from an instrument."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("survey")(survey_cmd)


def survey_cmd(
    instrument: str = typer.Argument(..., help="Instrument id (e.g. mca-26) or YAML file."),
    tool: str = typer.Option(..., "--tool", help="redcap (data dictionary CSV), qualtrics (.qsf survey file) or "
                                                 "limesurvey (tab-separated survey structure .txt)."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write."),
    form: Optional[str] = typer.Option(None, "--form", help="Form (rater role) of the survey, e.g. mentee or self "
                                                            "(default: mentee)."),
    waves: str = typer.Option("pre,post", "--waves", help="The program's waves (REDCap: the choices of the wave "
                                                          "field)."),
    wave: Optional[str] = typer.Option(None, "--wave", help="A fixed wave for every response of this survey."),
) -> None:
    """Write a file the survey tool imports to build the survey, with mentor id, role and wave fields."""
    from mentorassess._files import atomic_write_bytes, check_outputs
    from mentorassess.errors import ConfigError
    from mentorassess.instruments import load_instrument
    from mentorassess.io.survey_files import TOOLS, survey_file

    if tool not in TOOLS:
        raise ConfigError(f"--tool must be one of {', '.join(TOOLS)}; found {tool!r}", value=tool)
    src = Path(instrument)
    check_outputs([src if src.suffix.lower() in (".yaml", ".yml") and src.is_file() else None], files=[out])
    declared = tuple(w.strip() for w in waves.split(",") if w.strip())
    if wave is not None and declared and wave not in declared:
        raise ConfigError(f"--wave {wave!r} is not one of the waves {', '.join(declared)}", value=wave,
                          hint="give --waves with the program's waves")
    data = survey_file(load_instrument(instrument), tool, form=form, waves=declared, wave=wave)
    atomic_write_bytes(out, data)
    typer.echo(f"wrote {out} ({tool} survey file)")
