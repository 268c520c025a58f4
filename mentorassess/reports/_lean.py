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
* :func:`dictionary_format`: ``PDFDictionary.format`` with each key's PDF name formatted once per process.
* :func:`tounicode_cmap`: reportlab's ``ttfonts.makeToUnicodeCMap`` remembered per (subset name,
  subset): the same string, made once per distinct font subset of a process.
* Chart replay (:func:`replay_key`, :func:`replay`, :func:`record_start`, :func:`record_finish`): the
  canvas code of a chart shape that every chart of its geometry shares, drawn once and appended again
  (see "Recorded chart shapes" below).

The module also holds the document template and canvas of every mentorassess PDF
(:class:`DocTemplate`, :class:`NumberedCanvas`, :func:`page_canvas`; used by ``pdf.build_pdf``).

They depend on reportlab internals that are checked here once (:func:`compatible`): the reportlab
version this package is tested with (``constraints.txt``) and the shapes of the functions and classes
the shortcuts stand in for. If a check fails, :data:`ENABLED` is switched off with a warning and every
caller takes reportlab's plain path. Setting ``ENABLED = False`` (tests), or the environment variable
``MENTORASSESS_REPORTLAB_SHORTCUTS=0`` before the import, does the same on purpose.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import io
import os
import re
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from reportlab import Version as _RL_VERSION
from reportlab import rl_config
from reportlab.graphics.renderbase import StateTracker
from reportlab.graphics.shapes import Circle, Line, Polygon, Rect
from reportlab.lib.abag import ABag
from reportlab.pdfbase import pdfdoc, ttfonts
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate
from reportlab.platypus import flowables as _flowables
from reportlab.platypus.frames import Frame

__all__ = ["ENABLED", "compatible", "active", "CheapCopyFrame", "use_cheap_frames", "tounicode_cmap",
           "install_cmap", "pop_state", "clone_frags", "pdfdoc_enc", "install_pdfdoc_enc", "dictionary_format",
           "register_shared", "replay_key", "replay", "record_start", "record_finish", "DocTemplate",
           "NumberedCanvas", "page_canvas", "Stamp", "forget"]

TESTED_VERSIONS = ("5.1.0",)

#: The switch: ``False`` sends every caller of this module down reportlab's plain path. Off from the
#: start when the environment sets ``MENTORASSESS_REPORTLAB_SHORTCUTS=0``.
ENABLED = os.environ.get("MENTORASSESS_REPORTLAB_SHORTCUTS", "1").strip().lower() not in ("0", "false", "no", "off")


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
    try:
        src = inspect.getsource(_PLAIN_DICT_FORMAT).encode()
        if hashlib.sha256(src).hexdigest()[:16] != _DICT_FORMAT_SOURCE:
            out.append("pdfdoc.PDFDictionary.format differs from reportlab 5.1.0's")
    except (OSError, TypeError):
        out.append("pdfdoc.PDFDictionary.format not found")
    probe = StateTracker()
    probe.push({"strokeWidth": 2})
    if set(vars(probe)) != {"_combined", "_deltas"} or len(probe._combined) != 2 or len(probe._deltas) != 1:
        out.append("renderbase.StateTracker keeps its stacks differently")
    # what the chart replay reads and sets on the renderer, the canvas and its document
    from reportlab.graphics.renderPDF import _PDFRenderer

    canvas, renderer = Canvas(io.BytesIO()), _PDFRenderer()
    ext = getattr(canvas, "_extgstate", None)
    if not (type(getattr(canvas, "_code", None)) is list and isinstance(getattr(ext, "_d", None), dict)
            and isinstance(getattr(ext, "_c", None), dict) and hasattr(canvas, "_fillMode")
            and hasattr(canvas, "_enforceColorSpace") and hasattr(canvas._doc, "_pdfVersion")
            and hasattr(renderer, "_fill") and hasattr(renderer, "_stroke")):
        out.append("the canvas, its document or the PDF renderer keep their drawing state differently")
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
    :func:`pdfdoc_enc`, and format dictionaries through :func:`dictionary_format`. Idempotent; the
    same bytes either way."""
    if compatible():
        if pdfdoc.pdfdocEnc is _PLAIN_ENC:
            pdfdoc.pdfdocEnc = pdfdoc_enc
        if pdfdoc.PDFDictionary.__dict__.get("format") is _PLAIN_DICT_FORMAT:
            pdfdoc.PDFDictionary.format = dictionary_format


_PLAIN_DICT_FORMAT = pdfdoc.PDFDictionary.__dict__["format"]
_DICT_FORMAT_SOURCE = "cadcf492fbf044b9"  # sha256 (first 16 hex) of its source in reportlab 5.1.0
_NAMES: dict[str, bytes] = {}  # dictionary key -> its formatted PDF name


def dictionary_format(self, document, IND=b"\n "):  # noqa: N803 (reportlab API)
    """``PDFDictionary.format`` (reportlab 5.1.0's code) with each string key's formatted name
    (``format(PDFName(key))``: the same bytes for a key in any document) made once per process: a
    feedback PDF formats about 170 keys, of some 60 distinct names."""
    if not active():
        return _PLAIN_DICT_FORMAT(self, document, IND)
    d = self.dict
    try:
        keys = list(d.keys())
    except Exception:  # reportlab prints the dictionary and raises: let it
        return _PLAIN_DICT_FORMAT(self, document, IND)
    if not isinstance(d, OrderedDict):
        keys.sort()
    fmt = pdfdoc.format
    names = _NAMES
    parts = []
    for k in keys:
        name = names.get(k) if type(k) is str else None
        if name is None:
            name = fmt(pdfdoc.PDFName(k), document)
            if type(k) is str and len(names) < 4096:
                names[k] = name
        parts.append(name + b" " + fmt(d[k], document))
    if (self.multiline and rl_config.pdfMultiLine) or self.multiline == "forced":
        body = IND.join(parts)
    else:
        # break up every 6 elements anyway
        for i in reversed(range(6, len(parts), 6)):
            parts.insert(i, b"\n ")
        body = b" ".join(parts)
    return b"<<\n" + body + b"\n>>"


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


# --- Recorded chart shapes -------------------------------------------------------------------------
# A dot plot's gridlines, stripes, axis and legend marks are the same shape objects in every chart of a
# geometry (``charts._backdrop_parts`` and friends make them once). Drawing one of them (save the state,
# set its colours and widths, draw it, restore the state) appends the same PDF operators to the canvas
# every time, given the same renderer and canvas state before it. These functions record those operators
# the first time and append the recorded ones afterwards.
#
# The record of a shape is keyed by the shape object (kept alive here, so its ``id`` stays its own) and
# everything of the state before it that the drawing reads: the renderer's fill and stroke flags (which
# reportlab leaves set after a shape), the canvas's fill mode and colour-space hook, its transparency
# state and the transparency states the document has named, and the document's PDF version. A record is
# kept only if drawing the shape changed nothing but the canvas code, those two flags and the PDF version
# (the three are set as recorded when it is replayed); a shape whose drawing touched anything else (a new
# transparency state, a colour separation, any other attribute) is always drawn. Only leaves (lines,
# rectangles, polygons, circles) are recorded: text depends on the document's font subsets.
_LEAVES = frozenset({Line, Rect, Polygon, Circle})
_STATIC: dict[int, object] = {}  # id -> shape, for the shared shapes (kept alive: ids stay unique)
_DONE: dict[tuple, tuple] = {}  # key -> (code lines, fill flag, stroke flag, PDF version) after drawing
_REFUSED: set[tuple] = set()  # keys whose drawing changed more than we replay
_MAX = 16384
_MISSING = object()


def register_shared(shapes) -> None:
    """Mark ``shapes`` (and the leaves inside groups among them) as shared: never changed after this."""
    if len(_STATIC) >= _MAX:
        _forget_records()
    for s in shapes:
        if type(s) in _LEAVES:
            _STATIC[id(s)] = s
        else:
            register_shared(getattr(s, "contents", ()))


def replay_key(renderer, node) -> tuple | None:
    """The record key of drawing ``node`` now, or ``None`` if ``node`` is not a registered shared leaf."""
    if _STATIC.get(id(node)) is not node:
        return None
    canvas = renderer._canvas
    return (id(node), renderer._fill, renderer._stroke, canvas._fillMode, canvas._enforceColorSpace,
            tuple(canvas._extgstate._d.items()), tuple(canvas._extgstate._c.items()), canvas._doc._pdfVersion,
            rl_config.invariant)


def replay(renderer, k: tuple) -> bool:
    """Append the recorded drawing for ``k`` and set what it set; ``False`` if there is none."""
    hit = _DONE.get(k)
    if hit is None:
        return False
    code, renderer._fill, renderer._stroke, version = hit
    canvas = renderer._canvas
    canvas._code.extend(code)
    doc = canvas._doc
    if doc._pdfVersion != version:
        doc._pdfVersion = version
    return True


def record_start(renderer, k: tuple):
    """What :func:`record_finish` compares with after drawing (``None``: this key is not recorded)."""
    if k in _REFUSED:
        return None
    canvas = renderer._canvas
    return (len(canvas._code), dict(vars(canvas)), dict(vars(canvas._doc)), dict(vars(renderer)),
            len(canvas._extgstate._c), dict(canvas._extgstate._d))


def _changed(now: dict, before: dict) -> set[str]:
    out = {k for k, v in now.items() if before.get(k, _MISSING) is not v}
    return out | (before.keys() - now.keys())


def record_finish(renderer, k: tuple, before) -> None:
    """Record the drawing just made for ``k`` if it changed only what :func:`replay` sets."""
    if before is None:
        return
    n0, canvas_attrs, doc_attrs, renderer_attrs, n_states, ext = before
    canvas = renderer._canvas
    if (_changed(vars(canvas), canvas_attrs) - {"_code"} or _changed(vars(canvas._doc), doc_attrs) - {"_pdfVersion"}
            or _changed(vars(renderer), renderer_attrs) - {"_fill", "_stroke"}
            or len(canvas._extgstate._c) != n_states or canvas._extgstate._d != ext):
        _REFUSED.add(k)
        return
    if len(_DONE) >= _MAX:
        _DONE.clear()
    _DONE[k] = (tuple(canvas._code[n0:]), renderer._fill, renderer._stroke, canvas._doc._pdfVersion)


def _forget_records() -> None:
    """Drop every chart record and registration (tests; and when the registry is full)."""
    _STATIC.clear()
    _DONE.clear()
    _REFUSED.clear()


# --- The document template and canvas of every mentorassess PDF --------------------------------------
@dataclass(frozen=True)
class Stamp:
    """Stand-in for reportlab's TimeStamp: a fixed UTC creation date."""

    YMDhms: tuple[int, int, int, int, int, int]
    dhh: int = 0
    dmm: int = 0
    t: float = 0.0
    tzname: str = "UTC"


class NumberedCanvas(Canvas):
    """Defers page output to draw "page n of N" footers (``footer(canvas, page, total)``); stamps a
    fixed creation date (``stamp``). One class for every document (made per document, the class
    itself cost more than a page's footer); ``pdf.build_pdf`` hands reportlab a ``partial`` of it."""

    def __init__(self, *args, footer: Callable[[Canvas, int, int], None], stamp: Stamp, **kwargs):
        super().__init__(*args, **kwargs)
        # reportlab seeds the file ID with the clock or SOURCE_DATE_EPOCH: seed it with the
        # report date instead, so the bytes depend on the content and the date only.
        doc = self._doc
        doc._timeStamp = stamp
        doc.signature = hashlib.md5(usedforsecurity=False)
        doc.signature.update(b"a reportlab document")
        doc.signature.update(ascii(stamp.t).encode("ascii"))
        self._footer = footer
        self._saved: list[dict] = []

    def showPage(self):  # noqa: N802 (reportlab API)
        self._saved.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._saved)
        footer = self._footer
        for i, state in enumerate(self._saved, start=1):
            self.__dict__.update(state)
            footer(self, i, total)
            super().showPage()
        super().save()


def page_canvas(footer: Callable[[Canvas, int, int], None], stamp: Stamp) -> Callable[..., Canvas]:
    """The canvas maker of a document: :class:`NumberedCanvas` with this footer and creation date."""
    return functools.partial(NumberedCanvas, footer=footer, stamp=stamp)


class DocTemplate(SimpleDocTemplate):
    """reportlab's SimpleDocTemplate whose frame copies itself cheaply for ``KeepTogether``
    (:class:`CheapCopyFrame`; the same layout, the same bytes)."""

    def addPageTemplates(self, pageTemplates):  # noqa: N802, N803 (reportlab API)
        super().addPageTemplates(pageTemplates)
        use_cheap_frames(self.pageTemplates)


def forget() -> None:
    """Empty this module's caches (tests)."""
    _cmap.cache_clear()
    _forget_records()
