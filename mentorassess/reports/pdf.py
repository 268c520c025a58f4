"""Shared PDF machinery for every mentorassess report: fonts, text runs, styles, tables, pages.

Everything here is report-agnostic so the feedback, program and psychometric reports look alike:

* **Fonts.** DejaVu Sans (regular, bold, oblique, bold-oblique) is taken from matplotlib's
  ``mpl-data/fonts/ttf`` and embedded (subset) in every PDF; it covers Latin (Polish, Vietnamese,
  Turkish...), Greek, Cyrillic, Hebrew and Arabic. CJK characters fall back, run by run, to the
  vendored Droid Sans Fallback (Apache-2.0, ``fonts/``). :func:`markup` splits text into runs by
  the first font whose character map covers each character, so no glyph is ever missing where any
  of our fonts has it; :func:`missing_glyphs` tells what none of them covers.
* **Right-to-left text.** Arabic is shaped into presentation forms (``arabic_reshaper``) and put
  into visual order (``python-bidi``) inside a left-to-right paragraph; the PDF text layer then
  holds the visual-order presentation forms (see :func:`visual`).
* **Determinism.** :func:`build_pdf` uses reportlab's ``invariant=1`` and stamps the report date
  (not the clock) as creation date, so the same inputs give byte-identical files. Page streams
  are deflated without reportlab's ASCII85 layer (smaller files, less work).

Nothing here computes a statistic.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import io
import os
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from mentorassess.reports import _lean, _reuse
from mentorassess.reports._reuse import _Paragraph

__all__ = [
    "FONT", "FONT_BOLD", "FONT_ITALIC", "FONT_BOLD_ITALIC", "FONT_CJK", "FONT_FILES",
    "PALETTE", "PAGE_SIZE", "MARGIN", "FRAME_WIDTH",
    "register_fonts", "font_covers", "font_for_char", "missing_glyphs", "visual", "markup",
    "styles", "para", "BidiParagraph", "data_table", "shaded_box", "resolve_report_date", "build_pdf",
]

# --- palette (Paul Tol "bright" and greys; colour is never the only cue) ---------------------------
PALETTE = {
    "mentee": colors.HexColor("#4477AA"),       # Tol blue: mentees' average (filled circle)
    "mentee_band": colors.HexColor("#9DBADB"),  # tint of the same blue (grey ~180 in print): 95% band
    "self": colors.HexColor("#222222"),         # self: open diamond, dark edge
    "previous": colors.HexColor("#777777"),     # earlier wave
    "program": colors.HexColor("#DDDDDD"),      # program middle half
    "accent": colors.HexColor("#EE6677"),       # Tol red: used sparingly, always with words
    "ink": colors.HexColor("#222222"),
    "muted": colors.HexColor("#555555"),
    "rule": colors.HexColor("#999999"),
    "box": colors.HexColor("#F2F2F2"),
    "header_fill": colors.HexColor("#E8EEF5"),
}

# --- page geometry: a 170 x 239 mm frame fits A4 and Letter -----------------------------------------
PAGE_SIZE = (595.2756, 841.8898)  # A4 in points
MARGIN = 20 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN

# --- fonts --------------------------------------------------------------------------------------------
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
FONT_CJK = "DroidSansFallback"

_FONT_DIR = Path(__file__).with_name("fonts")
_BUILD_LOCK = threading.Lock()   # one PDF build at a time in a process (see build_pdf)


def _mpl_ttf(name: str) -> Path:
    """A font bundled with matplotlib (``matplotlib.get_data_path()``), found without importing it
    (the import alone costs a report process about 0.25 s)."""
    import importlib.util
    import sys

    mod = sys.modules.get("matplotlib")
    origin = getattr(mod, "__file__", None) or importlib.util.find_spec("matplotlib").origin
    return Path(origin).with_name("mpl-data") / "fonts" / "ttf" / name


FONT_FILES: dict[str, Callable[[], Path]] = {
    FONT: lambda: _mpl_ttf("DejaVuSans.ttf"),
    FONT_BOLD: lambda: _mpl_ttf("DejaVuSans-Bold.ttf"),
    FONT_ITALIC: lambda: _mpl_ttf("DejaVuSans-Oblique.ttf"),
    FONT_BOLD_ITALIC: lambda: _mpl_ttf("DejaVuSans-BoldOblique.ttf"),
    FONT_CJK: lambda: _FONT_DIR / "DroidSansFallbackFull.ttf",
}

# Order in which fonts are tried for a character the requested font lacks.
_FALLBACK_ORDER = (FONT, FONT_BOLD, FONT_CJK)


def _forget() -> None:
    """Empty the per-process caches of the PDF machinery (tests: a report rendered after others
    must have the bytes it has when rendered first)."""
    _reuse.forget()
    _lean.forget()
    _STYLED.clear()
    _markup.cache_clear()
    _one_plain_line.cache_clear()
    visual.cache_clear()


def _font(name: str) -> TTFont:
    return _reuse.remembering_font(name, FONT_FILES[name]())


@lru_cache(maxsize=None)
def register_fonts() -> None:
    """Register DejaVu Sans (with its bold/italic family) with reportlab.

    Idempotent and cheap after the first call (about 50 ms for the four files). The CJK fallback
    (a 4 MB file, about 0.1 s to read) is registered the first time a character needs it
    (:func:`font_for_char`, :func:`markup`), which is the only way text reaches that font.
    """
    for name in (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC):
        pdfmetrics.registerFont(_font(name))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD_ITALIC)


@lru_cache(maxsize=None)
def _register_fallback() -> None:
    """Register the CJK fallback font (see :func:`register_fonts`)."""
    from reportlab.lib.fonts import addMapping

    pdfmetrics.registerFont(_font(FONT_CJK))
    # The fallback has one weight; map all four styles to it so <b>/<i> around a CJK run work.
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT_CJK, bold, italic, FONT_CJK)


@lru_cache(maxsize=None)
def _cmap(font: str) -> frozenset[int]:
    register_fonts()
    if font not in (FONT, FONT_BOLD, FONT_ITALIC, FONT_BOLD_ITALIC):
        _register_fallback()
    return frozenset(pdfmetrics.getFont(font).face.charToGlyph)


def font_covers(font: str, ch: str) -> bool:
    """Whether ``font`` has a glyph for the character ``ch`` (spaces always count as covered)."""
    return ch in " \n\t" or ord(ch) in _cmap(font)


def font_for_char(ch: str, preferred: str = FONT) -> str | None:
    """The font that will draw ``ch``: ``preferred`` if it covers it, else the first fallback."""
    if font_covers(preferred, ch):
        return preferred
    for font in _FALLBACK_ORDER:
        if font_covers(font, ch):
            return font
    return None


def missing_glyphs(text: str, preferred: str = FONT) -> list[str]:
    """Characters of ``text`` (after :func:`visual`) that none of our fonts can draw."""
    return sorted({ch for ch in visual(text) if font_for_char(ch, preferred) is None})


_RTL_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")  # Hebrew, Arabic, Syriac, Thaana, NKo...


def _has_rtl(text: str) -> bool:
    return _RTL_RE.search(text) is not None


@lru_cache(maxsize=4096)
def visual(text: str) -> str:
    """Text as it is drawn: NFC-normalised; Arabic shaped and put in visual order.

    Left-to-right text is returned unchanged (apart from NFC). For text containing Hebrew or
    Arabic, Arabic letters are replaced by their contextual presentation forms and right-to-left
    runs are reordered for a left-to-right paragraph, which is what a PDF viewer then shows.
    Without ``arabic_reshaper``/``python-bidi`` installed the text is left in logical order.
    """
    text = unicodedata.normalize("NFC", str(text))
    if not _has_rtl(text):
        return text
    try:
        import arabic_reshaper
        from bidi import get_display
    except ImportError:  # documented limit: unshaped, logical order
        return text
    return get_display(arabic_reshaper.reshape(text), base_dir="L")


def markup(text: object, font: str = FONT) -> str:
    """Escape ``text`` for a reportlab Paragraph and wrap runs the style's ``font`` lacks.

    Parameters
    ----------
    text : object
        Plain text (names, comments, instrument wording); never markup.
    font : str
        The font of the paragraph style the text goes into.
    """
    return _markup(str(text), font)


@lru_cache(maxsize=16384)
def _markup(text: str, font: str) -> str:
    return _runs_markup(visual(text), font)


def _runs_markup(s: str, font: str) -> str:
    """Escape already-visual text and wrap runs ``font`` lacks in the fallback font."""
    if _cmap(font).issuperset(map(ord, s)):  # fast path: one font draws it all
        return escape(s)
    out: list[str] = []
    run: list[str] = []
    run_font = font

    def flush() -> None:
        if not run:
            return
        chunk = escape("".join(run))
        out.append(chunk if run_font == font else f'<font name="{run_font}">{chunk}</font>')
        run.clear()

    for ch in s:
        f = font if ch in " \n\t" else (font_for_char(ch, font) or font)
        if ch not in " \n\t" and f != run_font:
            flush()
            run_font = f
        run.append(ch)
    flush()
    return "".join(out)


# --- styles -------------------------------------------------------------------------------------------
@lru_cache(maxsize=None)
def styles() -> dict[str, ParagraphStyle]:
    """Paragraph styles shared by all reports (10 pt body, 9 pt tables, 8 pt notes)."""
    register_fonts()
    ink = PALETTE["ink"]
    base = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13.5, textColor=ink,
                          alignment=TA_LEFT, spaceAfter=5)
    s = {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21,
                                spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=10, leading=13,
                                   textColor=PALETTE["muted"], spaceAfter=8),
        "h2": ParagraphStyle("h2", parent=base, fontName=FONT_BOLD, fontSize=12.5, leading=16,
                             spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=14,
                             spaceBefore=4, spaceAfter=2, keepWithNext=1),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11, spaceAfter=3,
                                textColor=PALETTE["muted"]),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, spaceAfter=0),
        "cell_bold": ParagraphStyle("cell_bold", parent=base, fontName=FONT_BOLD, fontSize=9,
                                    leading=11.5, spaceAfter=0),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=12, bulletIndent=2,
                                 spaceAfter=3),
        "quote": ParagraphStyle("quote", parent=base, fontSize=9.5, leading=12.5, leftIndent=12,
                                bulletIndent=2, spaceAfter=3),
        "box": ParagraphStyle("box", parent=base, fontSize=9.5, leading=12.8, spaceAfter=3),
        "footer": ParagraphStyle("footer", parent=base, fontSize=8, leading=10,
                                 textColor=PALETTE["muted"], spaceAfter=0),
    }
    return s


def para(text: str, style: str = "body", *, raw: bool = False, bullet: str | None = None,
         auto_dir: bool = False) -> Flowable:
    """A Paragraph in a named style. ``text`` is plain text unless ``raw`` (trusted markup).

    Text with right-to-left characters becomes a :class:`BidiParagraph` (lines broken first, then
    each line reordered). ``auto_dir`` lets a paragraph whose first strong character is
    right-to-left (an Arabic comment) run right-to-left and align right; otherwise the paragraph
    is left-to-right with RTL runs (names) inside it.
    """
    st = styles()[style]
    if not raw and _has_rtl(str(text)):
        return BidiParagraph(str(text), st, bullet=bullet, auto_dir=auto_dir)
    return _Paragraph(text if raw else markup(text, st.fontName), st, bulletText=bullet)


def _first_strong_rtl(text: str) -> bool:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


class BidiParagraph(Flowable):
    """A paragraph with right-to-left text: shaped, broken into lines in logical order, then each
    line put in visual order (Unicode bidi works per line, after line breaking)."""

    def __init__(self, text: str, style: ParagraphStyle, *, bullet: str | None = None,
                 auto_dir: bool = False) -> None:
        super().__init__()
        self.text = unicodedata.normalize("NFC", text)
        self.style = style
        self.bullet = bullet
        self.rtl = auto_dir and _first_strong_rtl(self.text)
        self._para: Paragraph | None = None

    def _build(self, avail_width: float) -> Paragraph:
        from reportlab.lib.utils import simpleSplit

        st = self.style
        try:
            import arabic_reshaper
            from bidi import get_display
        except ImportError:  # documented limit: unshaped, logical order
            return Paragraph(escape(self.text), st, bulletText=self.bullet)
        logical = arabic_reshaper.reshape(self.text)
        width = max(avail_width - st.leftIndent - st.rightIndent, 10)
        lines = simpleSplit(logical, st.fontName, st.fontSize, width) or [""]
        base = "R" if self.rtl else "L"
        body = "<br/>".join(_runs_markup(get_display(line, base_dir=base), st.fontName) for line in lines)
        if self.rtl:
            st = ParagraphStyle(f"{st.name}_rtl", parent=st, alignment=2)
        return Paragraph(body, st, bulletText=self.bullet)

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab API)
        self._para = self._build(availWidth)
        return self._para.wrap(availWidth, availHeight)

    def split(self, availWidth, availHeight):  # noqa: N803
        if self._para is None:
            self._para = self._build(availWidth)
        return self._para.split(availWidth, availHeight)

    def draw(self) -> None:
        self._para.drawOn(self.canv, 0, 0)

    def getKeepWithNext(self):  # noqa: N802
        return getattr(self.style, "keepWithNext", 0)


def data_table(header: Sequence[str], rows: Sequence[Sequence[object]], col_widths: Sequence[float],
               *, numeric_cols: Sequence[int] = (), zebra: bool = True) -> Table:
    """A compact table: bold header on a tint, thin rules, numbers right-aligned, header repeats.

    Cells may be plain strings (escaped and font-run wrapped) or ready flowables.
    """
    pad = 8.0  # left + right padding

    def cell(value: object, j: int, bold: bool = False) -> object:
        if isinstance(value, Flowable):
            return value
        text = "" if value is None else str(value)
        font = FONT_BOLD if bold else FONT
        if _one_plain_line(text, font, col_widths[j] - pad):
            return text  # one short line in the body font: drawn directly, no Paragraph needed
        return para(text, "cell_bold" if bold else "cell")

    numeric = set(numeric_cols)
    data = [[cell(h, j, True) for j, h in enumerate(header)]]
    for row in rows:
        data.append([cell(v, j) for j, v in enumerate(row)])
    for j in numeric:
        h = data[0][j]
        if isinstance(h, Paragraph):
            h.style = ParagraphStyle("cell_bold_r", parent=h.style, alignment=2)
    commands = _table_commands(tuple(sorted(numeric)))
    # The per-cell styles these commands give are made once per shape of table (reportlab's own code
    # on the first table of that shape) and copied; only backgrounds and rules go through setStyle.
    table = Table(data, colWidths=list(col_widths), repeatRows=1, hAlign="LEFT",
                  cellStyles=_styled_cells(len(data), max(map(len, data)), commands))
    rest = [c for c in commands if c[0] not in _CELL_OPS]
    if zebra:
        for i in range(2, len(data), 2):
            rest.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#F7F7F7")))
    table.setStyle(TableStyle(rest))
    return table


@lru_cache(maxsize=16384)
def _one_plain_line(text: str, font: str, room: float) -> bool:
    """Whether a table cell's text is one line that ``font`` draws whole within ``room`` points at 9 pt
    (remembered: cell texts, mostly numbers and labels, recur in every report)."""
    return ("\n" not in text and _cmap(font).issuperset(map(ord, text))
            and pdfmetrics.stringWidth(text, font, 9) <= room)


_CELL_OPS = frozenset({"VALIGN", "FONTNAME", "FONTSIZE", "LEADING", "TEXTCOLOR", "ALIGN", "TOPPADDING",
                       "BOTTOMPADDING", "LEFTPADDING", "RIGHTPADDING"})


@lru_cache(maxsize=64)
def _table_commands(numeric: tuple[int, ...]) -> tuple[tuple, ...]:
    """The style commands of :func:`data_table` (zebra stripes aside), in the order they are applied."""
    return (
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTNAME", (0, 1), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("LEADING", (0, 0), (-1, -1), 11.5),
        ("TEXTCOLOR", (0, 0), (-1, -1), PALETTE["ink"]),
        *[("ALIGN", (j, 0), (j, -1), "RIGHT") for j in numeric],
        ("BACKGROUND", (0, 0), (-1, 0), PALETTE["header_fill"]),
        ("LINEABOVE", (0, 0), (-1, 0), 0.8, PALETTE["ink"]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.5, PALETTE["ink"]),
        ("LINEBELOW", (0, -1), (-1, -1), 0.8, PALETTE["ink"]),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    )


_STYLED: dict[tuple, list[list[dict]]] = {}


def _styled_cells(nrows: int, ncols: int, commands: tuple[tuple, ...]) -> list[list]:
    """Fresh reportlab CellStyles for an ``nrows`` x ``ncols`` table as its ``setStyle(commands)``
    would leave them (only the commands that style cells are applied).

    The first time for a shape, a throwaway reportlab Table applies the commands with its own code
    and each cell's resulting attributes are kept; every call returns new CellStyle objects with
    those attributes (a table may change its cells' styles later; none is shared).
    """
    from reportlab.platypus.tables import CellStyle

    key = (nrows, ncols, commands)
    made = _STYLED.get(key)
    if made is None:
        probe = Table([[""] * ncols for _ in range(nrows)])
        probe.setStyle(TableStyle([c for c in commands if c[0] in _CELL_OPS]))
        made = [[dict(cs.__dict__) for cs in row] for row in probe._cellStyles]
        if len(_STYLED) >= 512:
            _STYLED.clear()
        _STYLED[key] = made
    new = CellStyle.__new__
    out = []
    for row in made:
        cells = []
        for attrs in row:
            cs = new(CellStyle)
            cs.__dict__.update(attrs)
            cells.append(cs)
        out.append(cells)
    return out


def shaded_box(flowables: Sequence[Flowable], *, width: float = FRAME_WIDTH) -> Table:
    """Flowables inside a light grey box with a left rule (for "How to read this report")."""
    t = Table([[list(flowables)]], colWidths=[width], hAlign="LEFT")
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), PALETTE["box"]),
        ("LINEBEFORE", (0, 0), (0, -1), 2.5, PALETTE["mentee"]),
        ("LEFTPADDING", (0, 0), (-1, -1), 9),
        ("RIGHTPADDING", (0, 0), (-1, -1), 9),
        ("TOPPADDING", (0, 0), (-1, -1), 6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return t


# --- dates and documents ------------------------------------------------------------------------------
def resolve_report_date(report_date: _dt.date | str | None = None) -> _dt.date:
    """The date printed on and stamped into a report.

    ``report_date`` if given (a date or ISO string), else ``SOURCE_DATE_EPOCH`` (UTC), else today.
    """
    if isinstance(report_date, _dt.datetime):
        return report_date.date()
    if isinstance(report_date, _dt.date):
        return report_date
    if isinstance(report_date, str) and report_date.strip():
        return _dt.date.fromisoformat(report_date.strip()[:10])
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc).date()
    return _dt.date.today()


def build_pdf(story: list[Flowable], *, title: str, author: str, subject: str = "",
              keywords: Sequence[str] = (), footer_text: str = "", report_date: _dt.date,
              lang: str = "en-GB", info: dict | None = None) -> bytes:
    """Lay out ``story`` on A4 pages and return the PDF bytes (deterministic).

    Every page carries ``footer_text`` on the left and "page n of N" on the right. If ``info`` is
    a dict, ``info["pages"]`` receives the page count.
    """
    register_fonts()
    buf = io.BytesIO()
    doc = _lean.DocTemplate(
        buf, pagesize=PAGE_SIZE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=16 * mm,
        bottomMargin=18 * mm, title=title, author=author, subject=subject,
        keywords=", ".join(keywords), creator="mentorassess", producer="mentorassess (reportlab)",
        lang=lang, displayDocTitle=True, invariant=1,
    )
    foot_style = styles()["footer"]
    foot_para_text = markup(footer_text, foot_style.fontName)

    def footer(canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setStrokeColor(PALETTE["rule"])
        canvas.setLineWidth(0.4)
        y = 12 * mm
        canvas.line(MARGIN, y + 10, PAGE_SIZE[0] - MARGIN, y + 10)
        p = _Paragraph(foot_para_text, foot_style)
        _, h = p.wrap(FRAME_WIDTH - 70, 30)
        p.drawOn(canvas, MARGIN, y + 7 - h)
        canvas.setFont(FONT, 8)
        canvas.setFillColor(PALETTE["muted"])
        canvas.drawRightString(PAGE_SIZE[0] - MARGIN, y - 1, f"page {page} of {total}")
        canvas.restoreState()
        if info is not None:
            info["pages"] = total

    stamp = _lean.Stamp(YMDhms=(report_date.year, report_date.month, report_date.day, 0, 0, 0),
                   t=float(calendar.timegm(report_date.timetuple())))
    with _BUILD_LOCK:
        # page streams are deflated binary (FlateDecode alone): reportlab's default adds ASCII85 on
        # top, which costs a pass over every stream and makes the file larger; and they are deflated at
        # zlib level 1 (:data:`PAGE_DEFLATE_LEVEL`). Both settings are reportlab's globals, so they are
        # changed and restored under a lock around each build.
        saved = rl_config.useA85, pdfdoc.PDFZCompress
        rl_config.useA85, pdfdoc.PDFZCompress = 0, _PAGE_FLATE
        try:
            doc.build(story, canvasmaker=_lean.page_canvas(footer, stamp))
        finally:
            rl_config.useA85, pdfdoc.PDFZCompress = saved
    return buf.getvalue()


#: zlib level of a PDF's page streams. Level 1 deflates a feedback report's ~75 KB of page operators
#: in about 60 % of the time level 6 (reportlab's) takes (~0.8 ms a report here) for a file ~3 % larger.
#: Embedded font subsets keep level 6; they are compressed once per process (``_reuse``).
PAGE_DEFLATE_LEVEL = 1


class _LevelFlate(pdfdoc.PDFStreamFilterZCompress):
    """reportlab's FlateDecode filter at :data:`PAGE_DEFLATE_LEVEL`."""

    def encode(self, text):
        import zlib

        if isinstance(text, str):
            text = text.encode("utf8")
        return zlib.compress(text, PAGE_DEFLATE_LEVEL)


_PAGE_FLATE = _LevelFlate()
