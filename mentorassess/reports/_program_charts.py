"""Charts of the program and psychometric reports (reportlab vector graphics; plain numbers in).

* :func:`strip_plot`: one row per competency, unnamed mentor-level means as small open circles
  (stacked where they coincide, never jittered at random), the middle half as a grey box and the
  median as a bar, on the instrument's full scale.
* :func:`wave_plot`: pre and post in one chart: per competency, the program mean of each wave
  (mentees: filled circle with its 95% interval; self-ratings: open diamond), waves one above
  the other in the same row.
* :func:`scree_plot`: observed eigenvalues against the parallel-analysis threshold.

Nothing here computes a statistic; the caller passes the quartiles it got from the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect
from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit

from mentorassess.reports.charts import row_backdrop, scale_axis, scale_ticks, text_group
from mentorassess.reports.pdf import FONT, FRAME_WIDTH, PALETTE, register_fonts, visual

__all__ = ["StripRow", "strip_plot", "scree_plot", "WaveRow", "wave_plot"]


@dataclass(frozen=True)
class StripRow:
    label: str
    values: tuple[float, ...]
    p25: float | None = None
    p50: float | None = None
    p75: float | None = None


def _rows_frame(n_rows: int, legend_h: float, with_anchors: bool, scale_min: float, scale_max: float,
                width: float, label_width: float, row_height: float):
    """A drawing with a legend band on top, ``n_rows`` row backdrops and room for the scale axis:
    (drawing, x position of a scale value, row centres, axis baseline, height)."""
    register_fonts()
    axis_h = 30 if with_anchors else 18
    height = legend_h + n_rows * row_height + axis_h
    d = Drawing(width, height)
    xpos = scale_axis(label_width, width, scale_min, scale_max)
    top, bottom = height - legend_h, axis_h
    centres = row_backdrop(d, n_rows, xpos, top=top, bottom=bottom, width=width, row_height=row_height,
                           scale_min=scale_min, scale_max=scale_max)
    return d, xpos, centres, bottom, height


def strip_plot(rows: Sequence[StripRow], *, scale_min: float, scale_max: float,
               anchors: Mapping[int, str] | None = None, width: float = FRAME_WIDTH,
               label_width: float = 150, row_height: float = 30) -> Drawing:
    """Strip plot of mentor means per competency with the middle half and the median."""
    anchors = dict(anchors or {})
    d, xpos, centres, bottom, height = _rows_frame(len(rows), 18, bool(anchors), scale_min, scale_max, width,
                                                   label_width, row_height)
    for row, yc in zip(rows, centres):
        lines = simpleSplit(visual(row.label), FONT, 8.5, label_width)[:2]
        ly = yc + len(lines) * 5 - 8
        for line in lines:
            d.add(text_group(0, ly, line, size=8.5))
            ly -= 10
        if row.p25 is not None and row.p75 is not None:
            d.add(Rect(xpos(row.p25), yc - row_height * 0.38, xpos(row.p75) - xpos(row.p25), row_height * 0.76,
                       fillColor=PALETTE["program"], strokeColor=None))
        if row.p50 is not None:
            d.add(Line(xpos(row.p50), yc - row_height * 0.42, xpos(row.p50), yc + row_height * 0.42,
                       strokeColor=PALETTE["ink"], strokeWidth=1.6))
        # stack coinciding values (rounded to the drawing's resolution) upwards and downwards
        seen: dict[int, int] = {}
        for v in sorted(row.values):
            px = round(xpos(v) / 3)
            k = seen.get(px, 0)
            seen[px] = k + 1
            off = ((k + 1) // 2) * 3.2 * (1 if k % 2 else -1)
            off = max(-row_height * 0.4, min(row_height * 0.4, off))
            d.add(Circle(xpos(v), yc + off, 2.1, fillColor=colors.white, strokeColor=PALETTE["mentee"],
                         strokeWidth=0.9))
    scale_ticks(d, xpos, bottom, scale_min, scale_max, anchors)
    # legend
    lx, ly = 0, height - 11
    d.add(Circle(lx + 4, ly + 3, 2.1, fillColor=colors.white, strokeColor=PALETTE["mentee"], strokeWidth=0.9))
    d.add(text_group(lx + 10, ly, "one mentor (mentees' average)", size=8.2))
    lx = 175
    d.add(Rect(lx, ly - 2, 12, 10, fillColor=PALETTE["program"], strokeColor=None))
    d.add(text_group(lx + 16, ly, "middle half of mentors", size=8.2))
    lx = 310
    d.add(Line(lx + 5, ly - 2, lx + 5, ly + 8, strokeColor=PALETTE["ink"], strokeWidth=1.6))
    d.add(text_group(lx + 12, ly, "median", size=8.2))
    return d


@dataclass(frozen=True)
class WaveRow:
    """One competency: per wave, (mentee mean, low, high, self mean); ``None`` = not shown."""

    label: str
    values: tuple[tuple[float | None, float | None, float | None, float | None], ...]


def wave_plot(rows: Sequence[WaveRow], waves: Sequence[str], *, scale_min: float, scale_max: float,
              anchors: Mapping[int, str] | None = None, width: float = FRAME_WIDTH, label_width: float = 150,
              row_height: float = 30) -> Drawing:
    """Pre and post in one chart: per row, one line per wave (first wave grey, last blue)."""
    anchors = dict(anchors or {})
    d, xpos, centres, bottom, height = _rows_frame(len(rows), 30, bool(anchors), scale_min, scale_max, width,
                                                   label_width, row_height)
    nw = max(len(waves), 1)
    cols = [PALETTE["previous"]] * (nw - 1) + [PALETTE["mentee"]]
    for row, yc in zip(rows, centres):
        lines = simpleSplit(visual(row.label), FONT, 8.5, label_width)[:2]
        ly = yc + len(lines) * 5 - 8
        for line in lines:
            d.add(text_group(0, ly, line, size=8.5))
            ly -= 10
        for j, (mean, lo, hi, own) in enumerate(row.values):
            y = yc + (row_height * 0.22) * ((nw - 1) / 2 - j) * (2 / max(nw - 1, 1)) if nw > 1 else yc
            c = cols[j]
            if lo is not None and hi is not None:
                d.add(Line(xpos(lo), y, xpos(hi), y, strokeColor=c, strokeWidth=1.2))
                for x in (xpos(lo), xpos(hi)):
                    d.add(Line(x, y - 2.5, x, y + 2.5, strokeColor=c, strokeWidth=1.0))
            if mean is not None:
                d.add(Circle(xpos(mean), y, 3.2, fillColor=c, strokeColor=colors.white, strokeWidth=0.5))
            if own is not None:
                x = xpos(own)
                d.add(PolyLine([x, y + 3.6, x + 3.6, y, x, y - 3.6, x - 3.6, y, x, y + 3.6], strokeColor=c,
                               strokeWidth=1.1))
    scale_ticks(d, xpos, bottom, scale_min, scale_max, anchors)
    lx, ly = 0, height - 11
    for j, w in enumerate(waves):
        c = cols[j]
        d.add(Circle(lx + 4, ly + 3, 3.2, fillColor=c, strokeColor=None))
        d.add(text_group(lx + 11, ly, f"{w}: mentees' average [95% CI]", size=8.2))
        x = lx + 190
        d.add(PolyLine([x, ly + 6.6, x + 3.6, ly + 3, x, ly - 0.6, x - 3.6, ly + 3, x, ly + 6.6], strokeColor=c,
                       strokeWidth=1.1))
        d.add(text_group(x + 8, ly, f"{w}: mentors' self-ratings, average", size=8.2))
        ly -= 12
    return d


def scree_plot(observed: Sequence[float], threshold: Sequence[float], *, width: float = FRAME_WIDTH,
               height: float = 190, max_positions: int = 12, observed_label: str = "observed (factor) eigenvalues",
               threshold_label: str = "95th percentile of random data") -> Drawing:
    """Scree plot: observed eigenvalues (filled, solid) and the parallel-analysis threshold (open, dashed).

    When the first eigenvalue dwarfs the rest (more than 3 times every other value), the y axis is
    scaled to the others, so the crossing of the two lines stays readable, and the first point is
    drawn at the top edge with its value and "off scale".
    """
    register_fonts()
    n = min(len(observed), len(threshold), max_positions)
    obs, thr = [float(v) for v in observed[:n]], [float(v) for v in threshold[:n]]
    d = Drawing(width, height)
    x0, x1, y0, y1 = 44, width - 10, 28, height - 22
    rest = obs[1:] + thr
    clipped = n >= 3 and obs[0] > 3 * max(rest + [1.0])
    vmax = max(rest + [1.0]) * 1.15 if clipped else max(obs + thr + [1.0])
    vmin = min(0.0, min(obs + thr + [0.0]))

    def xp(i: int) -> float:
        return x0 + (i + 0.5) / n * (x1 - x0)

    def yp(v: float) -> float:
        return y0 + (min(v, vmax) - vmin) / ((vmax - vmin) or 1.0) * (y1 - y0)

    step = 0.5 if vmax <= 2.5 else 1 if vmax <= 6 else 2 if vmax <= 12 else 5 if vmax <= 30 else 10
    t = 0
    while t <= vmax + 1e-9:
        d.add(Line(x0, yp(t), x1, yp(t), strokeColor=colors.HexColor("#E4E4E4"), strokeWidth=0.6))
        d.add(text_group(x0 - 4, yp(t) - 3, f"{t:g}", size=7.5, anchor="end"))
        t += step
    d.add(Line(x0, y0, x1, y0, strokeColor=PALETTE["rule"], strokeWidth=0.7))
    d.add(Line(x0, y0, x0, y1, strokeColor=PALETTE["rule"], strokeWidth=0.7))
    for i in range(n):
        d.add(text_group(xp(i), y0 - 11, str(i + 1), size=7.5, anchor="middle"))
    d.add(text_group((x0 + x1) / 2, y0 - 23, "factor number", size=8, anchor="middle", color=PALETTE["muted"]))
    ylab = Group(text_group(0, 0, "eigenvalue", size=8, anchor="middle", color=PALETTE["muted"]))
    ylab.transform = (0, 1, -1, 0, 10, (y0 + y1) / 2)  # rotated 90°, centred on the y axis
    d.add(ylab)
    d.add(PolyLine([c for i in range(n) for c in (xp(i), yp(thr[i]))], strokeColor=PALETTE["previous"],
                   strokeWidth=1, strokeDashArray=[3, 2]))
    d.add(PolyLine([c for i in range(n) for c in (xp(i), yp(obs[i]))], strokeColor=PALETTE["mentee"],
                   strokeWidth=1.3))
    for i in range(n):
        d.add(Circle(xp(i), yp(thr[i]), 2.4, fillColor=colors.white, strokeColor=PALETTE["previous"], strokeWidth=0.9))
        d.add(Circle(xp(i), yp(obs[i]), 2.8, fillColor=PALETTE["mentee"], strokeColor=colors.white, strokeWidth=0.5))
    ly = height - 10
    d.add(Circle(x0 + 4, ly + 3, 2.8, fillColor=PALETTE["mentee"], strokeColor=None))
    d.add(text_group(x0 + 11, ly, observed_label, size=8))
    lx = x0 + 200
    d.add(Line(lx, ly + 3, lx + 12, ly + 3, strokeColor=PALETTE["previous"], strokeWidth=1, strokeDashArray=[3, 2]))
    d.add(Circle(lx + 6, ly + 3, 2.4, fillColor=colors.white, strokeColor=PALETTE["previous"], strokeWidth=0.9))
    d.add(text_group(lx + 17, ly, threshold_label, size=8))
    if clipped:
        d.add(text_group(xp(0) + 7, yp(obs[0]) - 3, f"{obs[0]:.2f} (off scale)", size=7.5, color=PALETTE["muted"]))
    return d
