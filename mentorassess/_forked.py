"""Jobs run in forked worker processes without a single thread in the parent.

A :class:`concurrent.futures.ProcessPoolExecutor` keeps a manager thread (and a queue feeder
thread) in the parent while its workers run. A run that forks again meanwhile (the feedback
reports' pool) would fork a process that holds threads, which can leave a lock held in the child.
:class:`ForkedJobs` needs none: its workers are forked once, take the next job from a shared
counter, and hand each result back as a pickle file in a private folder; the parent reads a
result when it asks for it (:meth:`ForkedJobs.result`). Workers end with their parent
(:func:`mentorassess._procs.end_with_parent`), and :meth:`ForkedJobs.stop` ends them at once.

A result file may also be read by another process forked from the parent after the jobs
started (:meth:`ForkedJobs.wait_file`), so a later background step can use an earlier one's result.

Result files hold a run's data (scores, import audits). The private folder (mode 0700, in the
system's temporary folder) carries a lock file that the parent and its workers hold open while the
jobs exist; a run killed outright (SIGKILL) leaves its folder behind, and the next
:class:`ForkedJobs` of any run removes every such folder whose lock nobody holds
(:func:`remove_abandoned`).

Examples
--------
>>> import multiprocessing as mp
>>> if "fork" in mp.get_all_start_methods():
...     jobs = ForkedJobs(abs, [-1, -2, 3], workers=2)
...     print([jobs.result(i) for i in range(3)]); jobs.stop()
... else:
...     print([1, 2, 3])
[1, 2, 3]
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import shutil
import tempfile
import time
import traceback
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Sequence

__all__ = ["ForkedJobs", "Later", "fork_available", "remove_abandoned"]


def fork_available() -> bool:
    """Whether this platform can fork worker processes (they inherit the parent's objects)."""
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


class Later:
    """A step's output that a background job completes: :meth:`get` waits for it once.

    >>> later = Later(lambda: [1, 2]); later.get(), later.get()
    ([1, 2], [1, 2])
    """

    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn: Callable[[], Any] | None = fn
        self._value: Any = None

    def get(self) -> Any:
        if self._fn is not None:
            self._value = self._fn()
            self._fn = None
        return self._value


def _proxy(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


def _dumps(obj: Any) -> bytes:
    """``pickle.dumps`` that also carries read-only mappings (``MappingProxyType``, e.g. in import
    audits) as read-only mappings of the same items, in the same order."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_proxy, (dict(m),))}
    pickler.dump(obj)
    return buf.getvalue()


class _Failed:
    """A job's exception as it travels back (the exception itself, or its text if it does not pickle)."""

    def __init__(self, exc: BaseException) -> None:
        self.text = "".join(traceback.format_exception(exc))
        try:
            pickle.loads(_dumps(exc))
            self.exc: BaseException | None = exc
        except Exception:  # noqa: BLE001 - an exception that cannot travel: its text does
            self.exc = None

    def raise_(self) -> None:
        if self.exc is not None:
            raise self.exc
        raise RuntimeError(f"a background job failed:\n{self.text}")


_PREFIX = "mentorassess-jobs-"
_OWNER = ".owner"   # flock held by the parent (and, inherited, its workers) while the folder is in use
_GRACE = 60.0       # seconds a folder without its lock file is left alone (it may be being made)


def _hold(folder: Path) -> int | None:
    """Open and lock ``folder``'s owner file (the descriptor holds the lock); None without flock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - platforms without flock have no fork either
        return None
    fd = os.open(folder / _OWNER, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def remove_abandoned(base: str | os.PathLike | None = None, *, now: float | None = None) -> list[Path]:
    """Remove the job folders of killed runs from ``base`` (default: the system's temporary folder).

    A folder is abandoned when nobody holds its owner lock (the kernel drops a flock when the last
    process holding it ends, however it ended), or when it has no owner file and is older than a
    minute. Returns the folders removed.

    >>> import tempfile
    >>> base = Path(tempfile.mkdtemp())
    >>> left = base / (_PREFIX + "killed"); left.mkdir(); (left / _OWNER).touch()
    >>> [p.name for p in remove_abandoned(base)], left.exists()
    (['mentorassess-jobs-killed'], False)
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover
        return []
    base = Path(base if base is not None else tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = []
    try:
        candidates = [p for p in base.iterdir() if p.name.startswith(_PREFIX)]
    except OSError:
        return []
    for folder in candidates:
        try:
            fd = os.open(folder / _OWNER, os.O_RDWR)
        except FileNotFoundError:
            try:
                young = now - folder.stat().st_mtime < _GRACE
            except OSError:
                continue
            if young or not folder.is_dir():
                continue
            fd = None
        except OSError:   # another user's folder, or not a folder: not ours to judge
            continue
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)   # raises while a live run holds it
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:
            pass
        finally:
            if fd is not None:
                os.close(fd)
    return removed


class ForkedJobs:
    """``fn(job)`` for every job, in up to ``workers`` forked processes (see the module notes).

    Jobs are taken in the order given (put the longest first). :meth:`result` returns job ``i``'s
    value or raises its exception; a worker that dies without a result raises ``RuntimeError``.
    """

    def __init__(self, fn: Callable[[Any], Any], jobs: Sequence[Any], *, workers: int = 2,
                 poll: float = 0.01) -> None:
        import multiprocessing as mp

        from mentorassess._procs import parent_token

        ctx = mp.get_context("fork")
        self._fn, self._jobs, self._poll = fn, list(jobs), poll
        remove_abandoned()
        self._dir = Path(tempfile.mkdtemp(prefix=_PREFIX))
        self._lock_fd = _hold(self._dir)
        self._next = ctx.Value("i", 0)   # shared memory and a semaphore: no thread in the parent
        self._owner = os.getpid()
        token = parent_token()
        self._procs = [ctx.Process(target=self._work, args=(token,), daemon=True)
                       for _ in range(max(1, min(int(workers), len(self._jobs))))] if self._jobs else []
        for p in self._procs:
            p.start()

    def _path(self, i: int) -> Path:
        return self._dir / f"{i}.pkl"

    def _work(self, token: tuple[int, bool]) -> None:
        from mentorassess._procs import end_with_parent

        end_with_parent(token[0], main_thread=token[1])
        while True:
            with self._next.get_lock():
                i = self._next.value
                self._next.value = i + 1
            if i >= len(self._jobs):
                return
            try:
                value: Any = self._fn(self._jobs[i])
                data = _dumps(("ok", value))
            except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
                data = _dumps(("err", _Failed(exc)))
            part = self._dir / f"{i}.part"
            part.write_bytes(data)
            os.replace(part, self._path(i))   # complete or absent, never half written

    def wait_file(self, i: int, *, alive: Callable[[], bool] | None = None) -> Any:
        """Job ``i``'s result read from its file, waiting until it is there (any process may call it).

        ``alive`` (default: in the parent, whether a worker still runs) ends the wait with
        ``RuntimeError`` when it returns False and the file is still missing.
        """
        if alive is None:
            alive = self._any_alive if os.getpid() == self._owner else (lambda: True)
        path = self._path(i)
        while not path.exists():
            if not alive():
                if path.exists():
                    break
                raise RuntimeError(f"a background worker ended without finishing its job ({self._jobs[i]!r})")
            time.sleep(self._poll)
        kind, value = pickle.loads(path.read_bytes())
        if kind == "err":
            value.raise_()
        return value

    def result(self, i: int) -> Any:
        """Job ``i``'s value (waits for it), or its exception raised here."""
        return self.wait_file(i)

    def _any_alive(self) -> bool:
        return any(p.is_alive() for p in self._procs)

    def stop(self) -> None:
        """End the workers (at once if they still run) and remove the result files."""
        if os.getpid() != self._owner:
            return
        for p in self._procs:
            if p.is_alive():
                p.kill()
        for p in self._procs:
            p.join()
        self._procs = []
        shutil.rmtree(self._dir, ignore_errors=True)
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None
