"""Worker processes that end with their parent.

A process pool's workers wait on a pipe for work; if the parent is killed (SIGKILL, an OOM kill),
nobody closes that pipe and they would live on. :func:`end_with_parent`, called in each worker
by the pool's initializer, makes the worker end as soon as its parent is gone:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to kill the worker when the
  thread that created it ends (used only when the pool was created by the main thread, whose end
  is the process's end);
* everywhere, a daemon thread checks every ``interval`` seconds whether the parent process id
  has changed (a worker whose parent died is adopted by another process) and exits at once.

Examples
--------
>>> import os
>>> end_with_parent(os.getppid(), start_thread=False)  # the parent is alive: nothing happens
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

__all__ = ["end_with_parent", "parent_token"]

_PR_SET_PDEATHSIG = 1


def parent_token() -> tuple[int, bool]:
    """What a pool passes to its workers: the parent's process id and whether the main thread made the pool."""
    return os.getpid(), threading.current_thread() is threading.main_thread()


def _set_pdeathsig() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no libc prctl: the watcher thread still works
        pass


def end_with_parent(parent_pid: int, main_thread: bool = True, *, interval: float = 0.25,
                    start_thread: bool = True) -> None:
    """End this process when the process ``parent_pid`` ends (call it in a pool worker).

    Parameters
    ----------
    parent_pid : int
        Process id of the parent that created the pool (``os.getpid()`` there).
    main_thread : bool
        Whether the parent created the pool from its main thread (then the kernel's parent-death
        signal is safe to use; from another thread it would fire when that thread ends).
    interval : float
        Seconds between checks of the watcher thread.
    start_thread : bool
        Start the watcher thread (tests may check the immediate case only).
    """
    if main_thread:
        _set_pdeathsig()
    if os.getppid() != parent_pid:  # the parent died before we could ask to follow it
        os._exit(1)
    if not start_thread:
        return

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent_pid:
                os._exit(1)

    threading.Thread(target=watch, name="mentorassess-parent-watch", daemon=True).start()
