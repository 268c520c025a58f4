"""Fonts: every character of every roster name is drawn by a font that has it."""

from __future__ import annotations

import unicodedata

import pytest

from mentorassess.reports.pdf import (FONT, FONT_BOLD, FONT_CJK, FONT_ITALIC, font_covers, font_for_char, markup,
                                      missing_glyphs, visual)
from mentorassess.sample import _NAMES

NAMES = [n for n, _ in _NAMES]


@pytest.mark.parametrize("font", [FONT, FONT_BOLD])
def test_every_roster_name_is_covered(font):
    for name in NAMES:
        assert missing_glyphs(name, font) == [], name
        for ch in visual(name):
            chosen = font_for_char(ch, font)
            assert chosen is not None and font_covers(chosen, ch), (name, ch)


def test_scripts_use_the_expected_fonts():
    assert font_for_char("ł") == FONT and font_for_char("ễ") == FONT
    assert font_for_char("Γ") == FONT and font_for_char("Ж") == FONT
    assert font_for_char("王") == FONT_CJK and font_for_char("芳") == FONT_CJK
    # DejaVu Sans Oblique lacks Arabic: falls back to the upright face rather than a box
    shaped = visual("ليلى")
    assert all(font_for_char(ch, FONT_ITALIC) == FONT for ch in shaped)


def test_markup_wraps_cjk_runs_and_escapes():
    m = markup("王芳 (Wang Fang) <b>&", FONT)
    assert m.startswith(f"<font name=\"{FONT_CJK}\">王芳")
    assert "&lt;b&gt;&amp;" in m


def test_visual_keeps_ltr_text_and_shapes_arabic():
    assert visual("Zofia Wiśniewska") == "Zofia Wiśniewska"
    assert visual(unicodedata.normalize("NFD", "Trần Văn Đức")) == "Trần Văn Đức"
    shaped = visual("ليلى حداد (Layla Haddad)")
    assert shaped.endswith("(Layla Haddad)")
    # presentation forms, in visual order: NFKC and reversing gives the logical words back
    logical = unicodedata.normalize("NFKC", shaped.split(" (")[0])[::-1]
    assert logical == "ليلى حداد"


def test_uncovered_characters_are_reported():
    assert missing_glyphs("\U00013000 ok") == ["\U00013000"]  # Egyptian hieroglyph: no font of ours


def test_right_to_left_comment_wraps_in_logical_line_order():
    from mentorassess.reports.pdf import BidiParagraph, para

    text = ("المشرفة تخصص وقتا كافيا للاجتماعات الأسبوعية وتقدم ملاحظات مفصلة على المسودات خلال أيام قليلة، "
            "وهذا ساعدني كثيرا في كتابة أول طلب منحة لي.")
    p = para(text, "quote", auto_dir=True)
    assert isinstance(p, BidiParagraph) and p.rtl
    p.wrap(250, 1000)
    lines = p._para.text.split("<br/>")
    assert len(lines) >= 2
    first = unicodedata.normalize("NFKC", lines[0])[::-1]
    last = unicodedata.normalize("NFKC", lines[-1])[::-1]
    assert first.startswith("المشرفة") and "لي" in last
    # an English sentence with an Arabic name stays left-to-right
    assert not para("Prepared for ليلى حداد today", auto_dir=True).rtl
