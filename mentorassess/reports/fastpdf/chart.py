"""Draw the shapes of a reportlab Drawing (the report's dot plot) as content-stream operators.

Only the shapes :mod:`mentorassess.reports.charts` makes are handled: groups (with a transform), lines,
rectangles, polygons, circles and strings, with their fill and stroke colours, stroke widths and dash
patterns. Anything else is refused (:class:`TypeError`): a chart that uses more must be taught here.
"""

from __future__ import annotations

from reportlab.graphics.shapes import Circle, Group, Line, Polygon, Rect, String

from mentorassess.reports.fastpdf import text as T
from mentorassess.reports.fastpdf.fonts import DocFonts
from mentorassess.reports.fastpdf.layout import num, rgb

__all__ = ["draw_shapes", "use_fonts"]

_K = 0.5522847498  # Bezier handle of a quarter circle


def use_fonts(shapes, fonts: DocFonts) -> None:
    """Tell ``fonts`` every text the shapes draw."""
    for s in getattr(shapes, "contents", shapes):
        t = type(s)
        if t is String:
            for f, run in T.runs(s.text, s.fontName):
                fonts.use(f, run)
        elif t is Group or isinstance(s, Group):
            use_fonts(s.contents, fonts)


def _color(c, op: str) -> str | None:
    if c is None:
        return None
    return rgb((c.red, c.green, c.blue), op)


def _stroke(s) -> list[str]:
    out = []
    c = _color(getattr(s, "strokeColor", None), "RG")
    if c is None:
        return out
    out.append(c)
    out.append(f"{num(s.strokeWidth)} w")
    dash = getattr(s, "strokeDashArray", None)
    if dash:
        out.append(f"[{' '.join(num(d) for d in dash)}] 0 d")
    cap = getattr(s, "strokeLineCap", 0)
    if cap:
        out.append(f"{int(cap)} J")
    join = getattr(s, "strokeLineJoin", 0)
    if join:
        out.append(f"{int(join)} j")
    return out


def draw_shapes(shapes, out: list[str], fonts: DocFonts) -> None:
    """Append the operators of ``shapes`` (in order, each in its own graphics state)."""
    for s in shapes:
        t = type(s)
        if t is Line:
            st = _stroke(s)
            if st:
                out.append(f"q {' '.join(st)} n {num(s.x1)} {num(s.y1)} m {num(s.x2)} {num(s.y2)} l S Q")
        elif t is Rect:
            _paint(s, f"{num(s.x)} {num(s.y)} {num(s.width)} {num(s.height)} re", out)
        elif t is Polygon:
            p = s.points
            if len(p) >= 4:
                path = [f"{num(p[0])} {num(p[1])} m"]
                path += [f"{num(p[i])} {num(p[i + 1])} l" for i in range(2, len(p) - 1, 2)]
                _paint(s, " ".join(path) + " h", out)
        elif t is Circle:
            _paint(s, _circle(s.cx, s.cy, s.r), out)
        elif t is String:
            _string(s, out, fonts)
        elif isinstance(s, Group):
            tr = getattr(s, "transform", None)
            if tr and tuple(tr) != (1, 0, 0, 1, 0, 0):
                out.append(f"q {' '.join(num(v) for v in tr)} cm")
                draw_shapes(s.contents, out, fonts)
                out.append("Q")
            else:
                draw_shapes(s.contents, out, fonts)
        else:
            raise TypeError(f"the PDF engine cannot draw a {t.__name__} shape")


def _paint(s, path: str, out: list[str]) -> None:
    """Fill and/or stroke the closed ``path`` with the shape's colours (nothing if it has neither)."""
    fill = _color(s.fillColor, "rg")
    st = _stroke(s)
    if fill or st:
        op = "B" if fill and st else "f" if fill else "S"
        out.append(f"q {fill or ''} {' '.join(st)} n {path} {op} Q")


def _circle(cx: float, cy: float, r: float) -> str:
    k = _K * r
    return (f"{num(cx + r)} {num(cy)} m "
            f"{num(cx + r)} {num(cy + k)} {num(cx + k)} {num(cy + r)} {num(cx)} {num(cy + r)} c "
            f"{num(cx - k)} {num(cy + r)} {num(cx - r)} {num(cy + k)} {num(cx - r)} {num(cy)} c "
            f"{num(cx - r)} {num(cy - k)} {num(cx - k)} {num(cy - r)} {num(cx)} {num(cy - r)} c "
            f"{num(cx + k)} {num(cy - r)} {num(cx + r)} {num(cy - k)} {num(cx + r)} {num(cy)} c h")


def _string(s: String, out: list[str], fonts: DocFonts) -> None:
    fill = _color(s.fillColor, "rg")
    if fill is None or not s.text:
        return
    x = s.x
    anchor = getattr(s, "textAnchor", "start")
    if anchor in ("middle", "end"):
        w = T.width(s.text, s.fontName, s.fontSize)
        x -= w / 2 if anchor == "middle" else w
    out.append(f"q {fill} BT 1 0 0 1 {num(x)} {num(s.y)} Tm")
    size = num(s.fontSize)
    for f, run in T.runs(s.text, s.fontName):
        fonts.show(f, size, run, out)
    out.append("ET Q")
