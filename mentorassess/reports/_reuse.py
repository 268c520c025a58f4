"""Work reportlab repeats in every PDF of a process, done once (issue 24: feedback PDFs at speed).

Every object here gives reportlab's own result, byte for byte; it is only remembered:

* :class:`_Paragraph`: a Paragraph that parses each distinct (markup, style, bullet) once, does not
  break its lines again when wrapped again at the same width, and shares the broken lines of one-run
  paragraphs (lines of plain words, which drawing and splitting only read) across paragraphs.
* :func:`remembering_font`: a TTFont whose embedded subsets (font program, its compression, the
  glyph-width array and the ToUnicode map's compression) are made once per distinct subset, and
  whose ``splitString`` maps text whose characters this document has all seen in its first subset
  in one C-level pass (reportlab's loop, per character, is taken for anything else).

Each cache is bounded (emptied when full). :func:`forget` empties them (tests compare a report
rendered first with the same report rendered after others).
"""

from __future__ import annotations

from itertools import islice

from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph
from reportlab.rl_config import _FUZZ

from mentorassess.reports import _lean

__all__ = ["remembering_font", "forget"]


class _RememberedFlate(pdfdoc.PDFStreamFilterZCompress):
    """reportlab's FlateDecode filter, remembering its output per content (embedded font subsets
    recur in most reports of a process; compressing them again was a tenth of a report's time).
    Text content (a subset's ToUnicode map, the same string for the same subset: see
    :func:`mentorassess.reports._lean.tounicode_cmap`) is remembered while ``_lean`` is active."""

    def __init__(self) -> None:
        self._done: dict[bytes, bytes] = {}

    def encode(self, text):
        if not isinstance(text, bytes) and not (isinstance(text, str) and _lean.active()):
            return super().encode(text)
        out = self._done.get(text)
        if out is None:
            if len(self._done) >= 512:
                self._done.clear()
            out = self._done[text] = super().encode(text)
        return out


_FLATE = _RememberedFlate()
_SUBSETS: list[dict] = []  # each remembering font's made subsets


def forget() -> None:
    """Empty every cache of this module (tests)."""
    _PARSED.clear()
    _LINES.clear()
    _FLATE._done.clear()
    _Widths._done.clear()
    for made in _SUBSETS:
        made.clear()


def remembering_font(name: str, path) -> TTFont:
    """A TTFont whose subsets (the glyphs embedded in a PDF) are made and compressed once per
    process for each distinct subset: reportlab's own code builds the same bytes every time."""
    font = TTFont(name, str(path))
    _lean.install_cmap()
    _lean.install_pdfdoc_enc()
    face = font.face
    made: dict[tuple[int, ...], bytes] = {}
    _SUBSETS.append(made)
    make, add = face.makeSubset, face.addSubsetObjects

    def make_subset(subset):
        key = tuple(subset)
        out = made.get(key)
        if out is None:
            if len(made) >= 256:
                made.clear()
            out = made[key] = make(subset)
        return out

    def add_subset_objects(doc, fontname, subset):
        ref = add(doc, fontname, subset)  # calls face.makeSubset, i.e. make_subset
        stream = doc.idToObject.get(f"fontFile:{face.filename}({fontname})")
        if stream is not None and stream.filters == [pdfdoc.PDFZCompress]:
            stream.filters = [_FLATE]
        return ref

    add_objects = font.addObjects
    comment = f"Font {name} subset "

    def add_objects_remembered(doc):
        add_objects(doc)
        for obj in doc.idToObject["BasicFonts"].dict.values():  # this font's subsets, just added
            if str(getattr(obj, "__Comment__", "")).startswith(comment) and type(obj.Widths) is pdfdoc.PDFArray:
                obj.Widths = _Widths(obj.Widths.sequence)
                cmap = doc.idToObject.get(getattr(obj.ToUnicode, "name", None))
                if cmap is not None and cmap.filters == [pdfdoc.PDFZCompress]:
                    cmap.filters = [_FLATE]

    face.makeSubset = make_subset
    face.addSubsetObjects = add_subset_objects
    font.addObjects = add_objects_remembered
    font.splitString = _quick_split(font)
    return font


def _quick_split(font: TTFont):
    """``font.splitString`` with a fast path giving reportlab's own result.

    reportlab assigns each new character of a document the next code of the document's subsets and
    returns (subset, codes) runs. When every character of ``text`` already has a code below 256 in
    this document (most text after the first lines of a report), the result is the single run
    ``(0, codes)``: looked up here in one pass (by ``str.translate`` on a table of the assigned codes
    while ``_lean`` is active, :func:`_codes_table`). Anything else (a new character, a no-break space,
    a code in a later subset, a character the font lacks, bytes) goes to reportlab's loop.
    """
    split = font.splitString
    states = font.state

    def split_string(text, doc, encoding="utf-8"):
        state = states.get(doc)
        if state is not None and type(text) is str:
            if _lean.active():  # the same codes, looked up by str.translate (see _codes_table)
                try:
                    codes = text.translate(_codes_table(state)).encode("latin-1")
                except ValueError:  # not yet assigned (_Codes), or a code >= 256 (UnicodeEncodeError)
                    return split(text, doc, encoding)
                return [(0, codes)] if codes else []
            try:
                codes = bytes(map(state.assignments.__getitem__, map(ord, text)))
            except (KeyError, ValueError):  # not yet assigned, or a code >= 256
                return split(text, doc, encoding)
            return [(0, codes)] if codes else []
        return split(text, doc, encoding)

    return split_string


class _Codes(dict):
    """A ``str.translate`` table of a document's assigned codes: character -> the character of its
    code (codes of 256 and above -> U+0100, which the latin-1 encoding then refuses); a character
    the table does not hold raises ValueError, so ``translate`` fails instead of keeping it."""

    __slots__ = ("size",)

    def __missing__(self, key):
        raise ValueError(key)


def _codes_table(state) -> _Codes:
    """The translate table of a font's per-document state, brought up to date with its assignments
    (reportlab only ever adds to them, in order: the new ones are the last ``len - size``)."""
    table = state.__dict__.get("_codes")
    assigned = state.assignments
    if table is None or table.size > len(assigned):
        table = state._codes = _Codes()
        table.size = 0
    if table.size != len(assigned):
        for k, v in islice(assigned.items(), table.size, None):
            table[k] = chr(v) if v < 256 else "\u0100"
        table.size = len(assigned)
    return table


class _Widths(pdfdoc.PDFArray):
    """A font subset's glyph widths (plain numbers), formatted once per distinct list per process."""

    _done: dict[tuple, bytes] = {}

    def format(self, document, IND=b"\n "):  # noqa: N803 (reportlab API)
        key = (tuple(self.sequence), IND, rl_config.pdfMultiLine, self.multiline)
        out = self._done.get(key)
        if out is None:
            if len(self._done) >= 512:
                self._done.clear()
            out = self._done[key] = super().format(document, IND)
        return out


# Parsed paragraph markup, shared by every report of a process: (markup, style, bullet) -> what
# reportlab's parser made of it. Most paragraphs of a report recur in others (headings, notes,
# explanations), and parsing is a fifth of a paragraph's cost. Each Paragraph gets its own copies of
# the fragments, so nothing one report's layout does to them reaches another report.
_PARSED: dict[tuple, tuple] = {}
_PARSED_MAX = 8192
_LINES: dict[tuple, tuple] = {}  # (parse key, widths) -> a one-run paragraph's broken lines


class _Paragraph(Paragraph):
    """A reportlab Paragraph that parses each distinct markup once per process and does not break
    its lines again when wrapped again at the same width (layout measures most paragraphs twice:
    once inside KeepTogether, once in the frame). Same lines, same drawing, same bytes."""

    def _setup(self, text, style, bulletText, frags, cleaner):  # noqa: N803 (reportlab API)
        if frags is not None or not isinstance(text, str):
            return super()._setup(text, style, bulletText, frags, cleaner)
        key = (text, style, bulletText)
        hit = _PARSED.get(key)
        if hit is None:
            super()._setup(text, style, bulletText, None, cleaner)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            hit = _PARSED[key] = (self.text, self.style, tuple(_lean.clone_frags(self.frags)), self.bulletText)
        self.text, self.style, parsed, self.bulletText = hit
        self.frags = _lean.clone_frags(parsed)
        self.debug = 0
        self._parsed_as = (key, self.frags, self.style)

    def breakLines(self, width):  # noqa: N802 (reportlab API)
        """reportlab's line breaking, shared between paragraphs of the same markup, style and widths
        when the result is one run of text (``kind == 0``: lines of plain words, which drawing and
        splitting only read); every attribute breakLines sets on the paragraph is set the same way."""
        parsed = self.__dict__.get("_parsed_as")
        if (parsed is None or parsed[1] is not self.frags or parsed[2] is not self.style
                or not isinstance(width, list)):
            return super().breakLines(width)
        key = (parsed[0], tuple(width))
        hit = _LINES.get(key)
        if hit is None:
            lines = super().breakLines(width)
            if lines.kind != 0 or self.frags is not parsed[1]:
                return lines
            if len(_LINES) >= _PARSED_MAX:
                _LINES.clear()
            hit = _LINES[key] = (lines, tuple(width), self._width_max, self._splitLongWordCount, self._hyphenations)
        lines, width[:], self._width_max, self._splitLongWordCount, self._hyphenations = hit
        self.height = 0
        return lines

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab API)
        memo = self.__dict__.get("_wrap_memo")
        if (memo is not None and memo[0] == availWidth and memo[1] is self.style and memo[2] is self.frags
                and memo[3] is self.__dict__.get("blPara")):
            self.width, self.height = memo[4]  # what wrap sets, in case anything changed them since
            return memo[4]
        out = super().wrap(availWidth, availHeight)
        if availWidth >= _FUZZ:  # below it reportlab lays nothing out
            self._wrap_memo = (availWidth, self.style, self.frags, self.blPara, out)
        return out
