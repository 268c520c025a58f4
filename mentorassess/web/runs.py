"""Runs in the background, one per program at a time, with their progress messages.

A run is :func:`mentorassess.web.services.run` (a process of its own) waited for in a thread; its
progress callback appends the pipeline's step messages, which the run page shows as a progress bar
and a list. A second start
for a program whose run is going is refused, in this process (a lock) and across processes (a lock
file holding the server's process id, so a lock left by a killed server is recognised as stale).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from mentorassess.web import services

__all__ = ["RunManager", "RunState", "RunBusy"]


class RunBusy(Exception):
    """A run of this program is already going."""


@dataclass
class RunState:
    """What the run page shows."""

    status: str = "idle"  # idle, running, done, failed
    steps: list[str] = field(default_factory=list)
    expected: int = 1
    error: str | None = None
    problems: tuple[str, ...] = ()
    started: float = 0.0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return {"status": self.status, "steps": list(self.steps), "done": min(len(self.steps), self.expected),
                "expected": self.expected, "error": self.error, "problems": list(self.problems),
                "seconds": round(self.seconds, 1)}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunManager:
    """Starts runs and remembers their state (per program id)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str, RunState] = {}
        self._threads: dict[str, threading.Thread] = {}

    def state(self, pid: str) -> RunState:
        with self._lock:
            return self._states.get(pid) or RunState()

    def running(self, pid: str) -> bool:
        return self.state(pid).status == "running"

    def start(self, pid: str, config: Path, out: Path, lockfile: Path, names: dict[str, str] | None = None) -> RunState:
        """Start a run; ``names`` maps stored file names to the names shown in progress messages."""
        with self._lock:
            if pid in self._states and self._states[pid].status == "running":
                raise RunBusy(pid)
            self._take(lockfile)
            try:
                expected = services.expected_steps(config)
            except Exception:
                lockfile.unlink(missing_ok=True)
                raise
            state = RunState(status="running", expected=expected, started=time.perf_counter())
            self._states[pid] = state
            t = threading.Thread(target=self._work, args=(state, config, out, lockfile, names or {}), daemon=True,
                                 name=f"run-{pid}")
            self._threads[pid] = t
            t.start()
            return state

    @staticmethod
    def _take(lockfile: Path) -> None:
        try:
            fd = os.open(lockfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                holder = int(lockfile.read_text().strip() or 0)
            except (OSError, ValueError):
                holder = 0
            if holder and holder != os.getpid() and _alive(holder):
                raise RunBusy(str(lockfile)) from None
            lockfile.unlink(missing_ok=True)  # stale: its server is gone
            fd = os.open(lockfile, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(str(os.getpid()))

    def _work(self, state: RunState, config: Path, out: Path, lockfile: Path, names: dict[str, str]) -> None:
        from mentorassess.errors import MentorAssessError

        def say(message: str) -> None:
            for stored, shown in names.items():
                message = message.replace(stored, shown)
            state.steps.append(message)

        try:
            services.run(config, out, progress=say)
            state.status = "done"
        except MentorAssessError as exc:
            text = str(exc)
            for stored, shown in names.items():
                text = text.replace(stored, shown)
            lines = text.splitlines() or [type(exc).__name__]
            state.error, state.problems, state.status = lines[0], tuple(lines[1:41]), "failed"
        except Exception as exc:  # a bug: say so on the page rather than leave it spinning
            state.error, state.status = f"internal error ({type(exc).__name__}): {exc}", "failed"
        finally:
            state.seconds = time.perf_counter() - state.started
            lockfile.unlink(missing_ok=True)

    def wait(self, pid: str, timeout: float | None = None) -> RunState:
        """Block until the program's run ends (tests and shutdown)."""
        t = self._threads.get(pid)
        if t is not None:
            t.join(timeout)
        return self.state(pid)
