"""Page streams of every PDF are deflated binary (no ASCII85 layer) at zlib level 1, readable by a
PDF reader, and reportlab's global settings are left as they were found."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc
from reportlab.platypus import Paragraph

from mentorassess.reports import pdf


def _one(text: str) -> bytes:
    import datetime as dt

    story = [Paragraph(text, pdf.styles()["body"])]
    return pdf.build_pdf(story, title="t", author="a", report_date=dt.date(2026, 1, 2))


def test_page_streams_are_deflated_without_ascii85_and_the_setting_is_restored():
    before = rl_config.useA85
    out = _one("Zofia Wiśniewska – competency 4.25")
    assert rl_config.useA85 == before == 1
    assert b"/ASCII85Decode" not in out and b"/FlateDecode" in out
    filters = re.findall(rb"/Filter\s*(\[[^\]]*\]|/\w+)", out)
    assert filters and all(b"ASCII85" not in f for f in filters)
    text = PdfReader(io.BytesIO(out)).pages[0].extract_text()
    assert "competency 4.25" in text and "Wiśniewska" in text
    assert _one("Zofia Wiśniewska – competency 4.25") == out   # deterministic
    assert pdfdoc.PDFZCompress.__class__ is pdfdoc.PDFStreamFilterZCompress


def test_page_streams_are_deflated_at_level_one_and_fonts_at_reportlabs_level():
    import zlib

    out = _one("Zofia Wiśniewska – competency 4.25 " * 40)
    heads = list(re.finditer(rb"/Length (\d+)\s*>>\s*stream\r?\n", out))
    streams = [out[m.end():m.end() + int(m.group(1))] for m in heads]
    assert len(streams) >= 2
    levels = []
    for raw in streams:
        data = zlib.decompress(raw)
        levels.append(next((lvl for lvl in (1, 6) if zlib.compress(data, lvl) == raw), None))
    assert 1 in levels and 6 in levels and None not in levels   # page content at 1, font subsets at 6


def test_the_setting_is_restored_when_a_build_fails():
    before = rl_config.useA85

    class Boom(Paragraph):
        def wrap(self, *a):
            raise RuntimeError("boom")

    import datetime as dt

    with pytest.raises(RuntimeError, match="boom"):
        pdf.build_pdf([Boom("x", pdf.styles()["body"])], title="t", author="a", report_date=dt.date(2026, 1, 2))
    assert rl_config.useA85 == before
    assert pdfdoc.PDFZCompress.__class__ is pdfdoc.PDFStreamFilterZCompress
