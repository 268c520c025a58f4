"""Charts drawn with reportlab graphics: vector, fast, same fonts as the text.

Chart functions take plain numbers (never profiles), so the program and psychometric reports can
reuse them. The competency profile is a Cleveland dot plot, not a radar chart or bars
(``docs/feedback-reports.md`` §3-4): one row per competency on the instrument's full scale, your
own rating as an open diamond, your mentees' average as a filled circle on a shaded band for its
plausible range, and the program's middle half as a grey background. Colour is never the only
cue: shapes differ and the legend uses words, so the chart reads in grayscale print.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Sequence

from reportlab import rl_config
from reportlab.graphics.renderPDF import _PDFRenderer, renderScaledDrawing
from reportlab.graphics.shapes import STATE_DEFAULTS, Circle, Drawing, Group, Line, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from mentorassess.reports import _lean
from mentorassess.reports._lean import pop_state
from mentorassess.reports.pdf import (FONT, FONT_ITALIC, FRAME_WIDTH, PALETTE, font_for_char,
                                      register_fonts, visual)

__all__ = ["DotRow", "dot_plot", "text_group", "diamond", "dot", "legend_item"]


@dataclass(frozen=True)
class DotRow:
    """One row of a dot plot, in scale units; ``None`` means "not shown"."""

    label: str
    self_score: float | None = None
    mean: float | None = None
    low: float | None = None
    high: float | None = None
    band_low: float | None = None
    band_high: float | None = None
    note: str | None = None


def text_group(x: float, y: float, text: str, *, size: float = 8.5, font: str = FONT,
               anchor: str = "start", color=None) -> Group:
    """A line of text as reportlab Strings, one per font run (CJK falls back per glyph run)."""
    runs, widths = _runs(text, font, size)
    total = sum(widths)
    start = x - (total if anchor == "end" else total / 2 if anchor == "middle" else 0)
    g = Group()
    for (f, t), w in zip(runs, widths):
        g.add(String(start, y, t, fontName=f, fontSize=size, fillColor=color or PALETTE["ink"]))
        start += w
    return g


def _text(x: float, y: float, text: str, *, size: float = 8.5, font: str = FONT, anchor: str = "start",
          color=None) -> Group:
    """:func:`text_group`, the same Group object for the same arguments (chart labels, ticks and
    legends recur in every report). Only for charts that add it unchanged to a drawing: rendering
    reads shapes and leaves them as they were."""
    return _text_cached(x, y, text, size, font, anchor, color, (type(x), type(y), type(size), type(color)))


def _forget() -> None:
    """Empty the chart text caches (tests; see ``pdf._forget``)."""
    _text_cached.cache_clear()
    _runs.cache_clear()
    _backdrop_parts.cache_clear()
    _tick_parts.cache_clear()
    _legend_cached.cache_clear()
    _band_cached.cache_clear()
    _lean._forget_records()


@lru_cache(maxsize=8192)
def _text_cached(x, y, text, size, font, anchor, color, _types) -> Group:
    return text_group(x, y, text, size=size, font=font, anchor=anchor, color=color)


@lru_cache(maxsize=4096)
def _runs(text: str, font: str, size: float) -> tuple[tuple[tuple[str, str], ...], tuple[float, ...]]:
    """Font runs of ``text`` and their widths (cached: labels repeat in every report)."""
    register_fonts()
    runs: list[tuple[str, str]] = []
    for ch in visual(text):
        f = font if ch == " " else (font_for_char(ch, font) or font)
        if runs and (runs[-1][0] == f or ch == " "):
            runs[-1] = (runs[-1][0], runs[-1][1] + ch)
        else:
            runs.append((f, ch))
    return tuple(runs), tuple(stringWidth(t, f, size) for f, t in runs)


def diamond(x: float, y: float, r: float = 4.6, *, stroke=None, fill=colors.white) -> Polygon:
    """Open diamond: the self rating."""
    return Polygon([x - r, y, x, y + r, x + r, y, x, y - r], fillColor=fill,
                   strokeColor=stroke or PALETTE["self"], strokeWidth=1.3)


def dot(x: float, y: float, r: float = 3.9, *, fill=None) -> Circle:
    """Filled circle: the mentees' average."""
    return Circle(x, y, r, fillColor=fill or PALETTE["mentee"], strokeColor=colors.white, strokeWidth=0.6)


def legend_item(x: float, y: float, kind: str, label: str, *, size: float = 8.5) -> tuple[Group, float]:
    """A legend entry (marker + words); returns the group and its width."""
    g = Group()
    if kind == "self":
        g.add(diamond(x + 5, y + 3, 4.2))
    elif kind == "mean":
        g.add(dot(x + 5, y + 3, 3.7))
    elif kind == "band":
        g.add(Rect(x, y - 0.5, 12, 7, fillColor=PALETTE["mentee_band"], strokeColor=None))
    elif kind == "program":
        g.add(Rect(x, y - 3, 12, 12, fillColor=PALETTE["program"], strokeColor=None))
    g.add(_text(x + 16, y, label, size=size))
    return g, 16 + stringWidth(label, FONT, size)


def scale_axis(label_width: float, width: float, scale_min: float, scale_max: float):
    """x position of a scale value in a row chart (labels on the left, values clipped to the scale)."""
    x0, x1 = label_width + 8, width - 12
    span = float(scale_max - scale_min) or 1.0

    def xpos(v: float) -> float:
        v = min(max(float(v), scale_min), scale_max)
        return x0 + (v - scale_min) / span * (x1 - x0)

    return xpos


def scale_ticks(d: Drawing, xpos, bottom: float, scale_min: float, scale_max: float,
                anchors: dict) -> None:
    """The scale axis under a chart: the base line, a tick and number per scale point, the anchors."""
    x0, x1 = xpos(scale_min), xpos(scale_max)
    d.add(Line(x0, bottom, x1, bottom, strokeColor=PALETTE["rule"], strokeWidth=0.7))
    for t in range(int(scale_min), int(scale_max) + 1):
        d.add(Line(xpos(t), bottom, xpos(t), bottom - 3, strokeColor=PALETTE["rule"], strokeWidth=0.7))
        d.add(_text(xpos(t), bottom - 11, str(t), size=8, anchor="middle"))
    for value, text in sorted(anchors.items()):
        anchor = "start" if value == scale_min else "end" if value == scale_max else "middle"
        xa = xpos(value) - (3 if anchor == "start" else -3 if anchor == "end" else 0)
        d.add(_text(xa, bottom - 22, text, size=7.8, anchor=anchor, color=PALETTE["muted"]))


def row_backdrop(d: Drawing, n_rows: int, xpos, *, top: float, bottom: float, width: float, row_height: float,
                 scale_min: float, scale_max: float) -> list[float]:
    """Gridlines at every scale value and zebra stripes of a row chart; returns the row centres."""
    for t in range(int(scale_min), int(scale_max) + 1):
        d.add(Line(xpos(t), bottom, xpos(t), top, strokeColor=colors.HexColor("#E4E4E4"), strokeWidth=0.6))
    centres = []
    for i in range(n_rows):
        yc = top - (i + 0.5) * row_height
        if i % 2 == 0:
            d.add(Rect(0, yc - row_height / 2, width, row_height, fillColor=colors.HexColor("#FAFAFA"),
                       strokeColor=None))
        centres.append(yc)
    return centres


def dot_plot(rows: Sequence[DotRow], *, scale_min: float, scale_max: float,
             anchors: Mapping[int, str] | None = None, width: float = FRAME_WIDTH,
             label_width: float = 150, row_height: float = 25, legend: bool = True,
             labels: Mapping[str, str] | None = None) -> Drawing:
    """Cleveland dot plot of self ratings, means with bands and a background band per row.

    Parameters
    ----------
    rows : sequence of DotRow
        Drawn top to bottom in the given order (keep the same order in every report).
    scale_min, scale_max : number
        The axis always spans the instrument's full scale.
    anchors : mapping of scale value to label
        Anchor labels written under the axis (e.g. 1 "Not at all skilled").
    labels : mapping
        Legend words for ``self``, ``mean``, ``band`` and ``program``.
    """
    with _unchecked():  # every value here is a number, a colour or a string
        return _dot_plot(rows, scale_min=scale_min, scale_max=scale_max, anchors=anchors, width=width,
                         label_width=label_width, row_height=row_height, legend=legend, labels=labels)


_UNCHECKED = {"depth": 0, "saved": None}
_UNCHECKED_LOCK = threading.Lock()


@contextmanager
def _unchecked():
    """reportlab's per-attribute validation of shapes (a development aid, a sixth of building a
    chart) switched off inside the block; nested or concurrent blocks restore it once, at the end."""
    with _UNCHECKED_LOCK:
        if _UNCHECKED["depth"] == 0:
            _UNCHECKED["saved"] = rl_config.shapeChecking
            rl_config.shapeChecking = 0
        _UNCHECKED["depth"] += 1
    try:
        yield
    finally:
        with _UNCHECKED_LOCK:
            _UNCHECKED["depth"] -= 1
            if _UNCHECKED["depth"] == 0:
                rl_config.shapeChecking = _UNCHECKED["saved"]


class _LeanRenderer(_PDFRenderer):
    """reportlab's PDF renderer minus a per-node search for derived values (``DerivedValue``
    attributes): the charts here are built from plain numbers, colours and strings only."""

    def fillDerivedValues(self, node):  # noqa: N802 (reportlab API)
        pass


_STATE_KEYS = frozenset(STATE_DEFAULTS)


class _QuickRenderer(_LeanRenderer):
    """:class:`_LeanRenderer` with a shorter walk for the shapes the charts here use.

    For a Group, String, Line, Rect, Polygon or Circle (exact types; anything else goes to
    reportlab's own walk) it makes the same canvas calls in the same order as reportlab's
    ``drawNode``: save the state, apply the node's state attributes (``getStateDelta``: its public
    attributes that are graphics-state keys, in attribute order), draw or recurse, restore. Skipped
    is only bookkeeping that drawing plain shapes never reads: the per-node dictionary of all
    properties, the user-node expansion, the ``_canvas``/``_parent`` links set and deleted on every
    node, the draw-time callback lookup and the isinstance dispatch chain.
    """

    def drawNode(self, node):  # noqa: N802 (reportlab API)
        kind = _QUICK.get(type(node))
        if kind is None:
            return super().drawNode(node)
        if kind >= 2 and _lean.active():  # a shape shared by every chart of its geometry: drawn once
            k = _lean.replay_key(self, node)
            if k is not None:
                if not _lean.replay(self, k):
                    before = _lean.record_start(self, k)
                    self._draw(node, kind)
                    _lean.record_finish(self, k, before)
                return
        self._draw(node, kind)

    def _draw(self, node, kind: int) -> None:
        canvas = self._canvas
        canvas.saveState()
        deltas = {k: v for k, v in node.__dict__.items() if k in _STATE_KEYS}
        tracker = self._tracker
        tracker.push(deltas)
        self.applyStateChanges(deltas, {})
        if kind == 0:
            for child in node.getContents():
                self.drawNode(child)
        elif kind == 1:
            self.drawString(node)
        elif kind == 2:
            if self._stroke:
                canvas.line(node.x1, node.y1, node.x2, node.y2)
        elif kind == 3:
            self.drawRect(node)
        elif kind == 4:
            self.drawPolygon(node)
        else:
            self.drawCircle(node)
        pop_state(tracker)  # reportlab's tracker.pop(), whose result (the undo-delta) is not used here
        canvas.restoreState()


class _Chart(Drawing):
    """A Drawing rendered by :class:`_QuickRenderer` with reportlab's attribute validation off while
    the renderer sets its bookkeeping attributes on each node: the same canvas calls, the same bytes."""

    def draw(self, showBoundary=rl_config._unset_):  # noqa: N803 (reportlab API)
        with _unchecked():
            _QuickRenderer().draw(renderScaledDrawing(self), self.canv, 0, 0,
                                 showBoundary=showBoundary if showBoundary is not rl_config._unset_
                                 else getattr(self, "_showBoundary", rl_config._unset_))


_QUICK: dict = {Group: 0, _Chart: 0, String: 1, Line: 2, Rect: 3, Polygon: 4, Circle: 5}


class _Parts(list):
    """Collects the shapes a chart helper adds (its ``d.add``), in order."""

    def add(self, node, name=None):
        if node is not None:
            self.append(node)


def _types(*values) -> tuple[type, ...]:
    return tuple(map(type, values))


@lru_cache(maxsize=256)
def _backdrop_parts(n_rows, label_width, width, scale_min, scale_max, top, bottom, row_height, _types):
    """:func:`row_backdrop`'s shapes and row centres for one geometry, made once (the same Line and Rect
    objects go into every chart of that geometry: rendering reads shapes and leaves them as they were,
    as with :func:`_text`). ``Group.add`` of each is ``contents.append`` (none is None or named)."""
    parts = _Parts()
    centres = row_backdrop(parts, n_rows, scale_axis(label_width, width, scale_min, scale_max), top=top, bottom=bottom,
                           width=width, row_height=row_height, scale_min=scale_min, scale_max=scale_max)
    _lean.register_shared(parts)
    return tuple(parts), tuple(centres)


@lru_cache(maxsize=256)
def _tick_parts(label_width, width, bottom, scale_min, scale_max, anchors, _types):
    """:func:`scale_ticks`'s shapes for one geometry and set of anchors, made once (see :func:`_backdrop_parts`)."""
    parts = _Parts()
    scale_ticks(parts, scale_axis(label_width, width, scale_min, scale_max), bottom, scale_min, scale_max,
                dict(anchors))
    _lean.register_shared(parts)
    return tuple(parts)


@lru_cache(maxsize=256)
def _legend_cached(x, y, kind, text, _types) -> Group:
    """:func:`legend_item`'s group (size 8.3) for these arguments, made once (see :func:`_backdrop_parts`)."""
    g = legend_item(x, y, kind, text, size=8.3)[0]
    _lean.register_shared([g])
    return g


@lru_cache(maxsize=1024)
def _band_cached(x, y, w, h, _types) -> Rect:
    """The program band of a row (the same in every report of a program), made once (see :func:`_backdrop_parts`)."""
    r = Rect(x, y, w, h, fillColor=PALETTE["program"], strokeColor=None)
    _lean.register_shared([r])
    return r


def _note_lines(note: str | None, label_width: float) -> tuple[float, list[str]]:
    """A row's italic note kept inside the label column: 7.5 pt, narrowed down to 6.5 pt where
    that makes it fit, else wrapped (two lines at most); it never reaches into the plot."""
    if not note:
        return 7.5, []
    size = 7.5
    wide = stringWidth(note, FONT_ITALIC, size)
    if wide > label_width:
        size = max(6.5, size * label_width / wide)
    return size, simpleSplit(note, FONT_ITALIC, size, label_width)[:2]


def _dot_plot(rows, *, scale_min, scale_max, anchors, width, label_width, row_height, legend, labels) -> Drawing:
    register_fonts()
    words = {"self": "you", "mean": "your mentees' average", "band": "plausible range of that average",
             "program": "middle half of mentors in this program (their mentees' ratings)"}
    words.update(labels or {})
    anchors = dict(anchors or {})
    n = len(rows)
    legend_groups: list[Group] = []
    if legend:
        entries = [("self", words["self"])] if any(r.self_score is not None for r in rows) else []
        if any(r.mean is not None for r in rows):
            entries += [("mean", words["mean"]), ("band", words["band"])]
        if any(r.band_low is not None for r in rows):
            entries.append(("program", words["program"]))
        placed: list[tuple[int, float, str, str]] = []  # (line, x, kind, text)
        line, lx = 0, 0.0
        for kind, text in entries:
            w = 16 + stringWidth(text, FONT, 8.3)
            if lx > 0 and lx + w > width:
                line, lx = line + 1, 0.0
            placed.append((line, lx, kind, text))
            lx += w + 14
        n_lines = (placed[-1][0] + 1) if placed else 0
        legend_h = 14 * n_lines + 8 if n_lines else 0
    else:
        placed, legend_h = [], 0
    axis_h = 30 if anchors else 18
    height = legend_h + n * row_height + axis_h
    d = _Chart(width, height)
    lean = _lean.active()
    for line, lx, kind, text in placed:
        y = height - 9 - 14 * line
        legend_groups.append(_legend_cached(lx, y, kind, text, _types(lx, y)) if lean
                             else legend_item(lx, y, kind, text, size=8.3)[0])
    xpos = scale_axis(label_width, width, scale_min, scale_max)
    top = height - legend_h
    bottom = axis_h
    if lean:  # gridlines and stripes: the same shapes for the same geometry (see _backdrop_parts)
        shapes, centres = _backdrop_parts(len(rows), label_width, width, scale_min, scale_max, top, bottom,
                                          row_height, _types(label_width, width, scale_min, scale_max, top,
                                                             bottom, row_height))
        d.contents.extend(shapes)
    else:
        centres = row_backdrop(d, len(rows), xpos, top=top, bottom=bottom, width=width, row_height=row_height,
                               scale_min=scale_min, scale_max=scale_max)
    for row, yc in zip(rows, centres):
        if row.band_low is not None and row.band_high is not None:
            band = (xpos(row.band_low), yc - row_height * 0.36, xpos(row.band_high) - xpos(row.band_low),
                    row_height * 0.72)
            if lean:  # the program's band: the same in every report of the program
                d.contents.append(_band_cached(*band, _types(*band)))
            else:
                d.add(Rect(*band, fillColor=PALETTE["program"], strokeColor=None))
        # label, wrapped to two lines at most
        lines = simpleSplit(visual(row.label), FONT, 8.5, label_width)[:2]
        note_size, extra = _note_lines(row.note, label_width)
        block = len(lines) * 10 + len(extra) * 9
        ly = yc + block / 2 - 8
        for line in lines:
            d.add(_text(0, ly, line, size=8.5))
            ly -= 10
        for note in extra:
            d.add(_text(0, ly + 1, note, size=note_size, font=FONT_ITALIC, color=PALETTE["muted"]))
            ly -= 9
        if row.mean is not None and row.low is not None and row.high is not None:
            d.add(Rect(xpos(row.low), yc - 3.6, xpos(row.high) - xpos(row.low), 7.2,
                       fillColor=PALETTE["mentee_band"], strokeColor=None))
        if row.mean is not None and row.self_score is not None:
            d.add(Line(xpos(row.self_score), yc, xpos(row.mean), yc, strokeColor=PALETTE["previous"],
                       strokeWidth=0.8))
        ys, ym = yc, yc
        if row.mean is not None and row.self_score is not None and abs(xpos(row.mean) - xpos(row.self_score)) < 9:
            ys, ym = yc + 4.2, yc - 3.2  # markers never hide each other: the diamond sits just above the circle
        if row.mean is not None:
            d.add(dot(xpos(row.mean), ym))
        if row.self_score is not None:
            d.add(diamond(xpos(row.self_score), ys))
    # axis
    if lean:
        d.contents.extend(_tick_parts(label_width, width, bottom, scale_min, scale_max, tuple(sorted(anchors.items())),
                                      _types(label_width, width, bottom, scale_min, scale_max, *anchors)))
    else:
        scale_ticks(d, xpos, bottom, scale_min, scale_max, anchors)
    # legend (only what is drawn), laid out above the rows
    for g in legend_groups:
        d.add(g)
    return d

