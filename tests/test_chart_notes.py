"""A dot-plot row's italic note stays inside the label column (it used to run ~27 pt into the plot,
m001's report with every mentee average withheld)."""

from __future__ import annotations

from reportlab.graphics.shapes import Group, String
from reportlab.pdfbase.pdfmetrics import stringWidth

from mentorassess.reports import charts
from mentorassess.reports.charts import DotRow, dot_plot
from mentorassess.reports.pdf import FONT_ITALIC, register_fonts


def _strings(node, dx=0.0):
    if isinstance(node, String):
        yield node, dx
    elif isinstance(node, Group):
        tx = node.transform[4] if getattr(node, "transform", None) else 0.0
        for child in node.getContents():
            yield from _strings(child, dx + tx)


def _italic_extents(drawing):
    out = []
    for s, dx in _strings(drawing):
        if s.fontName == FONT_ITALIC:
            out.append((s.text, dx + s.x, dx + s.x + stringWidth(s.text, s.fontName, s.fontSize), s.fontSize))
    return out


def test_notes_stay_inside_the_label_column():
    register_fonts()

    notes = ["mentee ratings hidden for anonymity",
             "mentee ratings not shown, to protect anonymity",                  # the former wording
             "a much longer note that cannot fit on one line of the label column at any size we allow"]
    rows = [DotRow(label=f"Competency {i}", self_score=5.0, band_low=4.0, band_high=5.5, note=n)
            for i, n in enumerate(notes)]
    charts._forget()
    found = _italic_extents(dot_plot(rows, scale_min=1, scale_max=7))
    assert {t for t, *_ in found} >= {"mentee ratings hidden for anonymity"}
    assert len(found) >= 4   # the long note is wrapped onto two lines
    for text, left, right, size in found:
        assert left >= 0 and right <= 150 + 0.01, (text, right)
        assert size >= 6.5
    sizes = {t: size for t, _l, _r, size in found}
    assert sizes["mentee ratings hidden for anonymity"] == 7.5   # fits at the normal size



def test_html_chart_prints_the_note_under_a_withheld_competency():
    """The HTML twin says what the PDF says: the note in italics under the label of a withheld
    competency, its lines inside that row (the rows are taller when a chart has a note)."""
    import re

    from mentorassess.reports.feedback import checked_document
    from mentorassess.reports.html import feedback_html
    from tests._feedback_helpers import make_data

    page = feedback_html(checked_document(make_data("Eeva Virtanen", hidden="independence")))
    svg = page[page.index("<svg"):page.index("</svg>")]
    labels = re.findall(r'<text x="0" y="([0-9.]+)"[^>]*>((?:<tspan[^>]*>[^<]*</tspan>)+)</text>', svg)
    noted = [(y, t) for y, t in labels if "hidden for anonymity" in t]
    assert len(noted) == 1  # (the chart's text alternative says it too, in <desc>)
    note = noted[0][1]
    assert 'font-style="italic" fill="#4a4a4a">mentee ratings hidden for anonymity</tspan>' in note
    lines = re.findall(r'dy="(\d+)"', note)
    y0 = float(noted[0][0])
    last = y0 + sum(int(d) for d in lines)
    rows = re.findall(r'<text x="0" y="([0-9.]+)" font-size="12"', svg)
    height = 42
    top = 34 + height * [abs(float(y) - y0) < 1e-9 for y in rows].index(True)
    assert top < y0 - 12 and last + 3 < top + height  # the first line's cap and the note's descenders stay in the row
    plain = feedback_html(checked_document(make_data("Eeva Virtanen")))
    assert "hidden for anonymity" not in plain and 'viewBox="0 0 680 ' in plain
