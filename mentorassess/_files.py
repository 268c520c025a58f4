"""Safe output: a file or a folder appears complete or not at all, and never replaces an input.

Inputs are never modified; every output is written to a temporary name in the target folder and
moved into place with :func:`os.replace`, so a crash never leaves a half-written file that looks
complete.

* :func:`check_outputs` refuses an output file that is one of the command's inputs, and an output
  folder that is, contains or lies inside an input.
* :func:`atomic_dir` builds a folder inside a temporary folder that carries this tool's marker file
  (:data:`TEMP_MARKER`); :func:`remove_strays` deletes only such folders, never a user's
  ``.out.backup_1``.
* :func:`output_lock` holds a lock per output folder (``.<name>.lock`` beside it, an ``flock`` that
  the kernel releases when its holder dies, so a lock left by a killed run is stale by
  construction); a second writer is refused with a message naming the holder's process id.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from mentorassess.errors import ConfigError, Problem

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_path", "atomic_dir", "sync_tree", "remove_strays",
           "output_lock", "check_outputs", "TEMP_MARKER", "OutputBusyError"]

TEMP_MARKER = ".mentorassess-temporary"
_MARKER_TEXT = "Temporary folder of an unfinished mentorassess write; the next write to the same target deletes it.\n"


@contextmanager
def atomic_path(target: str | os.PathLike, *, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is renamed to ``target``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_path(d / "out.txt") as tmp:
    ...     _ = tmp.write_text("hello")
    >>> (d / "out.txt").read_text()
    'hello'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_dir():
        raise ConfigError(f"{target} is a folder; a file of this name cannot replace it", file=str(target),
                          hint="choose a file name for the output")
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; outputs get the usual mode
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(target: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically; return the target path."""
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(target)


def atomic_write_text(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (``\\n`` line endings)."""
    return atomic_write_bytes(target, text.encode(encoding))


def _temp_dir(target: Path, kind: str) -> Path:
    """A new hidden folder ``.<name>.<kind>XXXXXXXX`` beside ``target`` holding the marker file."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.{kind}", dir=target.parent))
    with open(tmp / TEMP_MARKER, "w", encoding="utf-8") as fh:
        fh.write(_MARKER_TEXT)
    return tmp


def sync_tree(folder: str | os.PathLike) -> None:
    """Flush every file under ``folder`` to disk (before the folder is published).

    On Linux one ``syncfs`` call flushes the file system that holds the folder (files written
    without a sync of their own included); elsewhere, or if that call fails, each file and folder
    is synced in turn.
    """
    folder = Path(folder)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            fd = os.open(folder, os.O_RDONLY)
            try:
                if ctypes.CDLL(None, use_errno=True).syncfs(fd) == 0:
                    return
            finally:
                os.close(fd)
        except (OSError, AttributeError):
            pass
    for root, dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(root)


def _fsync_dir(path: str | os.PathLike) -> None:
    """Sync a folder's entries where the platform allows opening a folder (not on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``target`` whole.

    An existing ``target`` is kept until the new folder is complete, then swapped out. The folder
    yielded lies inside a hidden folder beside ``target`` that carries :data:`TEMP_MARKER` (so does
    the folder the previous set is moved into while it is swapped out): a kill at any moment leaves
    only marked folders, which the next write to ``target`` removes. The output folder is locked
    (:func:`output_lock`) for the whole write. Before it is published the new folder is synced to
    disk as a whole (:func:`sync_tree`), so files written into it need no sync of their own.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_dir(d / "out") as tmp:
    ...     _ = (tmp / "a.txt").write_text("new")
    >>> sorted(p.name for p in d.iterdir()), (d / "out" / "a.txt").read_text()
    (['out'], 'new')
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target):
        remove_strays(target)
        work = _temp_dir(target, "")
        tmp = work / "new"
        tmp.mkdir()
        try:
            yield tmp
            os.chmod(tmp, 0o777 & ~_umask())
            sync_tree(tmp)   # every byte on disk before the folder gets its name
            old = None
            if target.exists() or target.is_symlink():
                old = _temp_dir(target, "old.")
                os.replace(target, old / "previous")
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def remove_strays(target: str | os.PathLike) -> list[Path]:
    """Delete temporary folders an interrupted :func:`atomic_dir` left beside ``target``.

    A folder is removed only if its name is one :func:`atomic_dir` makes for this target
    (``.<name>.XXXXXXXX`` or ``.<name>.old.XXXXXXXX``) *and* it holds the marker file
    :data:`TEMP_MARKER` (a regular file, not a link): a user's ``.out.20260101`` or
    ``.out.backup_1`` is never touched. Returns the folders removed.
    """
    target = Path(target)
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.(old\.)?[a-z0-9_]{{8}}$")
    removed = []
    if not target.parent.is_dir():
        return removed
    for p in target.parent.iterdir():
        if not (pattern.match(p.name) and p.is_dir() and not p.is_symlink()):
            continue
        marker = p / TEMP_MARKER
        if marker.is_file() and not marker.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


# --- one writer per output folder -------------------------------------------------------------------

class OutputBusyError(ConfigError):
    """Another process is writing to the same output folder."""


_HELD: dict[str, list[int]] = {}  # lock path -> [fd, depth, thread]: re-entrant within one thread
_HELD_GUARD = threading.Lock()


def _lock_path(target: Path) -> Path:
    target = Path(os.path.abspath(target))
    return target.parent / f".{target.name}.lock"


def _holder(lock: Path) -> str:
    try:
        pid = lock.read_text(encoding="utf-8").split()[0]
        return f"process {int(pid)}"
    except (OSError, ValueError, IndexError):
        return "another process"


def _busy(target: Path, lock: Path) -> OutputBusyError:
    return OutputBusyError(f"another mentorassess run ({_holder(lock)}) is writing to {target}", file=str(target),
                           hint="wait until it has finished, or choose another output folder")


def _acquire(target: Path, lock: Path) -> int:
    try:
        import fcntl
    except ImportError:  # no flock (Windows): an exclusive create, taken over when its process is gone
        return _acquire_pidfile(target, lock)
    for _ in range(50):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise _busy(target, lock) from None
        try:
            same = os.stat(lock).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed the file as we opened it: lock the new one
            os.close(fd)
            continue
        # A file left by a killed run is stale: its flock died with it. Write our process id.
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        return fd
    raise _busy(target, lock)


def _acquire_pidfile(target: Path, lock: Path) -> int:  # pragma: no cover - platforms without flock
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text(encoding="utf-8").split()[0])
                os.kill(pid, 0)
            except (OSError, ValueError, IndexError):
                lock.unlink(missing_ok=True)  # stale: its process is gone
                continue
            raise _busy(target, lock) from None
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        return fd
    raise _busy(target, lock)


@contextmanager
def output_lock(target: str | os.PathLike) -> Iterator[Path]:
    """Hold the lock of output folder (or file) ``target`` while the block runs.

    Raises :class:`OutputBusyError` (exit 2) at once when another live process holds it. A lock
    file left behind by a killed process does not block: the kernel released its ``flock`` when the
    process died. Re-entrant within one thread; another thread of the same process is refused
    like another process. Yields the lock file's path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> with output_lock(d / "out") as lock:
    ...     lock.name
    '.out.lock'
    >>> (d / ".out.lock").exists()
    False
    """
    target = Path(target)
    lock = _lock_path(target)
    key = str(lock)
    me = threading.get_ident()
    with _HELD_GUARD:
        held = _HELD.get(key)
        if held is not None and held[2] != me:  # another thread of this process writes there
            raise _busy(target, lock)
        if held is None:
            lock.parent.mkdir(parents=True, exist_ok=True)
            held = _HELD[key] = [_acquire(target, lock), 0, me]
        held[1] += 1
    try:
        yield lock
    finally:
        with _HELD_GUARD:
            held[1] -= 1
            if held[1] == 0:
                del _HELD[key]
                try:
                    os.unlink(lock)  # while still holding it; a waiter that opened it re-checks the inode
                except OSError:
                    pass
                os.close(held[0])


# --- outputs never replace inputs ---------------------------------------------------------------------

def _real(p: Path) -> Path:
    return Path(os.path.realpath(p))


def _same(a: Path, b: Path) -> bool:
    try:
        if os.path.samefile(a, b):  # also hard links
            return True
    except OSError:
        pass
    return _real(a) == _real(b)


def _inside(inner: Path, outer: Path) -> bool:
    return _real(outer) in _real(inner).parents


def check_outputs(inputs: Iterable[str | os.PathLike | None], *, files: Iterable[str | os.PathLike | None] = (),
                  folders: Iterable[str | os.PathLike | None] = ()) -> None:
    """Refuse outputs that would replace, delete or sit inside an input of the same command.

    An output file must not be an input (the same path, a link to it or a hard link). An output
    folder is replaced whole, so it must not be an input, contain an input or lie inside one.

    Raises
    ------
    ConfigError
        Listing every clash (exit 2); nothing has been written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "roster.csv").write_text("mentor_id\\nM1\\n")
    >>> check_outputs([d / "roster.csv"], files=[d / "responses.csv"], folders=[d / "reports"])
    >>> try:
    ...     check_outputs([d / "roster.csv"], files=[d / "roster.csv"], folders=[d])
    ... except ConfigError as exc:
    ...     print(len(exc.problems))
    2
    """
    ins = [Path(p) for p in dict.fromkeys(str(p) for p in inputs if p is not None)]
    problems: list[Problem] = []
    for out in (Path(p) for p in files if p is not None):
        for inp in ins:
            if _same(out, inp):
                problems.append(Problem(f"the output {out} is an input of this command ({inp}); inputs are never "
                                        "replaced", file=str(out), code="output-is-input",
                                        hint="choose another output file name"))
    for out in (Path(p) for p in folders if p is not None):
        for inp in ins:
            if _same(out, inp):
                what = "is the input"
            elif _inside(inp, out):
                what = "contains the input"
            elif _inside(out, inp):
                what = "lies inside the input"
            else:
                continue
            problems.append(Problem(f"the output folder {out} {what} {inp}; it is replaced whole, so the input "
                                    "would be lost", file=str(out), code="output-holds-input",
                                    hint="choose an output folder apart from the inputs, e.g. reports/<name>"))
    if problems:
        raise ConfigError(f"{len(problems)} output(s) would replace or delete an input", problems=problems)
