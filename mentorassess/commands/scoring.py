"""``mentorassess score``: per-response scores, mentor profiles and program benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("score")(score_cmd)


def _read_table(path: Path, what: str):
    from mentorassess.errors import DataError
    from mentorassess.io.canonical import read_csv

    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        import pandas as pd

        from mentorassess._safe import unescape_cell

        try:
            df = pd.read_excel(path, dtype={"response_id": str, "mentor_id": str, "rater_id": str, "wave": str,
                                            "rater_role": str, "cohort": str})
        except FileNotFoundError as exc:
            raise DataError("file not found", file=str(path)) from exc
        for col in df.columns:
            if df[col].dtype == object:
                df[col] = df[col].map(unescape_cell)
        return df
    raise DataError(f"cannot read {what} from a {suffix or 'suffix-less'} file", file=str(path),
                    hint="use a canonical CSV (mentorassess import) or an XLSX file")


def _roster(path: Path | None):
    if path is None:
        return None
    from mentorassess.io import read_roster

    read_roster(path)  # duplicate or empty ids, missing columns: exit 2 naming the row
    r = _read_table(path, "a roster")
    if "trained" in r.columns:
        yes = {"yes", "y", "true", "1", "t"}
        no = {"no", "n", "false", "0", "f"}

        def as_bool(v):
            s = str(v).strip().lower()
            return True if s in yes else False if s in no else None

        r["trained"] = r["trained"].map(as_bool)
    return r


def score_cmd(
    responses: Path = typer.Argument(..., help="Canonical responses (CSV from `mentorassess import`, or XLSX)."),
    instrument: str = typer.Option(..., "--instrument", "-i", help="Built-in instrument id or YAML file."),
    output: Path = typer.Option(..., "--output", "-o",
                                help="scores.xlsx (one sheet per table) or scores.csv (a folder 'scores' of CSVs)."),
    roster: Optional[Path] = typer.Option(None, "--roster", help="Roster CSV/XLSX: mentor_id, name, department, "
                                                                  "cohort, trained."),
    min_raters: int = typer.Option(3, "--min-raters", help="Mentee responses needed to show a mentor's "
                                                           "mentee values (at least 3)."),
    min_raters_comments: Optional[int] = typer.Option(None, "--min-raters-comments",
                                                      help="Mentee responses needed to show comments "
                                                           "(default: --min-raters; never lower)."),
    no_comments: bool = typer.Option(False, "--no-comments", help="Leave all comments out."),
    by: Optional[List[str]] = typer.Option(None, "--by", help="Roster column for subgroup tables (repeatable; "
                                                              "default: department, cohort, trained if present)."),
) -> None:
    """Score responses; write per-response scores, mentor profiles and program benchmarks.

    Mentee values of a mentor with fewer than --min-raters responses in a wave are absent from
    every table; subgroup tables apply primary and secondary suppression.
    """
    from mentorassess._files import atomic_dir
    from mentorassess.aggregate import aggregate
    from mentorassess.errors import ConfigError
    from mentorassess.instruments import load_instrument
    from mentorassess.io.canonical import write_csv
    from mentorassess.program import program_summary, training_needs
    from mentorassess.scoring import score

    from mentorassess._files import check_outputs
    from mentorassess.commands.importing import _file

    suffix = output.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise ConfigError(f"output must end in .xlsx or .csv; got {output.name!r}")
    check_outputs([responses, roster, _file(instrument)], files=[output] if suffix == ".xlsx" else [],
                  folders=[output.with_suffix("")] if suffix == ".csv" else [])
    ins = load_instrument(instrument)
    from mentorassess.io.canonical import read_responses

    data = read_responses(responses, ins)
    rost = _roster(roster)
    scores = score(data, ins)
    prof = aggregate(scores, min_raters=min_raters, min_raters_comments=min_raters_comments, roster=rost,
                     comments=not no_comments)
    tables = _tables(scores, prof, rost, by, program_summary, training_needs)

    if suffix == ".xlsx":
        from mentorassess.reports.excel import Sheet, write_workbook

        sheets = [Sheet(name, frame, note=note) for name, (frame, note) in tables.items()]
        write_workbook(sheets, output, readme=_readme(ins, prof, responses), title=f"mentorassess scores: {ins.id}")
        written = output
    else:
        folder = output.with_suffix("")
        with atomic_dir(folder) as tmp:
            for name, (frame, _) in tables.items():
                write_csv(frame, tmp / f"{name.lower().replace(' ', '_')}.csv")
        written = folder
    ment = prof.mentors
    typer.echo(f"scored {len(scores.scores)} responses with {ins.id}; {len(ment)} mentor profiles "
               f"({int(ment['suppressed'].sum())} with fewer than {prof.settings.min_raters} mentee responses)")
    typer.echo(f"wrote {written}")


def _tables(scores, prof, roster, by, program_summary, training_needs) -> dict:
    cols = ["response_id", "mentor_id", "rater_role", "wave", *scores.score_columns,
            *[f"n_answered_{c}" for c in scores.score_columns]]
    per_response = scores.scores[cols]
    tables = {
        "Scores": (per_response, "Staff only: one row per response (scores of individual raters)."),
        "Unscored": (scores.unscored, "Competencies left unscored and why (min-answered rule)."),
        "Not counted": (prof.exclusions, "Responses the release layer did not count as raters, and why "
                                         "(repeat submissions, self forms filed as mentee, near-empty responses)."),
        "Mentors": (prof.mentors, f"Mentee values absent where fewer than {prof.settings.min_raters} responses."),
        "Profiles": (prof.competencies, "Per mentor, wave and competency; suppressed values are absent."),
        "Items": (prof.items, "Per mentor, wave and item; suppressed values are absent."),
        "Benchmarks": (prof.program, "Program benchmarks over mentor-level values."),
    }
    present = [c for c in ("department", "cohort", "trained")
               if c in prof.mentors.columns and prof.mentors[c].notna().any()]
    groups = list(by) if by else present
    if groups:
        summary = program_summary(prof, by=groups, roster=roster)
        tables["Subgroups"] = (summary.to_frame(), "; ".join(summary.notes))
    tables["Training needs"] = (training_needs(prof).to_frame(), "Lowest program means and largest mean gaps.")
    tables["Comments"] = (prof.comments, "Verbatim comments shown to mentors; review before release.")
    return tables


def _readme(ins, prof, responses: Path) -> list[tuple[str, str]]:
    s = prof.settings
    return [
        ("Instrument", f"{ins.title} ({ins.id}, status: {ins.status})"),
        ("Responses", str(responses.name)),
        ("Waves", ", ".join(s.waves)),
        ("Scoring", f"competency = mean of answered items when at least {ins.scoring.min_answered:.0%} of its "
                    f"items are answered; overall = mean of all answered in-total items under the same rule"),
        ("Confidentiality", f"mentee values shown with at least {s.min_raters} mentee responses and a valid n of "
                            f"at least {s.min_raters} per value; comments with at least {s.min_raters_comments}"
                            + ("" if s.comments else " (comments turned off)")),
        ("Intervals", "own 95% t interval and pooled within-mentor interval (df = N - J); not clipped"),
        ("Gaps", f"blind spot: self - mentee mean >= {s.gap_rule.min_gap} and self above the "
                 f"{s.gap_rule.interval} interval; hidden strength: the mirror image"),
        ("Percentiles", "program_percentile is for staff only; never shown in a mentor's report"),
    ]
