"""Round 6 of the feedback PDFs' speed-ups (issue 24) changes no byte.

Every shortcut of :mod:`mentorassess.reports._lean` can be switched off (``_lean.ENABLED = False``)
and is switched off by itself when reportlab's internals are not the expected ones; the bytes of the
PDF and its HTML twin must be the same either way, on varied reports: a long name, a CJK name, an
Arabic name, a report below the threshold, one with comments, one wave only, change since an earlier
wave, and the sample program's reports rendered one after another.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings

import pytest

from mentorassess.reports import _lean, charts, pdf
from mentorassess.reports.feedback import ReportOptions, feedback_outputs
from tests._feedback_helpers import make_data
from tests._feedback_kinds import KINDS


@pytest.fixture(autouse=True)
def _reportlab_engine(monkeypatch):
    """These tests are about the reportlab path (program and psychometric reports, and the reference
    engine of feedback reports): feedback reports are rendered with it here."""
    from mentorassess.reports import feedback

    monkeypatch.setattr(feedback, "ENGINE", "reportlab")


def _fresh() -> None:
    pdf._forget()
    charts._forget()


@pytest.fixture
def plain(monkeypatch):
    """Render on reportlab's plain path (the switch off) inside the test."""

    def render(data, *, lean: bool) -> tuple[bytes, bytes]:
        monkeypatch.setattr(_lean, "ENABLED", lean)
        try:
            return feedback_outputs(data)
        finally:
            monkeypatch.setattr(_lean, "ENABLED", True)

    return render


def _varied():
    long_name = "Maria-Fernanda de los Ángeles Rodríguez-Villanueva y Castellanos-Oyarzún (Dr.)"
    return {
        "long_name": make_data(long_name),
        "cjk_name": make_data("王芳 (Wang Fang)"),
        "arabic_name": make_data("ليلى حداد"),
        "suppressed": make_data("Jan Kowalski", n=2),
        "comments_one_wave": make_data("Ana Souza", comments=True, change=False),
        "no_comments_change": make_data("Kofi Mensah", comments=False, change=True),
        "hidden_competency": make_data("Eeva Virtanen", hidden="independence"),
        **{kind: make() for kind, make in KINDS.items()},
    }


def test_shortcuts_are_active_with_the_tested_reportlab():
    assert _lean.compatible() and _lean.active()


@pytest.mark.parametrize("kind", list(_varied()))
def test_lean_and_plain_paths_give_the_same_bytes(kind, plain):
    data = _varied()[kind]
    _fresh()
    lean = plain(data, lean=True)
    _fresh()
    ref = plain(data, lean=False)
    assert lean[0] == ref[0]
    assert lean[1] == ref[1]
    assert lean[0].startswith(b"%PDF")


def test_a_sequence_of_sample_reports_gives_the_same_bytes_on_both_paths(plain):
    """The sample program's reports, one after another (caches warm), on each path."""
    from mentorassess.aggregate import aggregate
    from mentorassess.instruments import load_instrument
    from mentorassess.reports._profile import ProfileSource
    from mentorassess.sample import generate
    from mentorassess.scoring import score

    inst = load_instrument("mca-26")
    prog = generate(seed=20261202, n_mentors=10)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    source = ProfileSource(profiles, inst, options=ReportOptions(report_date="2026-11-25"), roster=prog.roster)
    datas = [source.data(k) for k in source.keys()]
    assert any(not d.mentees_shown for d in datas) and any(d.comments for d in datas)
    _fresh()
    lean = [plain(d, lean=True) for d in datas]
    _fresh()
    ref = [plain(d, lean=False) for d in datas]
    assert lean == ref


def test_the_doc_frame_is_copied_cheaply_and_like_deepcopy():
    from reportlab.platypus import KeepTogether
    from reportlab.platypus.frames import Frame

    f = Frame(10, 20, 300, 400, id="normal")
    f._frameBGs = [("x", [1, 2])]
    f._generated_content = [object()]
    g = copy.deepcopy(f)
    object.__setattr__(f, "__class__", _lean.CheapCopyFrame)
    h = copy.deepcopy(f)
    assert type(h) is _lean.CheapCopyFrame and type(g) is Frame
    assert list(vars(h)) == list(vars(g))
    for key, value in vars(g).items():
        if key == "_generated_content":
            assert len(h._generated_content) == 1 and h._generated_content is not f._generated_content
            continue
        assert vars(h)[key] == value, key
    assert h._frameBGs is not f._frameBGs and h._frameBGs[0][1] is not f._frameBGs[0][1]
    h._frameBGs.append(1)
    h.width = 50  # geometry recomputed on the copy only
    assert f._frameBGs == [("x", [1, 2])] and f.width == 300 and h._aW != f._aW

    # the document's frame is such a frame, so KeepTogether takes the cheap copy
    calls = []
    real = _lean.CheapCopyFrame.__deepcopy__

    def counting(self, memo):
        calls.append(1)
        return real(self, memo)

    _lean.CheapCopyFrame.__deepcopy__ = counting
    try:
        pdf.build_pdf([KeepTogether([pdf.para("a"), pdf.para("b")])], title="t", author="a",
                      report_date=make_data().report_date)
    finally:
        _lean.CheapCopyFrame.__deepcopy__ = real
    assert calls


def test_pop_state_steps_back_like_statetrackers_pop():
    from reportlab.graphics.renderbase import StateTracker
    from reportlab.lib import colors

    a, b = StateTracker(), StateTracker()
    for t in (a, b):
        t.push({"fillColor": colors.red, "strokeWidth": 2})
        t.push({"fillColor": colors.blue})
    a.pop()
    _lean.pop_state(b)
    assert a._combined == b._combined and a._deltas == b._deltas
    assert b.getState()["fillColor"] == colors.red


def test_remembered_tounicode_map_is_reportlabs():
    from reportlab.pdfbase import ttfonts

    subset = [0, 32, 65, 0x4E01, 0x0107]
    assert _lean.tounicode_cmap("AAAAAA+DejaVuSans", subset) == _lean._PLAIN_CMAP("AAAAAA+DejaVuSans", subset)
    pdf.register_fonts()
    assert ttfonts.makeToUnicodeCMap is _lean.tounicode_cmap  # installed with the fonts


def test_unexpected_reportlab_internals_switch_the_shortcuts_off(monkeypatch, plain):
    """A reportlab whose internals differ: a warning, the plain path, the same bytes."""
    data = dataclasses.replace(make_data("王芳 (Wang Fang)"))
    _fresh()
    ref = plain(data, lean=False)
    monkeypatch.setattr(_lean, "_RL_VERSION", "9.9.9")
    _lean.compatible.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert not _lean.active()
        assert any("reportlab shortcuts off" in str(w.message) for w in caught)
        _fresh()
        assert feedback_outputs(data) == ref
    finally:
        monkeypatch.undo()
        _lean.compatible.cache_clear()
    assert _lean.active()


def test_fragment_clones_are_abag_clones():
    p = pdf.para("Plain words, <b>bold</b> and 王芳", raw=True)
    ours = _lean.clone_frags(p.frags)
    theirs = [f.clone() for f in p.frags]
    assert len(ours) == len(theirs) > 1
    for a, b, f in zip(ours, theirs, p.frags):
        assert type(a) is type(b) and vars(a) == vars(b) and list(vars(a)) == list(vars(b))
        assert a is not f and vars(a) is not vars(f)


def test_pdfdoc_encoding_of_text_is_reportlabs():
    import zlib

    from reportlab.pdfbase import pdfdoc

    pdf.register_fonts()
    assert pdfdoc.pdfdocEnc is _lean.pdfdoc_enc  # installed with the fonts
    plain = _lean._PLAIN_ENC
    a85 = pdfdoc.PDFBase85Encode.encode(zlib.compress(b"q 1 0 0 1 0 0 cm BT /F1 12 Tf ET Q" * 50))
    def outcome(enc, x):
        try:
            return enc(x)
        except UnicodeError as exc:
            return type(exc)

    texts = [a85, "", "/Name", "(Zofia Wi\u015bniewska)", "tab\tnew\nline\r", "\u00e9\u00e8\u00ff", b"\x00bytes",
             "\x18", "ascii but \x1f"] + [chr(i) for i in range(256)]
    for text in texts:
        assert outcome(_lean.pdfdoc_enc, text) == outcome(plain, text), repr(text)
    assert outcome(plain, "\x18") is UnicodeEncodeError  # the characters that take the codec's path


def _chart_pdf(renderer_cls, drawings) -> bytes:
    import io

    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    with charts._unchecked():
        for i, d in enumerate(drawings):
            renderer_cls().draw(d, canvas, 30, 60 + 200 * i)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_shared_chart_shapes_are_replayed_with_reportlabs_canvas_code(monkeypatch):
    """The shapes every chart of a geometry shares are drawn once and replayed: the same PDF as reportlab's own
    walk, in a document whose first chart records them and in one that only replays; a shared shape whose
    drawing changes the canvas's transparency state is never recorded, and is drawn right each time."""
    from reportlab.graphics.shapes import Drawing, Rect
    from reportlab.lib import colors

    rows = [charts.DotRow("Aligning expectations", self_score=4.0, mean=3.2, low=2.9, high=3.6, band_low=3.0,
                          band_high=3.9),
            charts.DotRow("Fostering independence", self_score=2.0, band_low=2.5, band_high=3.5),
            charts.DotRow("Promoting professional development", mean=4.4, low=4.0, high=4.8)]
    anchors = {1: "Not at all", 5: "Extremely"}

    def two_charts():
        return [charts.dot_plot(rows, scale_min=1, scale_max=5, anchors=anchors) for _ in range(2)]

    _fresh()
    first = _chart_pdf(charts._QuickRenderer, two_charts())  # records, then replays
    assert _lean._DONE
    replays = []
    real = _lean.replay
    monkeypatch.setattr(_lean, "replay", lambda r, k: replays.append(real(r, k)) or replays[-1])
    again = _chart_replay_pdf = _chart_pdf(charts._QuickRenderer, two_charts())  # replays only
    assert replays and all(replays)
    monkeypatch.setattr(_lean, "ENABLED", False)
    plain = _chart_pdf(charts._LeanRenderer, two_charts())
    assert first == again == _chart_replay_pdf == plain

    # a shared shape that sets a transparency state: refused, drawn each time
    monkeypatch.setattr(_lean, "ENABLED", True)
    see_through = Rect(0, 0, 50, 20, fillColor=colors.Color(1, 0, 0, alpha=0.5), strokeColor=None)
    _lean.register_shared([see_through])
    d = charts._Chart(100, 50)
    d.contents.append(see_through)
    quick = [_chart_pdf(charts._QuickRenderer, [d, d, d]) for _ in range(2)]  # the second document replays none
    assert any(k[0] == id(see_through) for k in _lean._REFUSED)
    assert quick[0] == quick[1] == _chart_pdf(charts._LeanRenderer, [d, d, d])


def test_dictionary_format_is_reportlabs():
    from collections import OrderedDict

    from reportlab.pdfbase import pdfdoc

    pdf.register_fonts()
    assert pdfdoc.PDFDictionary.format is _lean.dictionary_format  # installed with the fonts
    doc = pdfdoc.PDFDocument(invariant=1)
    plain = _lean._PLAIN_DICT_FORMAT
    many = {f"K{i}": i * 1.5 for i in range(14)}
    cases = [pdfdoc.PDFDictionary({"Type": pdfdoc.PDFName("Font"), "Widths": pdfdoc.PDFArray([1, 2.5, 3]),
                                   "Name": pdfdoc.PDFString("Zofia Wi\u015bniewska"), "A b(c)": 1}),
             pdfdoc.PDFDictionary(OrderedDict([("Z", 1), ("A", pdfdoc.PDFDictionary({"In": b"bytes"}))])),
             pdfdoc.PDFDictionary(many), pdfdoc.PDFDictionary({})]
    short = pdfdoc.PDFDictionary(many)
    short.multiline = False
    forced = pdfdoc.PDFDictionary(many)
    forced.multiline = "forced"
    for d in cases + [short, forced]:
        assert _lean.dictionary_format(d, doc) == plain(d, doc)
        assert _lean.dictionary_format(d, doc, b"\n  ") == plain(d, doc, b"\n  ")
    with pytest.raises(TypeError):
        _lean.dictionary_format(pdfdoc.PDFDictionary({1: 2, "a": 3}), doc)


@pytest.mark.parametrize("lean", [True, False])
def test_split_string_gives_reportlabs_runs_and_codes_on_both_paths(lean, monkeypatch):
    """splitString's fast path (a translate table of the assigned codes when lean, a per-character lookup
    when not) returns what reportlab's loop returns, the table following the assignments as they grow."""
    import random

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    monkeypatch.setattr(_lean, "ENABLED", lean)
    pdf.register_fonts()
    font = pdfmetrics.getFont(pdf.FONT)
    plain = TTFont.splitString.__get__(font)

    class Doc:
        pass

    rng = random.Random(11)
    alphabet = (list("abcdefghij klmnop.,0123456789") + ["\u00a0", "é", "ł", "Ω", chr(0x4E2D)]
                + [chr(0x0100 + i) for i in range(280)])
    ours, theirs = Doc(), Doc()
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert font.splitString(text, ours) == plain(text, theirs), text
    a, b = font.state[ours], font.state[theirs]
    assert (a.assignments, a.subsets, a.nextCode) == (b.assignments, b.subsets, b.nextCode)
    assert len(a.subsets) > 1
    assert ("_codes" in vars(a)) == lean


def test_the_environment_can_switch_the_shortcuts_off():
    import os
    import subprocess
    import sys

    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])  # this tree's package, not an installed one
    code = "from mentorassess.reports import _lean; print(_lean.ENABLED, _lean.active())"
    env = dict(os.environ, MENTORASSESS_REPORTLAB_SHORTCUTS="0",
               PYTHONPATH=os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    env["MENTORASSESS_REPORTLAB_SHORTCUTS"] = "1"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]
