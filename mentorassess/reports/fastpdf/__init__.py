"""The PDF engine of the feedback reports: the report's blocks laid out and written without platypus.

A feedback report is the most frequent file mentorassess writes (two per mentor and year; 4,000 in a
consortium run), and reportlab's platypus spent about 28 ms of a 33 ms report on layout objects,
per-operator canvas calls and its object serialiser. This engine takes the report's
:class:`~mentorassess.reports._document.Document` straight to pages:

* :mod:`.text` breaks lines with reportlab's rules and the same font metrics and fallbacks;
* :mod:`.layout` flows paragraphs, tables, the shaded box and the chart onto A4 pages with
  platypus's spacing, splitting and keep-together rules (so pages break where they broke);
* :mod:`.chart` draws the dot plot's shapes;
* :mod:`.fonts` embeds font subsets (ASCII in a subset shared by every document of a process);
* :mod:`.writer` writes the file (outline, language, information, deterministic identifier).

The reportlab path (:func:`mentorassess.reports.feedback.reportlab_pdf`) stays as the reference
the tests compare this engine with, page by page and line by line.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Sequence

from mentorassess.reports.fastpdf import layout as L
from mentorassess.reports.fastpdf import text as T
from mentorassess.reports.fastpdf.fonts import DocFonts
from mentorassess.reports.fastpdf.writer import write_pdf

__all__ = ["document_pdf", "blocks"]

_MM = 72 / 25.4


def blocks(doc: Any, *, compact: bool = False) -> list[L.Block]:
    """The report's blocks in order, as ``feedback._story`` arranges them for reportlab."""
    from mentorassess.reports._document import Box, Bullets, Chart, Heading, Para, Table
    from mentorassess.reports.charts import dot_plot
    from mentorassess.reports.pdf import FRAME_WIDTH

    story: list[L.Block] = []
    pending: list[L.Block] = []
    items = list(doc.blocks)
    for i, blk in enumerate(items):
        if blk is None:
            continue
        if isinstance(blk, Heading):
            if blk.level == 1:
                story += [L.Mark(blk.text, 0), L.Para(blk.text, "title")]
                continue
            if blk.level == 2 and blk.text in ("Take action", "What your mentees wrote"):
                story.append(L.CondBreak(120))
            pending += [L.Mark(blk.text, 0 if blk.level == 2 else 1), L.Para(blk.text, "h2" if blk.level == 2 else "h3")]
            continue
        if isinstance(blk, Para):
            flow: list[L.Block] = [L.Para(blk.text, {"lead": "h3", "subtitle": "subtitle", "small": "small",
                                                     "box": "box"}.get(blk.style, "body"))]
        elif isinstance(blk, Bullets):
            texts = [x.text if isinstance(x, Para) else str(x) for x in blk.items]
            if compact and not blk.quote:
                texts = texts[:4]
            flow = [L.Para(t, "quote" if blk.quote else "bullet", bullet="\u2022", auto_dir=blk.quote) for t in texts]
        elif isinstance(blk, Table):
            table = L.TableBlock(blk.header, blk.rows, [w * FRAME_WIDTH for w in blk.widths], blk.numeric)
            flow = [L.Para(blk.caption, "small"), table, L.Spacer(4)]
            if pending:
                story.append(L.Keep(pending + flow[:2]))
                story.append(flow[2])
                pending = []
                continue
            if len(blk.rows) <= 8:
                flow = [L.Keep(flow[:2]), flow[2]]
        elif isinstance(blk, Chart):
            n = len(blk.rows)
            drawing = dot_plot(blk.rows, scale_min=blk.scale_min, scale_max=blk.scale_max, anchors=dict(blk.anchors),
                               width=FRAME_WIDTH, label_width=150, row_height=24 if n > 1 else 34)
            flow = [L.Graphic(drawing), L.Spacer(4)]
        elif isinstance(blk, Box):
            box = L.BoxBlock([L.Para(blk.title, "h3")] + [L.Para(p.text, "box") for p in blk.paras], FRAME_WIDTH)
            flow = [box, L.Spacer(4)]
            nxt = items[i + 1] if i + 1 < len(items) else None
            if isinstance(nxt, Para) and nxt.style == "small" and i + 2 == len(items):
                flow = [L.Keep(flow + [L.Para(nxt.text, "small")])]
                items[i + 1] = None
        else:  # pragma: no cover - every block type is handled above
            raise TypeError(type(blk))
        if pending:
            story.append(L.Keep(pending + flow[:1]))
            story += flow[1:]
            pending = []
        else:
            story += flow
    return story


def document_pdf(story: list[L.Block], *, title: str, author: str, subject: str = "", keywords: Sequence[str] = (),
                 footer_text: str = "", report_date: _dt.date, lang: str = "en-GB",
                 info: dict | None = None) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF bytes (the page frame and footer of ``pdf.build_pdf``)."""
    from mentorassess.reports.pdf import FRAME_WIDTH, MARGIN, PAGE_SIZE, PALETTE

    fonts = DocFonts()
    pw, ph = PAGE_SIZE
    pages = L.flow(story, x=MARGIN + 6, top=ph - 16 * _MM - 6, bottom=18 * _MM + 6, width=FRAME_WIDTH - 12,
                   fonts=fonts)
    foot = L.Para(footer_text, "footer")
    foot.wrap(FRAME_WIDTH - 70, fonts)
    total = len(pages)
    labels = [f"page {i} of {total}" for i in range(1, total + 1)]
    for label in labels:
        fonts.use(T.STYLES["footer"].font, label)
    fonts.freeze()
    streams = []
    outline = []
    rule = PALETTE["rule"]
    muted = PALETTE["muted"]
    y0 = 12 * _MM
    for k, page in enumerate(pages):
        out: list[str] = []
        for block, x, y in page.placed:
            block.draw(x, y, out, fonts)
        for mark, y in page.marks:
            outline.append((mark.title, mark.level, k, y))
        out.append(f"q {L.rgb((rule.red, rule.green, rule.blue), 'RG')} .4 w n {L.num(MARGIN)} {L.num(y0 + 10)} m "
                   f"{L.num(pw - MARGIN)} {L.num(y0 + 10)} l S Q")
        foot.draw(MARGIN, y0 + 7 - foot.height, out, fonts)
        label = labels[k]
        st = T.STYLES["footer"]
        x = pw - MARGIN - T.width(label, st.font, 8)
        out.append(f"q {L.rgb((muted.red, muted.green, muted.blue))} BT 1 0 0 1 {L.num(x)} {L.num(y0 - 1)} Tm")
        fonts.show(st.font, "8", label, out)
        out.append("ET Q")
        streams.append("\n".join(out))
    if info is not None:
        info["pages"] = total
    stamp = f"D:{report_date:%Y%m%d}000000+00'00'"
    meta = {"Title": title, "Author": author, "Subject": subject, "Keywords": ", ".join(keywords),
            "Creator": "mentorassess", "Producer": "mentorassess", "CreationDate": stamp, "ModDate": stamp,
            "Trapped": "/False"}
    return write_pdf(streams, size=PAGE_SIZE, fonts=fonts, info=meta, lang=lang, outline=outline)
