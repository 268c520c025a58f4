"""``mentorassess history``: a program's recorded cycles, a mentor across cycles, export, forget.

The store is named by ``--config program.yaml`` (its ``history:``) or ``--store PATH|URL``
(with ``--secret`` for a server store). Only typer is imported at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

_CONFIG = typer.Option(None, "--config", help="program.yaml whose 'history:' names the store.")
_STORE = typer.Option(None, "--store", help="History store: a SQLite file or a postgresql:// URL.")
_SECRET = typer.Option(None, "--secret", help="The program secret file (default: <store>.secret).")


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="A program's history across cycles (issue 22): list, mentor, export, forget.",
                      no_args_is_help=True)
    sub.command("list")(list_cmd)
    sub.command("mentor")(mentor_cmd)
    sub.command("export")(export_cmd)
    sub.command("forget")(forget_cmd)
    app.add_typer(sub, name="history")


def _open(config: Optional[Path], store: Optional[str], secret: Optional[Path]):
    from mentorassess.errors import ConfigError
    from mentorassess.history.store import open_store

    if (config is None) == (store is None):
        raise ConfigError("name the history store with exactly one of --config program.yaml or --store PATH|URL")
    if config is not None:
        from mentorassess.config import load_config

        cfg = load_config(config)
        if cfg.history is None:
            raise ConfigError(f"{config} has no 'history:' key", file=str(config),
                              hint="add history: history.sqlite and cycle: <name> to the configuration")
        return open_store(cfg.history.store, secret=secret or cfg.history.secret)
    return open_store(store, secret=secret)


def list_cmd(config: Optional[Path] = _CONFIG, store: Optional[str] = _STORE,
             secret: Optional[Path] = _SECRET) -> None:
    """Recorded cycles, and the share of mentors with mentee results without and with pooling."""
    from mentorassess.history.coverage import coverage
    from mentorassess.history.queries import list_runs

    s = _open(config, store, secret)
    try:
        runs, cov = list_runs(s), {c["cycle"]: c for c in coverage(s)}
    finally:
        s.close()
    if not runs:
        typer.echo("no cycle recorded yet")
        return
    typer.echo("cycle  instrument  responses  figures  mentors with results (pooling)")
    for r in runs:
        c = cov.get(r["cycle"], {})
        share = (f"{c['with_results']}/{c['mentors']} ({c['with_pooling']}/{c['mentors']})" if c.get("mentors")
                 else "-")
        typer.echo(f"{r['cycle']}  {r['instrument']}  {r['responses'] if r['responses_stored'] else 'hash only'}"
                   f"  {r['figures_released']}  {share}" + (f"  pooled: {', '.join(r['pooled_windows'])}"
                                                           if r["pooled_windows"] else ""))


def mentor_cmd(mentor_id: str = typer.Argument(..., help="The mentor's id."), config: Optional[Path] = _CONFIG,
               store: Optional[str] = _STORE, secret: Optional[Path] = _SECRET,
               json_out: bool = typer.Option(False, "--json", help="Print JSON instead of a table.")) -> None:
    """A mentor's released mentee means across cycles (withheld figures are absent)."""
    import json

    from mentorassess.history.queries import mentor_history

    s = _open(config, store, secret)
    try:
        frame = mentor_history(s, mentor_id)
    finally:
        s.close()
    if json_out:
        typer.echo(json.dumps(frame.to_dict("records"), indent=2, ensure_ascii=False))
        return
    if frame.empty:
        typer.echo(f"no released mentee results for {mentor_id}")
        return
    show = frame.assign(cycles=frame["cycles"].map(", ".join))
    typer.echo(show.drop(columns=["se"]).round(2).to_string(index=False))


def export_cmd(out: Path = typer.Option(..., "--out", help="JSON file to write."), config: Optional[Path] = _CONFIG,
               store: Optional[str] = _STORE, secret: Optional[Path] = _SECRET) -> None:
    """Write the runs and the released ledger (no responses, no rater hashes) as JSON."""
    import json

    from mentorassess._files import atomic_write_text
    from mentorassess.history.queries import export

    s = _open(config, store, secret)
    try:
        doc = export(s)
    finally:
        s.close()
    atomic_write_text(out, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {out}: {len(doc['runs'])} cycle(s), {len(doc['ledger'])} released figure(s)")


def forget_cmd(rater: Optional[str] = typer.Option(None, "--rater", help="Delete this rater's data."),
               mentor: Optional[str] = typer.Option(None, "--mentor", help="Delete this mentor's data."),
               config: Optional[Path] = _CONFIG, store: Optional[str] = _STORE,
               secret: Optional[Path] = _SECRET) -> None:
    """Delete a person's data, log it in the audit table, and list released figures that depended on it."""
    from mentorassess.history.queries import forget

    s = _open(config, store, secret)
    try:
        rep = forget(s, rater=rater, mentor=mentor)
    finally:
        s.close()
    typer.echo(f"deleted {rep['responses_deleted']} response(s) and {rep['ledger_entries_deleted']} ledger "
               f"entr{'y' if rep['ledger_entries_deleted'] == 1 else 'ies'}; audit entry written")
    aff = rep["released_figures_affected"]
    if not aff:
        typer.echo("no remaining released figure depended on this person")
    else:
        typer.echo(f"{len(aff)} released figure(s) depended on this person (already released; review them):")
        for a in aff:
            typer.echo(f"  {a['unit']}  {a['window']}  {a['wave']}  {a['statistic']}")
