"""Command-line interface: a thin layer over the Python API.

Only ``typer`` is imported at module level; each command imports what it needs inside its body,
so ``mentorassess --help`` stays instant. Errors derived from :class:`MentorAssessError` become
one clear message on stderr and exit code 2; anything else is an internal error (exit 1).
"""

from __future__ import annotations

import sys
from importlib import import_module

import typer

from mentorassess import __version__

app = typer.Typer(
    name="mentorassess",
    help="Survey-based assessment of research mentors: instruments, import, scoring, "
    "psychometrics and feedback reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Each module exposes ``register(app)``; keep this list in pipeline order.
COMMAND_MODULES = (
    "mentorassess.commands.instruments",
    "mentorassess.commands.sample",
    "mentorassess.commands.importing",
    "mentorassess.commands.survey",
    "mentorassess.commands.scoring",
    "mentorassess.commands.psychometrics",
    "mentorassess.commands.precision",
    "mentorassess.commands.reports",
    "mentorassess.commands.program",
    "mentorassess.commands.pipeline",
    "mentorassess.commands.serve",
    "mentorassess.commands.history",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mentorassess {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Survey-based assessment of research mentors."""


for _name in COMMAND_MODULES:
    import_module(_name).register(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Exit codes: 0 ok, 2 bad input or usage, 1 internal error."""
    try:
        app(args=argv, prog_name="mentorassess")
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:
        from mentorassess.errors import MentorAssessError

        if not isinstance(exc, MentorAssessError):
            raise
        _print_error(exc)
        sys.exit(exc.exit_code)


def _print_error(exc: Exception) -> None:
    text = str(exc)
    lines = text.splitlines() or ["error"]
    typer.echo(f"Error: {lines[0]}", err=True)
    for line in lines[1:]:
        typer.echo(f"  - {line}", err=True)
