"""Shortcuts through reportlab internals that give reportlab's own bytes (issue 24, round 6).

Each one replaces a piece of reportlab work by a cheaper route to the same result:

* :class:`CheapCopyFrame`: the doc template's Frame with a ``__deepcopy__`` that does what
  :func:`copy.deepcopy` does for a Frame (a new instance, the same attributes, mutable ones deep-copied)
  without the generic reduce/reconstruct machinery. ``KeepTogether.wrap`` deep-copies the frame on
  every call (``reportlab.platypus.flowables._listWrapOn``); that copy was 2.5 % of a feedback report.
* :func:`pop_state`: ``StateTracker.pop`` without the undo-delta it computes (a comparison of every
  changed value, colours in Python) for the chart walk, which never uses it.
* :func:`clone_frags`: paragraph fragments copied without ``ABag.clone``'s keyword round trip
  (each paragraph of a report gets its own copies of the remembered parse).
* :func:`pdfdoc_enc`: PDFDocEncoding of ASCII text by the C ``ascii`` codec (the same bytes).
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
import re

from reportlab.graphics.renderbase import StateTracker
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.platypus import flowables as _flowables
from reportlab.platypus.frames import Frame

__all__ = ["ENABLED", "compatible", "active", "CheapCopyFrame", "use_cheap_frames", "tounicode_cmap", "install_cmap",
           "pop_state", "clone_frags", "pdfdoc_enc", "install_pdfdoc_enc"]

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
        params = list(inspect.signature(_PLAIN_CMAP).parameters)
        if params != ["fontname", "subset"]:
            out.append(f"ttfonts.makeToUnicodeCMap{tuple(params)}")
    except (TypeError, ValueError, AttributeError):
        out.append("ttfonts.makeToUnicodeCMap not found")
    if (ABag.__dict__.get("clone") is None or "__slots__" in ABag.__dict__
            or "n = self.__class__(**self.__dict__)" not in inspect.getsource(ABag.clone)):
        out.append("ABag.clone no longer makes a new bag from the attributes")
    try:
        if "x.encode('extpdfdoc') if isinstance(x,str) else x" not in inspect.getsource(_PLAIN_ENC):
            out.append("pdfdoc.pdfdocEnc is not the expected encoder")
        if any(_PLAIN_ENC(chr(i)) != bytes([i]) for i in range(128) if not 24 <= i <= 31):
            out.append("the extpdfdoc codec does not map ASCII to itself")
    except (OSError, TypeError, UnicodeError):
        out.append("pdfdoc.pdfdocEnc not as expected")
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


def clone_frags(frags) -> list:
    """``[f.clone() for f in frags]`` for reportlab's paragraph fragments (ABag subclasses without an
    ``__init__`` of their own): each clone is a new instance of the same class with a copy of the
    attributes, which is what ``ABag.clone`` makes (``cls(**attrs)``, ABag.__init__ updating the
    instance dict), without the keyword round trip."""
    if not active():
        return [f.clone() for f in frags]
    out = []
    new = object.__new__
    for f in frags:
        cls = type(f)
        if cls.__init__ is _ABAG_INIT and cls.clone is _ABAG_CLONE:
            c = new(cls)
            c.__dict__.update(f.__dict__)
            out.append(c)
        else:
            out.append(f.clone())
    return out


_ABAG_INIT, _ABAG_CLONE = ABag.__init__, ABag.clone
_PLAIN_ENC = pdfdoc.pdfdocEnc
_NOT_ASCII_IDENTITY = re.compile("[\x18-\x1f]")  # the ASCII characters extpdfdoc cannot encode


def pdfdoc_enc(x):
    """``pdfdoc.pdfdocEnc``: text encoded to PDFDocEncoding (reportlab's ``extpdfdoc`` codec), bytes
    as they are. ASCII text without the eight characters that codec refuses (24-31) is encoded by the
    ``ascii`` codec in C: the codec maps every other ASCII character to itself (checked by
    :func:`compatible`), and page streams (ASCII85 text of 10-20 kB) are most of what it encodes."""
    if type(x) is str and x.isascii() and _NOT_ASCII_IDENTITY.search(x) is None and active():
        return x.encode("ascii")
    return _PLAIN_ENC(x)


def install_pdfdoc_enc() -> None:
    """Let reportlab's PDF serialiser (``pdfdoc.format`` and the objects' ``format`` methods, which
    look ``pdfdocEnc`` up in ``reportlab.pdfbase.pdfdoc`` on each call) encode through
    :func:`pdfdoc_enc`. Idempotent; the same bytes either way."""
    if pdfdoc.pdfdocEnc is _PLAIN_ENC and compatible():
        pdfdoc.pdfdocEnc = pdfdoc_enc


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
