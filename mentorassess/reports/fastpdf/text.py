"""Text metrics and line breaking of the feedback PDF engine.

Widths come from the TrueType fonts of :mod:`mentorassess.reports.pdf` (DejaVu Sans and the CJK
fallback), through the same font choice per character (:func:`~mentorassess.reports.pdf.font_for_char`).
Lines are broken the way reportlab's Paragraph breaks a plain paragraph (greedy, words split on white
space, a space may shrink by 5 %, a word wider than the line split between characters), so a report
has the lines it had when reportlab laid it out.
"""

from __future__ import annotations

import unicodedata

from reportlab.pdfbase import pdfmetrics

from mentorassess.reports import pdf as _pdf

__all__ = ["Style", "STYLES", "runs", "width", "break_lines", "visual_lines"]

_SHRINK = 0.05  # reportlab's rl_config.spaceShrinkage


class Style:
    """A paragraph style: the attributes of reportlab's ParagraphStyle that the feedback report uses."""

    __slots__ = ("name", "font", "size", "leading", "color", "space_before", "space_after", "left_indent",
                 "bullet_indent", "keep_with_next")

    def __init__(self, name, font, size, leading, color, space_before=0.0, space_after=0.0, left_indent=0.0,
                 bullet_indent=0.0, keep_with_next=False):
        self.name, self.font, self.size, self.leading, self.color = name, font, size, leading, color
        self.space_before, self.space_after = space_before, space_after
        self.left_indent, self.bullet_indent = left_indent, bullet_indent
        self.keep_with_next = keep_with_next


def _styles() -> dict[str, Style]:
    out = {}
    for name, st in _pdf.styles().items():
        c = st.textColor
        out[name] = Style(name, st.fontName, float(st.fontSize), float(st.leading), (c.red, c.green, c.blue),
                          float(st.spaceBefore), float(st.spaceAfter), float(st.leftIndent),
                          float(st.bulletIndent), bool(getattr(st, "keepWithNext", 0)))
    return out


STYLES = _styles()


# --- widths -------------------------------------------------------------------------------------------
_FACES: dict[str, tuple[dict, float]] = {}
_CHAR_FONT: dict[tuple[str, str], str] = {}
_WORDS: dict[str, dict[str, float]] = {}  # font -> word -> width in 1/1000 em


def face(font: str):
    """The TrueType face of ``font``, from reportlab's registry (registered on first need: the CJK
    fallback is registered only when a document uses it)."""
    _pdf.font_covers(font, "a")
    return pdfmetrics.getFont(font).face


def _face(font: str) -> tuple[dict, float]:
    got = _FACES.get(font)
    if got is None:
        f = face(font)
        got = _FACES[font] = (f.charWidths, float(f.defaultWidth))
    return got


def char_font(font: str, ch: str) -> str:
    """The font that draws ``ch`` in text whose style asks for ``font``."""
    key = (font, ch)
    got = _CHAR_FONT.get(key)
    if got is None:
        got = _CHAR_FONT[key] = _pdf.font_for_char(ch, font) or font
    return got


def _units(font: str, s: str) -> float:
    """Width of ``s`` in 1/1000 em when drawn in ``font`` (with the fallback per character)."""
    words = _WORDS.get(font)
    if words is None:
        words = _WORDS[font] = {}
    w = words.get(s)
    if w is None:
        w = 0.0
        for ch in s:
            f = char_font(font, ch)
            widths, default = _face(f)
            w += widths.get(ord(ch), default)
        if len(words) > 50_000:
            words.clear()
        words[s] = w
    return w


def width(s: str, font: str, size: float) -> float:
    """Width in points of ``s`` drawn in ``font`` at ``size``."""
    return _units(font, s) * size * 0.001


def runs(s: str, font: str) -> list[tuple[str, str]]:
    """``s`` as (font, text) runs: each character in ``font`` or, where ``font`` lacks it, the fallback."""
    if _pdf._cmap(font).issuperset(map(ord, s)):
        return [(font, s)]
    out: list[tuple[str, str]] = []
    cur, buf = font, []
    for ch in s:
        f = font if ch in " \n\t" else char_font(font, ch)
        if f != cur and buf:
            out.append((cur, "".join(buf)))
            buf = []
        if ch not in " \n\t" or not buf:
            cur = f
        buf.append(ch)
    if buf:
        out.append((cur, "".join(buf)))
    return out


# --- line breaking ------------------------------------------------------------------------------------


_BROKEN: dict[tuple[str, str, float, float], tuple[str, ...]] = {}


def break_lines(text: str, font: str, size: float, max_width: float) -> list[str]:
    """``text`` broken into lines no wider than ``max_width`` points, as reportlab breaks a plain paragraph
    (remembered: most paragraphs of a report recur in other reports)."""
    key = (text, font, size, max_width)
    got = _BROKEN.get(key)
    if got is None:
        if len(_BROKEN) >= 20_000:
            _BROKEN.clear()
        got = _BROKEN[key] = tuple(_break(text, font, size, max_width))
    return list(got)


def _break(text: str, font: str, size: float, max_width: float) -> list[str]:
    words = text.split()
    if not words:
        return []
    scale = size * 0.001
    space = _units(font, " ") * scale
    shrink = _SHRINK * space
    lines: list[str] = []
    line: list[str] = []
    current = -space
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        ww = _units(font, word) * scale
        new = current + space + ww
        lim = max_width + shrink * len(line)
        if new > lim and ww > max_width and type(word) is not _Piece:  # wider than a line: split it
            first, *rest = _split_word(word, current + space, max_width, font, scale)
            if first:
                line.append(first)
            if line:
                lines.append(" ".join(line))
            line, current = [], -space
            words[i:i] = rest
            continue
        if new <= lim or not line:
            line.append(word)
            current = new
        else:
            lines.append(" ".join(line))
            line, current = [word], ww
    if line:
        lines.append(" ".join(line))
    return lines


class _Piece(str):
    """A piece of a word split between characters (never split again)."""


def _split_word(word: str, line_width: float, max_width: float, font: str, scale: float) -> list[str]:
    """reportlab's ``_splitWord``: pieces of ``word`` that fill the rest of this line, then whole lines."""
    out: list[str] = []
    buf = ""
    w = line_width
    for ch in word:
        cw = _units(font, ch) * scale
        if w + cw > max_width and (buf or not out):
            out.append(buf)
            buf, w = "", 0.0
        buf += ch
        w += cw
    out.append(buf)
    return [out[0]] + [_Piece(p) for p in out[1:]]


def visual_lines(text: str, font: str, size: float, max_width: float, rtl: bool) -> list[str]:
    """Lines of right-to-left text: shaped, broken in logical order, each line put in visual order."""
    try:
        import arabic_reshaper
        from bidi import get_display
    except ImportError:  # documented limit: unshaped, logical order
        return break_lines(text, font, size, max_width)
    logical = arabic_reshaper.reshape(unicodedata.normalize("NFC", text))
    base = "R" if rtl else "L"
    return [get_display(line, base_dir=base) for line in break_lines(logical, font, size, max_width)]
