"""``mentorassess instruments list | show | validate``."""

from __future__ import annotations

from pathlib import Path

import typer

group = typer.Typer(help="List, show and validate instrument definitions.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(group, name="instruments")


@group.command("list")
def list_cmd() -> None:
    """Table of the built-in instruments: id, title, items, competencies, forms, status."""
    from rich.console import Console
    from rich.table import Table

    from mentorassess.instruments import list_instruments

    table = Table(title="Built-in instruments")
    for col in ("id", "title", "items", "competencies", "forms", "status"):
        table.add_column(col, justify="right" if col in ("items", "competencies") else "left")
    for ins in list_instruments():
        table.add_row(ins.id, ins.title, str(len(ins.items)), str(len(ins.competencies)),
                      ", ".join(ins.forms), ins.status)
    Console(width=120).print(table)


@group.command("show")
def show_cmd(instrument: str = typer.Argument(..., help="Built-in id or path of a YAML file.")) -> None:
    """Competencies and item labels of an instrument."""
    from rich.console import Console
    from rich.table import Table

    from mentorassess.instruments import load_instrument

    ins = load_instrument(instrument)
    console = Console(width=120)
    console.print(f"[bold]{ins.title}[/bold] ({ins.id}, status: {ins.status})")
    console.print(ins.citation, highlight=False)
    console.print(f"Scale: {ins.scale.describe()}; forms: {', '.join(ins.forms)}; "
                  f"scored when at least {ins.scoring.min_answered:.0%} of a competency's items are answered")
    if ins.extends:
        console.print(f"Extends: {ins.extends}")
    table = Table(show_lines=False)
    table.add_column("competency")
    table.add_column("item")
    table.add_column("wording")
    for comp in ins.competencies:
        for k, item_id in enumerate(comp.items):
            item = ins.item(item_id)
            rev = " (reversed)" if item.reverse else ""
            table.add_row(comp.title if k == 0 else "", item_id, item.wording + rev)
    for item in ins.items:
        if not item.in_total:
            table.add_row("(reported on its own)", item.id, item.wording)
    console.print(table)


@group.command("validate")
def validate_cmd(file: Path = typer.Argument(..., help="Instrument YAML file to check.")) -> None:
    """List every problem of an instrument file, one per line; exit 2 if there is any."""
    from mentorassess.instruments import validate_instrument

    problems = validate_instrument(file)
    if not problems:
        typer.echo(f"{file}: valid")
        return
    typer.echo(f"{file}: {len(problems)} problem(s)", err=True)
    for p in problems:
        typer.echo(f"  {p}", err=True)
    raise typer.Exit(2)
