"""``mentorassess serve``: the local web app for evaluation staff."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_cmd)


def serve_cmd(
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port on 127.0.0.1 (0: any free port)."),
    workspace: Path = typer.Option(Path("mentorassess-workspace"), "--workspace",
                                   help="Folder for programs, uploads and reports (created if missing)."),
    max_upload_mb: int = typer.Option(50, "--max-upload-mb", min=1, max=2048, help="Largest upload accepted."),
) -> None:
    """Start the local web app (only this computer can reach it) and print its address with a token."""
    import socket

    import uvicorn

    from mentorassess.web.app import create_app
    from mentorassess.web.security import new_token

    token = new_token()
    app = create_app(workspace, token=token, max_upload=max_upload_mb * 1024 * 1024)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}/?token={token}"
    typer.echo(f"mentorassess is serving the workspace {workspace.resolve()}")
    typer.echo(f"Open this address in your browser (it holds the access token):\n    {url}")
    typer.echo("Press Ctrl+C to stop.", err=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
