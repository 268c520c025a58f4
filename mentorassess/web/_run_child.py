"""A web run in a process of its own (``python -m mentorassess.web._run_child CONFIG OUT PARENT_PID``).

The web server has threads (the event loop, its worker pool); a run forks workers (the feedback
pool, :class:`mentorassess._forked.ForkedJobs`), and a process forked from a threaded one may
inherit a lock that another thread held at that moment. Started afresh instead (not forked), the
run's process has one thread when it forks. It ends with the server (the kernel's parent-death
signal, tied to the server thread that waits for it), sends each progress message and then its
outcome to the server as marked JSON lines on standard output (:func:`send`), and the server
(:func:`mentorassess.web.services.run`) raises the run's own exception again.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import sys
from pathlib import Path

#: Start of every line meant for the server (other output, e.g. warnings, is kept for an error message).
MARK = "\x1emassess-run "


def send(message: dict) -> None:
    sys.stdout.write(MARK + json.dumps(message, ensure_ascii=True) + "\n")
    sys.stdout.flush()


def outcome(exc: BaseException) -> dict:
    """The message that carries ``exc`` back: the exception pickled when it pickles, and its text."""
    from mentorassess._forked import _dumps   # pickles read-only mappings too (import audits)
    from mentorassess.errors import MentorAssessError

    try:
        data = base64.b64encode(_dumps(exc)).decode("ascii")
        pickle.loads(base64.b64decode(data))
    except Exception:  # noqa: BLE001 - an exception that cannot travel: its text does
        data = None
    return {"error": data, "type": type(exc).__name__, "text": str(exc),
            "ours": isinstance(exc, MentorAssessError)}


def main(argv: list[str] | None = None) -> int:
    config, out, parent = argv if argv is not None else sys.argv[1:]
    from mentorassess._procs import _set_pdeathsig

    _set_pdeathsig()
    if os.getppid() != int(parent):   # the server ended before this process could follow it
        return 1
    from mentorassess.pipeline import run_program

    try:
        run_program(Path(config), out=Path(out), progress=lambda message: send({"step": str(message)}))
    except BaseException as exc:  # noqa: BLE001 - every outcome goes back to the server
        send(outcome(exc))
        return 1
    send({"done": True})
    return 0


if __name__ == "__main__":
    sys.exit(main())
