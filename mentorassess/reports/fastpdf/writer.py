"""Write the objects of a PDF file: catalogue, pages, fonts, outline, information, cross-reference.

Deterministic: the bytes depend only on the pages, the fonts, the outline and the information given
(the file identifier is a digest of the body). Page streams are deflated at zlib level 1.
"""

from __future__ import annotations

import hashlib
import zlib

from mentorassess.reports.fastpdf.fonts import DocFonts, subset_objects

__all__ = ["pdf_string", "write_pdf"]

PAGE_DEFLATE_LEVEL = 1


def pdf_string(s: str) -> str:
    """A PDF text string: ASCII as a literal string, anything else as UTF-16BE hex with a byte-order mark."""
    if s.isascii():
        return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").replace("\r", "\\r") \
            .replace("\n", "\\n") + ")"
    return "<FEFF" + s.encode("utf-16-be").hex().upper() + ">"


class _Objects:
    def __init__(self) -> None:
        self.body: list[bytes | None] = [None]  # object 0 is the free list head

    def reserve(self) -> int:
        self.body.append(None)
        return len(self.body) - 1

    def set(self, n: int, content: bytes) -> None:
        self.body[n] = content

    def add(self, content: bytes) -> int:
        self.body.append(content)
        return len(self.body) - 1

    def stream(self, data: bytes, extra: str = "", n: int | None = None) -> int:
        head = f"<< /Length {len(data)}{(' ' + extra) if extra else ''} >>\nstream\n".encode()
        content = head + data + b"\nendstream"
        if n is None:
            return self.add(content)
        self.set(n, content)
        return n


def write_pdf(pages: list[str], *, size: tuple[float, float], fonts: DocFonts, info: dict[str, str],
              lang: str, outline: list[tuple[str, int, int, float]]) -> bytes:
    """The PDF of ``pages`` (content streams); ``outline`` holds (title, level, page index, y) in order."""
    objs = _Objects()
    catalog, pages_n, info_n = objs.reserve(), objs.reserve(), objs.reserve()
    # fonts: one Font object per subset
    font_refs = []
    for font, index, subset in fonts.subsets:
        so = subset_objects(font, subset)
        ff = objs.stream(so.font_file, f"/Filter /FlateDecode /Length1 {so.font_file_len}")
        desc = objs.add(b"<< " + so.descriptor + f" /FontFile2 {ff} 0 R >>".encode())
        cmap = objs.stream(so.cmap, "/Filter /FlateDecode")
        name = fonts.name(font, index)
        f = objs.add(f"<< /Type /Font /Subtype /TrueType /Name /{name} /BaseFont /{so.base_font} /FirstChar 0 "
                     f"/LastChar {so.last} /Widths [ ".encode() + so.widths
                     + f" ] /FontDescriptor {desc} 0 R /ToUnicode {cmap} 0 R >>".encode())
        font_refs.append(f"/{name} {f} 0 R")
    resources = objs.add(f"<< /Font << {' '.join(font_refs)} >> /ProcSet [ /PDF /Text ] >>".encode())
    w, h = (_n(v) for v in size)
    page_ids = []
    for content in pages:
        data = zlib.compress(content.encode("latin-1"), PAGE_DEFLATE_LEVEL)
        c = objs.stream(data, "/Filter /FlateDecode")
        page_ids.append(objs.add(f"<< /Type /Page /Parent {pages_n} 0 R /MediaBox [ 0 0 {w} {h} ] /Contents {c} 0 R "
                                 f"/Resources {resources} 0 R >>".encode()))
    objs.set(pages_n, f"<< /Type /Pages /Count {len(page_ids)} /Kids [ {' '.join(f'{p} 0 R' for p in page_ids)} ] >>"
             .encode())
    outlines = _outline(objs, outline, page_ids)
    cat = f"<< /Type /Catalog /Pages {pages_n} 0 R /Lang {pdf_string(lang)} /ViewerPreferences << /DisplayDocTitle true >>"
    if outlines:
        cat += f" /Outlines {outlines} 0 R /PageMode /UseNone"
    objs.set(catalog, (cat + " >>").encode())
    objs.set(info_n, ("<< " + " ".join(f"/{k} {v if k in _RAW else pdf_string(v)}" for k, v in info.items()) + " >>")
             .encode())
    return _serialise(objs, catalog, info_n)


_RAW = frozenset({"Trapped"})


def _n(v: float) -> str:
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _outline(objs: _Objects, entries: list[tuple[str, int, int, float]], page_ids: list[int]) -> int | None:
    """The outline tree (two levels: an entry of level 1 goes under the level-0 entry before it)."""
    if not entries:
        return None
    root = objs.reserve()
    tops: list[dict] = []
    for title, level, page, y in entries:
        node = {"n": objs.reserve(), "title": title, "page": page_ids[page], "y": y, "kids": []}
        if level > 0 and tops:
            tops[-1]["kids"].append(node)
        else:
            tops.append(node)

    def emit(nodes: list[dict], parent: int) -> None:
        for i, nd in enumerate(nodes):
            parts = [f"/Title {pdf_string(nd['title'])}", f"/Parent {parent} 0 R",
                     f"/Dest [ {nd['page']} 0 R /Fit ]"]
            if i > 0:
                parts.append(f"/Prev {nodes[i - 1]['n']} 0 R")
            if i + 1 < len(nodes):
                parts.append(f"/Next {nodes[i + 1]['n']} 0 R")
            kids = nd["kids"]
            if kids:
                parts += [f"/First {kids[0]['n']} 0 R", f"/Last {kids[-1]['n']} 0 R", f"/Count {len(kids)}"]
                emit(kids, nd["n"])
            objs.set(nd["n"], ("<< " + " ".join(parts) + " >>").encode())

    emit(tops, root)
    count = len(tops) + sum(len(t["kids"]) for t in tops)
    objs.set(root, f"<< /Type /Outlines /First {tops[0]['n']} 0 R /Last {tops[-1]['n']} 0 R /Count {count} >>"
             .encode())
    return root


def _serialise(objs: _Objects, catalog: int, info: int) -> bytes:
    out = [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"]
    pos = len(out[0])
    offsets = []
    for n, content in enumerate(objs.body[1:], start=1):
        chunk = b"%d 0 obj\n" % n + content + b"\nendobj\n"
        offsets.append(pos)
        out.append(chunk)
        pos += len(chunk)
    body = b"".join(out)
    ident = hashlib.md5(body, usedforsecurity=False).hexdigest()
    xref = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
    xref += [b"%010d 00000 n \n" % o for o in offsets]
    trailer = (f"trailer\n<< /Size {len(offsets) + 1} /Root {catalog} 0 R /Info {info} 0 R "
               f"/ID [ <{ident}> <{ident}> ] >>\nstartxref\n{pos}\n%%EOF\n").encode()
    return body + b"".join(xref) + trailer
