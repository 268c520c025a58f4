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

Both engines take the report's layout (which blocks are kept together, where a page may break) from
:func:`mentorassess.reports.feedback.arrange`, each with its own kit of layout objects (:class:`Kit`
here). The reportlab engine (``feedback.ENGINE = "reportlab"``) stays as the reference the tests
compare this engine with: the same lines, the same words on each page.
"""

from __future__ import annotations

import datetime as _dt
from typing import Sequence

from mentorassess.reports.fastpdf import layout as L
from mentorassess.reports.fastpdf import text as T
from mentorassess.reports.fastpdf.fonts import DocFonts
from mentorassess.reports.fastpdf.writer import write_pdf

__all__ = ["document_pdf", "Kit"]

_MM = 72 / 25.4


class Kit:
    """The layout objects of this engine for :func:`mentorassess.reports.feedback.arrange`."""

    mark = L.Mark
    keep = L.Keep
    spacer = L.Spacer
    cond_break = L.CondBreak
    chart = L.Graphic

    @staticmethod
    def para(text: str, style: str, *, bullet: str | None = None, auto_dir: bool = False) -> L.Para:
        return L.Para(text, style, bullet=bullet, auto_dir=auto_dir)

    @staticmethod
    def table(header, rows, widths, numeric) -> L.TableBlock:
        return L.TableBlock(header, rows, widths, numeric)

    @staticmethod
    def box(title: str, paras) -> L.BoxBlock:
        from mentorassess.reports.pdf import FRAME_WIDTH

        return L.BoxBlock([L.Para(title, "h3")] + [L.Para(p, "box") for p in paras], FRAME_WIDTH)


def document_pdf(story: list[L.Block], *, title: str, author: str, subject: str = "", keywords: Sequence[str] = (),
                 footer_text: str = "", report_date: _dt.date, lang: str = "en-GB",
                 info: dict | None = None) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF bytes (the page frame and footer of ``pdf.build_pdf``)."""
    from mentorassess.reports.pdf import FRAME_WIDTH, MARGIN, PAGE_SIZE

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
    rule = L._palette("rule", "RG")
    footer = T.STYLES["footer"]  # 8 pt, muted
    y0 = 12 * _MM
    for k, page in enumerate(pages):
        out: list[str] = []
        for block, x, y in page.placed:
            block.draw(x, y, out, fonts)
        for mark, y in page.marks:
            outline.append((mark.title, mark.level, k, y))
        out.append(f"q {rule} .4 w n {L.num(MARGIN)} {L.num(y0 + 10)} m {L.num(pw - MARGIN)} {L.num(y0 + 10)} l S Q")
        foot.draw(MARGIN, y0 + 7 - foot.height, out, fonts)
        # "page n of N", right-aligned, its baseline 1 pt under the footer's base line
        L.text_lines([labels[k]], footer, MARGIN, y0 - 1 + footer.size, pw - 2 * MARGIN, out, fonts, align="right")
        streams.append("\n".join(out))
    if info is not None:
        info["pages"] = total
    stamp = f"D:{report_date:%Y%m%d}000000+00'00'"
    meta = {"Title": title, "Author": author, "Subject": subject, "Keywords": ", ".join(keywords),
            "Creator": "mentorassess", "Producer": "mentorassess", "CreationDate": stamp, "ModDate": stamp,
            "Trapped": "/False"}
    return write_pdf(streams, size=PAGE_SIZE, fonts=fonts, info=meta, lang=lang, outline=outline)
