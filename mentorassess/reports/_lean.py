"""Shortcuts through reportlab internals that give reportlab's own bytes (issue 24, round 6).

Each one replaces a piece of reportlab work by a cheaper route to the same result:

* :class:`CheapCopyFrame`: the doc template's Frame with a ``__deepcopy__`` that does what
  :func:`copy.deepcopy` does for a Frame (a new instance, the same attributes, mutable ones deep-copied)
  without the generic reduce/reconstruct machinery. ``KeepTogether.wrap`` deep-copies the frame on
  every call (``reportlab.platypus.flowables._listWrapOn``); that copy was 2.5 % of a feedback report.
* :func:`pop_state`: ``StateTracker.pop`` without the undo-delta it computes (a comparison of every
  changed value, colours in Python) for the chart walk, which never uses it.
* :func:`tounicode_cmap`: reportlab's ``ttfonts.makeToUnicodeCMap`` remembered per (subset name,
  subset): the same string, made once per distinct font subset of a process.

They depend on reportlab internals that are checked here once (:func:`compatible`): the reportlab
version this package is tested with (``constraints.txt``) and the shapes of the functions and classes
the shortcuts stand in for. If a check fails, :data:`ENABLED` is switched off with a warning and every
caller takes reportlab's plain path. Setting ``ENABLED = False`` (tests) does the same on purpose.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from functools import lru_cache

from reportlab import Version as _RL_VERSION
from reportlab.graphics.renderbase import StateTracker
from reportlab.pdfbase import ttfonts
from reportlab.platypus import flowables as _flowables
from reportlab.platypus.frames import Frame

__all__ = ["ENABLED", "compatible", "active", "CheapCopyFrame", "use_cheap_frames", "tounicode_cmap", "install_cmap",
           "pop_state"]

TESTED_VERSIONS = ("5.1.0",)

#: The switch: ``False`` sends every caller of this module down reportlab's plain path.
ENABLED = True


def _problems() -> list[str]:
    """What differs from the reportlab internals the shortcuts were written against (empty: nothing)."""
    out = []
    if _RL_VERSION not in TESTED_VERSIONS:
        out.append(f"reportlab {_RL_VERSION} (tested: {', '.join(TESTED_VERSIONS)})")
    try:
        src = inspect.getsource(_flowables._listWrapOn)
        if "deepcopy(doct_frame)" not in src or "_generated_content" not in src:
            out.append("flowables._listWrapOn no longer deep-copies the frame as expected")
    except (OSError, TypeError, AttributeError):
        out.append("flowables._listWrapOn not found")
    if any(hasattr(c, "__deepcopy__") or "__slots__" in c.__dict__ or "__setstate__" in c.__dict__
           or "__reduce_ex__" in c.__dict__ or "__reduce__" in c.__dict__ for c in Frame.__mro__[:-1]):
        out.append("Frame defines its own copying")
    try:
        params = list(inspect.signature(ttfonts.makeToUnicodeCMap).parameters)
        if params != ["fontname", "subset"]:
            out.append(f"ttfonts.makeToUnicodeCMap{tuple(params)}")
    except (TypeError, ValueError, AttributeError):
        out.append("ttfonts.makeToUnicodeCMap not found")
    probe = StateTracker()
    probe.push({"strokeWidth": 2})
    if set(vars(probe)) != {"_combined", "_deltas"} or len(probe._combined) != 2 or len(probe._deltas) != 1:
        out.append("renderbase.StateTracker keeps its stacks differently")
    return out


def pop_state(tracker) -> None:
    """``tracker.pop()`` for a caller that does not use its result (the state changes that would undo
    the last push): only the two stacks are stepped back, without comparing every changed value."""
    if active():
        del tracker._combined[-1]
        del tracker._deltas[-1]
    else:
        tracker.pop()


@lru_cache(maxsize=None)
def compatible() -> bool:
    """Whether reportlab's internals are the ones the shortcuts stand in for (checked once; warns if not)."""
    problems = _problems()
    if problems:
        warnings.warn("mentorassess: reportlab shortcuts off (plain path taken): " + "; ".join(problems),
                      RuntimeWarning, stacklevel=2)
    return not problems


def active() -> bool:
    """Whether the shortcuts are used now: switched on and reportlab as expected."""
    return ENABLED and compatible()


# Values deepcopy returns as they are (copy._deepcopy_atomic): kept without a call.
_ATOMIC = frozenset({int, float, str, bool, type(None), bytes, complex})


class CheapCopyFrame(Frame):
    """A reportlab Frame whose deep copy is made directly: a new instance of the same class whose
    attributes are this frame's, in the same order, each deep-copied (numbers and strings, which
    deepcopy returns as they are, are taken as they are). That is what ``copy.deepcopy`` makes of a
    Frame (no ``__slots__``, no ``__setstate__``: its ``__dict__`` deep-copied onto a new instance)."""

    def __deepcopy__(self, memo):
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        atomic = _ATOMIC
        deep = copy.deepcopy
        state = new.__dict__  # Frame.__setattr__ recomputes geometry: fill the dict directly
        for key, value in self.__dict__.items():
            state[key] = value if type(value) in atomic else deep(value, memo)
        return new


def use_cheap_frames(templates) -> None:
    """Give the plain Frames of ``templates`` (PageTemplates) the cheap deep copy, in place (their
    class only: every attribute stays). Nothing happens when the shortcuts are off."""
    if not active():
        return
    for t in templates:
        for f in getattr(t, "frames", ()):
            if type(f) is Frame:  # (Frame.__setattr__ would store __class__ in the instance dict)
                object.__setattr__(f, "__class__", CheapCopyFrame)


@lru_cache(maxsize=1024)
def _cmap(fontname: str, subset: tuple[int, ...]) -> str:
    return _PLAIN_CMAP(fontname, list(subset))


_PLAIN_CMAP = ttfonts.makeToUnicodeCMap


def tounicode_cmap(fontname, subset):
    """``ttfonts.makeToUnicodeCMap(fontname, subset)``, remembered per (name, subset) while active."""
    if type(fontname) is str and active():
        return _cmap(fontname, tuple(subset))
    return _PLAIN_CMAP(fontname, subset)


def install_cmap() -> None:
    """Let reportlab's TTFont.addObjects make its ToUnicode maps through :func:`tounicode_cmap`
    (it looks ``makeToUnicodeCMap`` up in ``reportlab.pdfbase.ttfonts`` on each call). Idempotent;
    the maps are the same strings either way, so other reportlab users in the process see no change."""
    if ttfonts.makeToUnicodeCMap is _PLAIN_CMAP and compatible():
        ttfonts.makeToUnicodeCMap = tounicode_cmap


def forget() -> None:
    """Empty this module's caches (tests)."""
    _cmap.cache_clear()
