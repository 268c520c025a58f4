"""Blocks of the feedback PDF engine and the frame that flows them onto pages.

The blocks mirror what reportlab's platypus did for the feedback report, with its rules: the frame of
``SimpleDocTemplate`` (6 pt padding inside the margins), space between blocks as the larger of the one
block's space after and the next one's space before (none at the top of a page), a paragraph split
between lines (never leaving one line alone at the bottom of a page), a table split between rows with
its header repeated, a group kept together (on the next page when it does not fit and is not at the top
of one), a conditional page break, and a heading kept with what follows it.

Each block draws itself into a list of content-stream operators; text goes through
:class:`~mentorassess.reports.fastpdf.fonts.DocFonts`, which is told every text at layout time.
"""

from __future__ import annotations

import copy
from collections import deque
from functools import lru_cache

from mentorassess.reports import pdf as _pdf
from mentorassess.reports.fastpdf import text as T
from mentorassess.reports.fastpdf.fonts import DocFonts

__all__ = ["Para", "TableBlock", "BoxBlock", "Graphic", "Spacer", "Mark", "CondBreak", "Keep", "flow", "num",
           "rgb"]

_FUZZ = 1e-6


_NUMS: dict[float, str] = {}


def num(v: float) -> str:
    """A coordinate as the content stream writes it (up to 4 decimals, no trailing zeros)."""
    got = _NUMS.get(v)
    if got is None:
        if v == int(v):
            got = str(int(v))
        else:
            got = f"{v:.4f}".rstrip("0").rstrip(".")
            if got == "-0":
                got = "0"
        if len(_NUMS) < 100_000:
            _NUMS[v] = got
    return got


@lru_cache(maxsize=1024)
def rgb(c: tuple[float, float, float], op: str = "rg") -> str:
    return f"{num(round(c[0], 6))} {num(round(c[1], 6))} {num(round(c[2], 6))} {op}"


class Block:
    space_before = 0.0
    space_after = 0.0
    keep_with_next = False
    zero = False
    height = 0.0
    grouped = False  # already put in a Keep with the block after it (keep-with-next)

    def wrap(self, width: float, fonts: DocFonts) -> float:
        return self.height

    def split(self, width: float, avail: float, fonts: DocFonts) -> list["Block"]:
        return []

    def draw(self, x: float, y: float, out: list[str], fonts: DocFonts) -> None:
        pass


def text_lines(lines: list[str], style: T.Style, x: float, top: float, width: float, out: list[str],
               fonts: DocFonts, *, align: str = "left") -> None:
    """Draw ``lines`` in ``style`` from the first baseline ``top - size``, left or right aligned in ``width``."""
    if not lines:
        return
    size = num(style.size)
    out.append(f"q {rgb(style.color)} BT")
    y = top - style.size
    for line in lines:
        x0 = x
        if align == "right":
            x0 = x + width - T.width(line, style.font, style.size)
        out.append(f"1 0 0 1 {num(x0)} {num(y)} Tm")
        for font, run in T.runs(line, style.font):
            fonts.show(font, size, run, out)
        y -= style.leading
    out.append("ET Q")


def _use(lines: list[str], font: str, fonts: DocFonts) -> None:
    for line in lines:
        if line.isascii():
            fonts.use(font, line)
        else:
            for f, run in T.runs(line, font):
                fonts.use(f, run)


class Para(Block):
    """A paragraph of plain text in a named style, with an optional bullet."""

    def __init__(self, text: str, style: str = "body", *, bullet: str | None = None, auto_dir: bool = False) -> None:
        self.text = str(text)
        self.style = T.STYLES[style]
        self.space_before, self.space_after = self.style.space_before, self.style.space_after
        self.keep_with_next = self.style.keep_with_next
        self.bullet = bullet
        self.rtl_text = _pdf._has_rtl(self.text)
        self.rtl = self.rtl_text and auto_dir and _pdf._first_strong_rtl(self.text)
        self.lines: list[str] | None = None
        self._width = None

    def wrap(self, width, fonts):
        if self.lines is None or self._width != width:
            st = self.style
            room = width - st.left_indent
            if self.rtl_text:
                self.lines = T.visual_lines(self.text, st.font, st.size, room, self.rtl)
            else:
                self.lines = T.break_lines(_pdf.visual(self.text), st.font, st.size, room)
            self._width = width
            _use(self.lines, st.font, fonts)
            if self.bullet:
                fonts.use(st.font, self.bullet)
        self.height = len(self.lines) * self.style.leading
        return self.height

    def split(self, width, avail, fonts):
        self.wrap(width, fonts)
        fit = int((avail + _FUZZ) / self.style.leading)
        n = len(self.lines)
        if fit >= n:
            return [self]
        if fit <= 1:
            return []
        first, rest = copy.copy(self), copy.copy(self)
        first.lines, rest.lines = self.lines[:fit], self.lines[fit:]
        first.space_after = 0.0
        rest.space_before = 0.0
        rest.bullet = None
        for p in (first, rest):
            p.height = len(p.lines) * p.style.leading
        return [first, rest]

    def draw(self, x, y, out, fonts):
        st = self.style
        top = y + self.height
        if self.bullet:
            text_lines([self.bullet], T.Style("bullet", st.font, 10.0, 12.0, st.color), x + st.bullet_indent,
                       top - st.size + 10.0, 0, out, fonts)
        text_lines(self.lines, st, x + st.left_indent, top, self._width - st.left_indent, out, fonts,
                   align="right" if self.rtl else "left")


class Spacer(Block):
    def __init__(self, height: float) -> None:
        self.height = float(height)


class Mark(Block):
    """A bookmark (outline entry) where the next block starts: no size."""

    zero = True

    def __init__(self, title: str, level: int) -> None:
        self.title, self.level = title, level


class CondBreak(Block):
    """A page break if less than ``height`` points remain."""

    def __init__(self, height: float) -> None:
        self.height = float(height)


class Keep(Block):
    """Blocks kept on one page when they fit on one."""

    def __init__(self, items: list[Block]) -> None:
        self.items = list(items)

    def measure(self, width: float, fonts: DocFonts) -> float:
        """Total height as reportlab's ``_listWrapOn`` counts it (spaces merged, not the last space after)."""
        total, prev, top = 0.0, 0.0, True
        for b in self.items:
            h = b.wrap(width, fonts)
            if h <= _FUZZ:
                continue
            total += h
            if not top:
                total += max(b.space_before - prev, 0.0)
            top = False
            total += b.space_after
            prev = b.space_after
        return total - prev


class Graphic(Block):
    """A reportlab Drawing (the dot plot), drawn by :func:`mentorassess.reports.fastpdf.chart.draw_shapes`."""

    def __init__(self, drawing) -> None:
        self.drawing = drawing
        self.height = float(drawing.height)

    def wrap(self, width, fonts):
        from mentorassess.reports.fastpdf.chart import use_fonts

        use_fonts(self.drawing, fonts)
        return self.height

    def draw(self, x, y, out, fonts):
        from mentorassess.reports.fastpdf.chart import draw_shapes

        out.append(f"q 1 0 0 1 {num(x)} {num(y)} cm")
        draw_shapes(self.drawing.contents, out, fonts)
        out.append("Q")


# --- tables -------------------------------------------------------------------------------------------
class TableBlock(Block):
    """:func:`mentorassess.reports.pdf.data_table`: bold header on a tint, zebra rows, rules, numbers
    right-aligned, the header repeated on the next page."""

    PAD_X, PAD_TOP, PAD_BOTTOM = 4.0, 2.5, 2.5

    def __init__(self, header, rows, widths, numeric=(), *, first: int = 1, last: bool = True) -> None:
        self.header = [str(h) for h in header]
        self.rows = [["" if v is None else str(v) for v in r] for r in rows]
        self.widths = [float(w) for w in widths]
        self.numeric = set(numeric)
        self.first = first  # index (in the whole table) of self.rows[0]
        self.last = last  # this part ends the table
        self._cells = None

    def _lines(self, fonts: DocFonts) -> list[list[list[str]]]:
        if self._cells is None:
            out = []
            for i, row in enumerate([self.header] + self.rows):
                st = T.STYLES["cell_bold" if i == 0 else "cell"]
                cells = []
                for j, value in enumerate(row):
                    room = self.widths[j] - 2 * self.PAD_X
                    lines = [] if value == "" else T.break_lines(_pdf.visual(value), st.font, st.size, room)
                    _use(lines, st.font, fonts)
                    cells.append(lines)
                out.append(cells)
            self._cells = out
            self._heights = [max([len(c) for c in cells] + [1]) * 11.5 + self.PAD_TOP + self.PAD_BOTTOM
                             for cells in out]
        return self._cells

    def wrap(self, width, fonts):
        self._lines(fonts)
        self.height = sum(self._heights)
        return self.height

    def split(self, width, avail, fonts):
        self.wrap(width, fonts)
        total, n = 0.0, 0
        for h in self._heights:
            if total + h > avail + _FUZZ:
                break
            total += h
            n += 1
        if n >= len(self._heights):
            return [self]
        if n <= 1:
            return []
        k = n - 1  # body rows in the first part
        a = TableBlock(self.header, self.rows[:k], self.widths, self.numeric, first=self.first, last=False)
        b = TableBlock(self.header, self.rows[k:], self.widths, self.numeric, first=self.first + k, last=self.last)
        return [a, b]

    def draw(self, x, y, out, fonts):
        cells = self._lines(fonts)
        width = sum(self.widths)
        top = y + self.height
        out.append("q")
        row_top = top
        for i, h in enumerate(self._heights):
            index = 0 if i == 0 else self.first + i - 1  # row index in the whole table (header = 0)
            fill = _HEADER if i == 0 else (_ZEBRA if index % 2 == 0 and index >= 2 else None)
            if fill is not None:
                out.append(f"{fill} n {num(x)} {num(row_top)} {num(width)} {num(-h)} re f*")
            row_top -= h
        row_top = top
        for i, h in enumerate(self._heights):
            st = T.STYLES["cell_bold" if i == 0 else "cell"]
            cx = x
            for j, lines in enumerate(cells[i]):
                w = self.widths[j]
                text_lines(lines, st, cx + self.PAD_X, row_top - self.PAD_TOP, w - 2 * self.PAD_X, out, fonts,
                           align="right" if j in self.numeric else "left")
                cx += w
            row_top -= h
        y_head = top - self._heights[0]
        out.append(f"1 J 1 j {_INK_STROKE} .8 w n {num(x)} {num(top)} m {num(x + width)} {num(top)} l S "
                   f".5 w n {num(x)} {num(y_head)} m {num(x + width)} {num(y_head)} l S")
        if self.last:
            out.append(f".8 w n {num(x)} {num(y)} m {num(x + width)} {num(y)} l S")
        out.append("Q")


def _palette(name: str, op: str) -> str:
    c = _pdf.PALETTE[name]
    return rgb((c.red, c.green, c.blue), op)


_HEADER = _palette("header_fill", "rg")
_ZEBRA = rgb((0xF7 / 255, 0xF7 / 255, 0xF7 / 255))
_INK_STROKE = _palette("ink", "RG")


class BoxBlock(Block):
    """:func:`mentorassess.reports.pdf.shaded_box`: paragraphs on a light grey box with a blue left rule."""

    PAD_L, PAD_R, PAD_T, PAD_B = 9.0, 9.0, 6.0, 4.0

    def __init__(self, paras: list[Para], width: float) -> None:
        self.paras = paras
        self.width = float(width)

    def wrap(self, width, fonts):
        room = self.width - self.PAD_L - self.PAD_R
        total = 0.0
        for p in self.paras:
            total += p.wrap(room, fonts) + p.space_before + p.space_after
        if self.paras:
            total -= self.paras[0].space_before + self.paras[-1].space_after
        self.height = total + self.PAD_T + self.PAD_B
        return self.height

    def draw(self, x, y, out, fonts):
        h = self.height
        out.append(f"q {_palette('box', 'rg')} n {num(x)} {num(y + h)} {num(self.width)} {num(-h)} re f* Q")
        cy = y + h - self.PAD_T
        if self.paras:
            cy += self.paras[0].space_before
        for p in self.paras:
            cy -= p.space_before + p.height
            p.draw(x + self.PAD_L, cy, out, fonts)
            cy -= p.space_after
        out.append(f"q 1 J 1 j {_palette('mentee', 'RG')} 2.5 w n {num(x)} {num(y + h)} m {num(x)} {num(y)} l S Q")


# --- the frame ----------------------------------------------------------------------------------------
class Page:
    __slots__ = ("placed", "marks")

    def __init__(self) -> None:
        self.placed: list[tuple[Block, float, float]] = []
        self.marks: list[tuple[Mark, float]] = []


def flow(blocks: list[Block], *, x: float, top: float, bottom: float, width: float, fonts: DocFonts) -> list[Page]:
    """Place ``blocks`` on pages of one frame (left ``x``, from ``top`` down to ``bottom``, ``width`` wide)."""
    pages = [Page()]
    y, at_top, prev = top, True, 0.0
    queue = deque(blocks)
    while queue:
        b = queue.popleft()
        if b.keep_with_next and queue and not b.grouped:
            group = [b]
            while queue and queue[0].keep_with_next and not isinstance(queue[0], Keep):
                group.append(queue.popleft())
            if queue and not isinstance(queue[0], (Keep, CondBreak)):
                group.append(queue.popleft())
            for g in group:
                g.grouped = True
            queue.appendleft(Keep(group))
            continue
        if isinstance(b, CondBreak):
            if y - bottom < b.height and not at_top:
                pages.append(Page())
                y, at_top, prev = top, True, 0.0
            continue
        if isinstance(b, Keep):
            first = next((i for i in b.items if not i.zero), None)
            s = 0.0 if at_top or first is None else max(first.space_before - prev, 0.0)
            if b.measure(width, fonts) > y - bottom - s and not at_top:
                pages.append(Page())
                y, at_top, prev = top, True, 0.0
            queue.extendleft(reversed(b.items))
            continue
        if b.zero:
            pages[-1].marks.append((b, y))
            prev = 0.0
            continue
        s = 0.0 if at_top else max(b.space_before - prev, 0.0)
        h = b.wrap(width, fonts)
        fits = y - s - h >= bottom - _FUZZ
        parts = None if fits else b.split(width, y - bottom - s, fonts)
        if fits or (at_top and not parts):  # (too tall for an empty page and unsplittable: it overflows)
            pages[-1].placed.append((b, x, y - s - h))
            y -= s + h + b.space_after
            prev = b.space_after
            at_top = False
            continue
        if parts and parts[0] is not b:
            queue.extendleft(reversed(parts))
            continue
        pages.append(Page())
        y, at_top, prev = top, True, 0.0
        queue.appendleft(b)
    return pages
