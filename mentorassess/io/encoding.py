"""Decoding of text exports: UTF-8 (with or without BOM), UTF-16 (BOM or not), Windows-1252.

The order follows ``docs/export-formats.md`` section 4: BOM sniffing, strict UTF-8, UTF-16
without a BOM (recognised by its NUL pattern), then strict Windows-1252. ``latin-1`` is never
used as a silent fallback, because it never fails. A decoded text that looks like mojibake
(UTF-8 read as cp1252 somewhere upstream) is reported as a warning, never repaired silently.

Examples
--------
>>> decode_bytes("Łukasz".encode("utf-8"), "x.csv")[1]
'utf-8'
>>> decode_bytes("\\ufeffa,b".encode("utf-8"), "x.csv")
('a,b', 'utf-8-sig')
>>> decode_bytes("caf\\xe9 \\u2019".encode("cp1252"), "x.csv")[1]
'cp1252'
"""

from __future__ import annotations

import re

from mentorassess.errors import ImportFormatError, Problem

__all__ = ["decode_bytes", "mojibake_warning"]

_MOJIBAKE = re.compile("Ã[\u0080-\u00ff]|â€[\u0080-\u00ff\u2018-\u203a]|ï»¿|\ufffd")


def decode_bytes(raw: bytes, file: str, *, head_only: bool = False) -> tuple[str, str]:
    """Decode an export's bytes; return ``(text, encoding name)``.

    With ``head_only``, a UTF-8 file (with or without a BOM) is checked and decoded only in its
    first megabyte (the caller then decodes the rest strictly, e.g. with pandas, and reports
    invalid bytes later); the text returned is that first part.

    Raises
    ------
    ImportFormatError
        When the file is empty, binary, or in none of the supported encodings.
    """
    if len(raw) < 65536 and not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFormatError("the file is empty", file=file,
                                hint="export the survey again; the file has no header and no data")
    if raw.startswith(b"\xef\xbb\xbf"):
        if head_only:  # like plain UTF-8 below: the first megabyte after the BOM
            return _utf8_head(raw[3:1 << 20], file), "utf-8-sig"
        return _strict(raw[3:], "utf-8", file), "utf-8-sig"
    if raw.startswith(b"\xff\xfe"):
        return _strict(raw[2:], "utf-16-le", file), "utf-16-le (BOM)"
    if raw.startswith(b"\xfe\xff"):
        return _strict(raw[2:], "utf-16-be", file), "utf-16-be (BOM)"
    head = raw[:4096]
    if b"\x00" in head:
        # UTF-16 without a BOM: ASCII text has a NUL in every other byte.
        even, odd = head[0::2], head[1::2]
        if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.1 * len(even):
            return _strict(raw, "utf-16-le", file), "utf-16-le"
        if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.1 * len(odd):
            return _strict(raw, "utf-16-be", file), "utf-16-be"
        raise ImportFormatError("this is a binary file, not a text export", file=file,
                                hint="export the survey as CSV, TSV, XLSX or SPSS .sav and pass that file")
    part = raw[:1 << 20] if head_only else raw
    try:
        return part.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if part is not raw and exc.start > len(part) - 4 and exc.reason == "unexpected end of data":
            return part[:exc.start].decode("utf-8"), "utf-8"
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"the file is neither UTF-8, UTF-16 nor Windows-1252 text (byte {exc.start} is 0x{raw[exc.start]:02x})",
            file=file, hint="save the export as UTF-8 CSV") from exc
    if any(ord(c) < 32 and c not in "\t\r\n" for c in text[:4096]):
        raise ImportFormatError("this is a binary file, not a text export", file=file,
                                hint="export the survey as CSV, TSV, XLSX or SPSS .sav and pass that file")
    return text, "cp1252"


def _utf8_head(part: bytes, file: str) -> str:
    """UTF-8 text of the first part of a file: a character cut at the end of the part is dropped."""
    try:
        return part.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start > len(part) - 4 and exc.reason == "unexpected end of data":
            return part[:exc.start].decode("utf-8")
        raise ImportFormatError(f"invalid utf-8 text at byte {exc.start}", file=file,
                                hint="the file may be truncated or mixed-encoding; export it again") from exc


def _strict(raw: bytes, encoding: str, file: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ImportFormatError(f"invalid {encoding} text at byte {exc.start}", file=file,
                                hint="the file may be truncated or mixed-encoding; export it again") from exc


def mojibake_warning(text: str, file: str) -> Problem | None:
    """A warning when the text contains typical mojibake (``Ã©``, ``â€™``, a BOM read as cp1252)."""
    m = _MOJIBAKE.search(text[:1_000_000])
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return Problem("the text contains characters typical of a wrong encoding (e.g. 'Ã©' for 'é')",
                   file=file, line=line, code="mojibake", severity="warning", value=m.group(0),
                   hint="the file was probably saved through a program that misread UTF-8; export it again")
