"""Embedded font subsets of the feedback PDF engine.

Each TrueType font a document uses is embedded as simple-font subsets of at most 256 glyphs:

* subset 0 holds ASCII at its own codes and the document's other characters, sorted by code point, on
  the codes ASCII text never uses (1-31, 128-255); characters beyond those 159 go to later subsets;
* the objects of a subset (font program, widths, ToUnicode map, compressed) are made once per process
  for each distinct subset: documents with the same characters share them.

A document's text is encoded after its layout is done, when every character it draws is known
(:class:`DocFonts`). The font programs are reportlab's subsetter's (``TTFontFile.makeSubset``); the
ToUnicode maps are reportlab's (``ttfonts.makeToUnicodeCMap``), so text extraction gives the text back.
"""

from __future__ import annotations

import hashlib
import zlib
from functools import lru_cache

from reportlab.pdfbase import ttfonts

from mentorassess.reports.fastpdf import text as T

__all__ = ["DocFonts", "SubsetObjects", "subset_objects"]

_ASCII = tuple(range(128))
_FREE = tuple(range(1, 32)) + tuple(range(128, 256))  # codes of subset 0 that ASCII text never uses

# PDF string escapes of the 256 byte codes: printable ASCII as itself, the rest octal.
_ESC = [chr(c) if 32 <= c < 127 and chr(c) not in "()\\" else f"\\{c:03o}" for c in range(256)]
_ESC[ord("(")], _ESC[ord(")")], _ESC[ord("\\")] = "\\(", "\\)", "\\\\"
_ASCII_TABLE = {c: _ESC[c] for c in range(128)}


def _tag(font: str, subset: tuple[int, ...]) -> str:
    """Six capital letters naming a subset (PDF's subset prefix), from its font and characters."""
    digest = hashlib.sha256((font + ":" + ",".join(map(str, subset))).encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


class SubsetObjects:
    """The PDF objects of one subset of one font, as bytes (references filled in by the writer)."""

    __slots__ = ("base_font", "widths", "last", "descriptor", "font_file", "font_file_len", "cmap")

    def __init__(self, font: str, subset: tuple[int, ...]) -> None:
        face = T.face(font)
        base = f"{_tag(font, subset)}+{face.name.decode('latin-1') if isinstance(face.name, bytes) else face.name}"
        self.base_font = base
        self.last = len(subset) - 1
        widths = face.charWidths
        default = face.defaultWidth
        self.widths = " ".join(_num(widths.get(c, default)) for c in subset).encode()
        program = face.makeSubset(list(subset))
        self.font_file_len = len(program)
        self.font_file = zlib.compress(program, 6)
        flags = (face.flags & ~32) | 4  # symbolic, as reportlab marks its subsets
        self.descriptor = (
            f"/Type /FontDescriptor /Ascent {_num(face.ascent)} /CapHeight {_num(face.capHeight)} "
            f"/Descent {_num(face.descent)} /Flags {flags} /FontBBox [{' '.join(_num(v) for v in face.bbox)}] "
            f"/FontName /{base} /ItalicAngle {_num(face.italicAngle)} /StemV {_num(face.stemV)} "
            f"/MissingWidth {_num(default)}").encode()
        self.cmap = zlib.compress(ttfonts.makeToUnicodeCMap(base, list(subset)).encode("latin-1"), 6)


def _num(v: float) -> str:
    """A number as PDF writes it: integers bare, others with up to 4 decimals."""
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.4f}".rstrip("0").rstrip(".")


@lru_cache(maxsize=512)
def subset_objects(font: str, subset: tuple[int, ...]) -> SubsetObjects:
    """The objects of ``subset`` of ``font``, made once per process."""
    return SubsetObjects(font, subset)


class DocFonts:
    """The fonts and subsets one document draws with, and its text encoded in them.

    Collect every (font, text) with :meth:`use` during layout, :meth:`freeze`, then :meth:`show`
    gives the content-stream operators for a run of text.
    """

    def __init__(self) -> None:
        self._chars: dict[str, set[str]] = {}
        self._codes: dict[str, dict[str, tuple[int, int]]] = {}
        self.subsets: list[tuple[str, int, tuple[int, ...]]] = []  # (font, index, code points)
        self._names: dict[tuple[str, int], str] = {}

    def use(self, font: str, text: str) -> None:
        if not text.isascii():
            got = self._chars.get(font)
            if got is None:
                got = self._chars[font] = set()
            got.update(text)
        elif font not in self._chars:
            self._chars[font] = set()

    def freeze(self) -> None:
        n = 0
        for font in sorted(self._chars):
            extra = sorted(ch for ch in self._chars[font] if ord(ch) >= 128)
            codes = self._codes[font] = {}
            first = list(_ASCII)  # ASCII at its own codes; other characters on the free codes of subset 0
            for code, ch in zip(_FREE, extra):
                if code >= len(first):
                    first.append(ord(ch))
                else:
                    first[code] = ord(ch)
                codes[ch] = (0, code)
            n += 1
            self._names[(font, 0)] = f"F{n}"
            self.subsets.append((font, 0, tuple(first)))
            rest = extra[len(_FREE):]
            for k in range(0, len(rest), 256):
                chunk = rest[k:k + 256]
                index = k // 256 + 1
                n += 1
                self._names[(font, index)] = f"F{n}"
                self.subsets.append((font, index, tuple(map(ord, chunk))))
                for code, ch in enumerate(chunk):
                    codes[ch] = (index, code)

    def name(self, font: str, index: int) -> str:
        return self._names[(font, index)]

    def show(self, font: str, size: str, text: str, out: list[str]) -> None:
        """Append the operators drawing ``text`` in ``font`` at ``size`` (set before each subset's run)."""
        if text.isascii():
            out.append(f"/{self._names[(font, 0)]} {size} Tf ({text.translate(_ASCII_TABLE)}) Tj")
            return
        codes = self._codes[font]
        cur = -1
        buf: list[str] = []
        for ch in text:
            o = ord(ch)
            if o < 128:
                index, code = 0, o
            else:
                index, code = codes[ch]
            if index != cur:
                if buf:
                    out.append(f"({''.join(buf)}) Tj")
                    buf = []
                out.append(f"/{self._names[(font, index)]} {size} Tf")
                cur = index
            buf.append(_ESC[code])
        if buf:
            out.append(f"({''.join(buf)}) Tj")
