"""The program summary's content blocks and their PDF rendering (the Word copy: program_docx.py).

:func:`mentorassess.reports.program._blocks` describes the summary once as :class:`Block` objects;
:func:`flowables` turns them into reportlab flowables, :mod:`mentorassess.reports.program_docx`
into a Word document, so both carry the same content.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Block", "flowables"]


def _right(text: str):
    """A right-aligned table cell that wraps inside its column (never spills into the next)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    from mentorassess.reports.pdf import markup, styles

    base = styles()["cell"]
    return Paragraph(markup(text, base.fontName), ParagraphStyle("cell_right", parent=base, alignment=2))


@dataclass(frozen=True)
class Block:
    """One piece of the summary: ``kind`` is title, subtitle, h2, h3, body, small, box (text in a
    panel's style), bullet, bullet_small, table, chart, panel (a shaded box of blocks), keep, cond (a
    conditional page break) or pagebreak."""

    kind: str
    text: str = ""
    header: tuple = ()
    rows: tuple = ()
    widths: tuple = ()
    numeric: tuple = ()
    children: tuple = ()
    chart: Any = None      # (name, data) for the chart makers
    height: float = 0.0


def _b(kind: str, text: str = "", **kw) -> Block:
    return Block(kind, text, **kw)


def _table(header, rows, widths, numeric=()) -> Block:
    return Block("table", header=tuple(header), rows=tuple(tuple(r) for r in rows), widths=tuple(widths),
                 numeric=tuple(numeric))


def _pdf_chart(chart):
    from mentorassess.reports._program_charts import StripRow, WaveRow, strip_plot, wave_plot
    from mentorassess.reports.pdf import FRAME_WIDTH

    name, data = chart
    lo, hi = data["scale"]
    if name == "waves":
        return wave_plot([WaveRow(lbl, vals) for lbl, vals in data["rows"]], data["waves"], scale_min=lo,
                         scale_max=hi, anchors=data["anchors"], width=FRAME_WIDTH, row_height=26)
    return strip_plot([StripRow(*r) for r in data["rows"]], scale_min=lo, scale_max=hi, anchors=data["anchors"],
                      width=FRAME_WIDTH, row_height=24)


def flowables(blocks: list[Block]) -> list[Any]:
    from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Spacer

    from mentorassess.reports.pdf import FRAME_WIDTH, data_table, para, shaded_box

    W = FRAME_WIDTH
    out: list[Any] = []
    for b in blocks:
        if b.kind in ("title", "subtitle", "h2", "h3", "body", "small", "box"):
            out.append(para(b.text, b.kind))
        elif b.kind == "bullet":
            out.append(para(b.text, "box", bullet="•"))
        elif b.kind == "bullet_small":
            out.append(para(b.text, "small", bullet="•"))
        elif b.kind == "table":
            rows = [[_right(c) if j in b.numeric and len(b.widths) > 4 else c for j, c in enumerate(r)] for r in b.rows]
            out.append(data_table(list(b.header), rows, [w * W for w in b.widths], numeric_cols=b.numeric))
            out.append(Spacer(1, 4))
        elif b.kind == "chart":
            out.append(_pdf_chart(b.chart))
            out.append(Spacer(1, 4))
        elif b.kind == "panel":
            out.append(shaded_box(flowables(list(b.children))))
            out.append(Spacer(1, 6))
        elif b.kind == "keep":
            out.append(KeepTogether(flowables(list(b.children))))
        elif b.kind == "cond":
            out.append(CondPageBreak(b.height))
        elif b.kind == "pagebreak":
            out.append(PageBreak())
    return out
