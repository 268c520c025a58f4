"""``mentorassess sample``: write the calibrated synthetic program."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("sample")(sample_cmd)


def sample_cmd(
    out: Path = typer.Option(Path("data/sample"), "--out", help="Folder to write into."),
    seed: int = typer.Option(20261125, "--seed", help="Random seed (same seed, same bytes)."),
    mentors: int = typer.Option(40, "--mentors", min=3, max=5000, help="Number of mentors."),
) -> None:
    """Write a synthetic program (roster, responses, sample exports) calibrated to published MCA figures."""
    from mentorassess.sample import generate, write_sample

    program = generate(seed=seed, n_mentors=mentors)
    written = write_sample(program, out)
    for path in written:
        typer.echo(f"wrote {path}")
