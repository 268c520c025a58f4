"""Recorded drawing of the chart shapes every report shares (issue 24, round 6): same canvas code, drawn once.

A dot plot's gridlines, stripes, axis and legend marks are the same shape objects in every chart of a
geometry (``charts._backdrop_parts`` and friends make them once). Drawing one of them (save the state,
set its colours and widths, draw it, restore the state) appends the same PDF operators to the canvas
every time, given the same renderer and canvas state before it. This module records those operators
the first time and appends the recorded ones afterwards.

The record of a shape is keyed by the shape object (kept alive here, so its ``id`` stays its own) and
everything of the state before it that the drawing reads: the renderer's fill and stroke flags (which
reportlab leaves set after a shape), the canvas's fill mode and colour-space hook, its transparency
state and the transparency states the document has named, and the document's PDF version. A record is
kept only if drawing the shape changed nothing but the canvas code, those two flags and the PDF version
(the three are set as recorded when it is replayed); a shape whose drawing touched anything else (a new
transparency state, a colour separation, any other attribute) is always drawn. Only leaves (lines,
rectangles, polygons, circles) are recorded: text depends on the document's font subsets.
"""

from __future__ import annotations

from reportlab import rl_config
from reportlab.graphics.shapes import Circle, Line, Polygon, Rect

__all__ = ["register", "key", "replay", "start", "finish", "forget"]

_LEAVES = frozenset({Line, Rect, Polygon, Circle})
_STATIC: dict[int, object] = {}  # id -> shape, for the shared shapes (kept alive: ids stay unique)
_DONE: dict[tuple, tuple] = {}  # key -> (code lines, fill flag, stroke flag, PDF version) after drawing
_REFUSED: set[tuple] = set()  # keys whose drawing changed more than we replay
_MAX = 16384
_MISSING = object()


def register(shapes) -> None:
    """Mark ``shapes`` (and the leaves inside groups among them) as shared: never changed after this."""
    if len(_STATIC) >= _MAX:
        forget()
    for s in shapes:
        if type(s) in _LEAVES:
            _STATIC[id(s)] = s
        else:
            register(getattr(s, "contents", ()))


def key(renderer, node) -> tuple | None:
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


def start(renderer, k: tuple):
    """What :func:`finish` compares with after drawing (``None``: this key is not recorded)."""
    if k in _REFUSED:
        return None
    canvas = renderer._canvas
    return (len(canvas._code), dict(vars(canvas)), dict(vars(canvas._doc)), dict(vars(renderer)),
            len(canvas._extgstate._c), dict(canvas._extgstate._d))


def _changed(now: dict, before: dict) -> set[str]:
    out = {k for k, v in now.items() if before.get(k, _MISSING) is not v}
    return out | (before.keys() - now.keys())


def finish(renderer, k: tuple, before) -> None:
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


def forget() -> None:
    """Drop every record and registration (tests; and when the registry is full)."""
    _STATIC.clear()
    _DONE.clear()
    _REFUSED.clear()
