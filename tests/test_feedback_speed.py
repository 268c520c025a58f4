"""The feedback PDFs' speed-ups (issue 24) change no output and leak nothing between reports.

* ``ProfileSource`` reads each mentor's rows from frames split once per program: the
  ``FeedbackData`` must equal what ``Profiles.profile`` (the former path) gives, for every report.
* Per-process caches (parsed paragraphs, line breaks at one width, font subsets, chart labels):
  a report rendered after other reports has exactly the bytes it has when rendered first, in
  either order, and holds nothing of the other report.
* Reports are written on other threads: a write that fails still fails the run.
* Each shortcut of round 5 (quick splitString, chart walk, copied table cell styles, the fallback
  font loaded before the fork) gives reportlab's own result; one and two processes write the same bytes.
"""

from __future__ import annotations

import html
import io

import pytest
from pypdf import PdfReader

from mentorassess.aggregate import aggregate
from mentorassess.errors import ReportError
from mentorassess.instruments import load_instrument
from mentorassess.reports import charts, pdf
from mentorassess.reports._profile import ProfileSource, _per_mentor
from mentorassess.reports.feedback import ReportOptions, _render_chunk, _worker_init, feedback_outputs
from mentorassess.sample import generate
from mentorassess.scoring import score

OPTIONS = ReportOptions(report_date="2026-11-25", program="Speed test program")


@pytest.fixture(scope="module")
def program():
    inst = load_instrument("mca-26")
    prog = generate(seed=20261202, n_mentors=12)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    return inst, prog, profiles


def test_split_once_source_gives_the_same_data_as_profiles_profile(program):
    inst, prog, profiles = program
    fast = ProfileSource(profiles, inst, options=OPTIONS, roster=prog.roster)
    slow = ProfileSource(profiles, inst, options=OPTIONS, roster=prog.roster)
    slow._get = _per_mentor(profiles)  # the former path: Profiles.profile on each mentor's frames
    keys = fast.keys()
    assert len(keys) == 24
    kinds = set()
    for key in keys:
        a, b = fast.data(key), slow.data(key)
        assert a == b, key
        kinds.add((a.mentees_shown, bool(a.comments), bool(a.change)))
    assert (False, False, False) in kinds or (False, False, True) in kinds  # a withheld report was compared
    assert any(shown and comments for shown, comments, _ in kinds)  # and one with mentee comments


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _fresh() -> None:
    pdf._forget()
    charts._forget()


def test_a_report_has_the_same_bytes_whatever_was_rendered_before(program):
    inst, prog, profiles = program
    source = ProfileSource(profiles, inst, options=OPTIONS, roster=prog.roster)
    shown = [k for k in source.keys("post") if source.data(k).mentees_shown and source.data(k).comments]
    a_key, b_key = shown[0], shown[1]
    a_data, b_data = source.data(a_key), source.data(b_key)
    assert a_data.mentor_name != b_data.mentor_name

    _fresh()
    a_alone = feedback_outputs(a_data)
    _fresh()
    b_alone = feedback_outputs(b_data)
    _fresh()
    a_first, b_second = feedback_outputs(a_data), feedback_outputs(b_data)
    _fresh()
    b_first, a_second = feedback_outputs(b_data), feedback_outputs(a_data)
    assert a_first == a_second == a_alone  # PDF and HTML twin
    assert b_first == b_second == b_alone
    assert a_alone[0] != b_alone[0]
    text_a, text_b = _text(a_second[0]), _text(b_second[0])
    assert a_data.mentor_name in text_a and b_data.mentor_name not in text_a
    assert b_data.mentor_name in text_b and a_data.mentor_name not in text_b
    a_comments = {c for g in a_data.comments for c in g.comments}
    b_only = [c for g in b_data.comments for c in g.comments if c not in a_comments]
    assert b_only
    assert html.escape(b_only[0]) in b_second[1].decode("utf-8")  # B's comment is in B's twin ...
    assert html.escape(b_only[0]) not in a_second[1].decode("utf-8")  # ... and not in A's


def test_paragraph_rewrapped_at_another_width_lays_out_like_a_new_one():
    text = "A paragraph long enough to need several lines at a narrow width and fewer at a wide one. " * 3
    p = pdf.para(text)
    wide = p.wrap(400, 1000)
    narrow = p.wrap(150, 1000)
    again = p.wrap(400, 1000)
    assert narrow[1] > wide[1]
    assert again == wide == pdf.para(text).wrap(400, 1000)
    assert pdf.para(text).wrap(150, 1000) == narrow
    q = pdf.para(text)
    assert q.frags is not p.frags and q.frags[0] is not p.frags[0]  # own fragments per paragraph


def test_a_failed_write_fails_the_chunk(program, tmp_path):
    inst, prog, profiles = program
    source = ProfileSource(profiles, inst, options=OPTIONS, roster=prog.roster)
    _worker_init(source)
    keys = source.keys("post")[:3]
    jobs = [(k, str(tmp_path / f"r{i}.pdf")) for i, k in enumerate(keys)]
    (tmp_path / "r1.pdf").write_bytes(b"already here")
    with pytest.raises(ReportError, match="already exists"):
        _render_chunk(jobs)
    assert (tmp_path / "r1.pdf").read_bytes() == b"already here"  # never overwritten
    assert (tmp_path / "r0.pdf").read_bytes().startswith(b"%PDF")


def test_shape_validation_is_back_on_after_charts_even_after_an_error():
    from reportlab import rl_config

    before = rl_config.shapeChecking
    assert before  # reportlab's default: on
    with pytest.raises(RuntimeError):
        with charts._unchecked():
            with charts._unchecked():  # nested (a chart drawn while another is built)
                assert rl_config.shapeChecking == 0
            assert rl_config.shapeChecking == 0
            raise RuntimeError("boom")
    assert rl_config.shapeChecking == before
    charts.dot_plot([charts.DotRow("A", self_score=3.0, mean=3.5, low=3.1, high=3.9)], scale_min=1, scale_max=5)
    assert rl_config.shapeChecking == before


def test_quick_split_string_gives_reportlabs_runs_and_codes():
    """The fast path of ``splitString`` (text whose characters a document has all seen) returns what
    reportlab's loop returns, and leaves each document's subsets exactly as that loop leaves them."""
    import random

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdf.register_fonts()
    font = pdfmetrics.getFont(pdf.FONT)
    assert "splitString" in font.__dict__  # the remembering font carries the fast path
    plain = TTFont.splitString.__get__(font)

    class Doc:  # splitString only needs a hashable, weakly referable document key
        pass

    rng = random.Random(7)
    alphabet = (list("abcdefghijklmnopqrstuvwxyz ABCDE.,;'-0123456789") + ["\u00a0", "é", "ł", "Ω", "Ж", "ק"]
                + [chr(0x4E2D)]  # a CJK glyph DejaVu lacks: code 0 in both paths
                + [chr(0x0100 + i) for i in range(300)])  # enough new characters for a second subset
    quick_doc, plain_doc = Doc(), Doc()
    fast_hits = 0
    for _ in range(600):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        state = font.state.get(quick_doc)
        seen = state is not None and all(ord(c) in state.assignments for c in text)
        assert font.splitString(text, quick_doc) == plain(text, plain_doc), text
        fast_hits += seen
        a, b = font.state[quick_doc], font.state[plain_doc]
        assert (a.assignments, a.subsets, a.nextCode) == (b.assignments, b.subsets, b.nextCode)
    assert len(font.state[quick_doc].subsets) > 1  # later subsets were reached and compared
    assert fast_hits > 100  # and the fast path was taken often
    assert font.splitString(b"bytes ok", quick_doc) == plain(b"bytes ok", plain_doc)


def test_one_and_two_processes_write_the_same_bytes(program, tmp_path):
    """The forked workers (frozen parent heap, threaded writes) write exactly what one process writes."""
    from mentorassess.reports.feedback import render_all

    inst, prog, profiles = program
    outs = {}
    for jobs in (1, 2):
        summary = render_all(profiles, inst, tmp_path / f"j{jobs}", options=OPTIONS, jobs=jobs, roster=prog.roster)
        files = sorted(p for p in (tmp_path / f"j{jobs}").iterdir())
        outs[jobs] = {p.name: p.read_bytes() for p in files}
        assert len(summary.written) == len(summary.html) == 24
    assert outs[1].keys() == outs[2].keys() and len(outs[1]) == 50  # 24 PDFs, 24 twins, 2 manifests
    assert outs[1] == outs[2]


def _chart_pdf(renderer_cls, drawing) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1)
    with charts._unchecked():
        renderer_cls().draw(drawing, canvas, 30, 400)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_quick_chart_walk_makes_reportlabs_canvas_calls():
    """Charts are drawn by a shorter walk (:class:`charts._QuickRenderer`); on every kind of row (self only,
    mean only, both close together and apart, program band, a note, a two-line label, a right-to-left
    label) the PDF is byte-identical to reportlab's own walk of the same drawing."""
    from reportlab.graphics.shapes import Drawing, Ellipse

    rows = [charts.DotRow("Aligning expectations", self_score=4.0, mean=3.2, low=2.9, high=3.6, band_low=3.0,
                          band_high=3.9),
            charts.DotRow("Maintaining effective communication with a rather long label", self_score=3.1, mean=3.2,
                          low=2.5, high=3.9, note="2 of your mentees"),
            charts.DotRow("Fostering independence", self_score=2.0),
            charts.DotRow("Promoting professional development", mean=4.4, low=4.0, high=4.8, band_low=3.5,
                          band_high=4.2),
            charts.DotRow("تعزيز الاستقلالية", self_score=5.0, mean=1.2, low=1.0, high=1.6)]
    chart = charts.dot_plot(rows, scale_min=1, scale_max=5, anchors={1: "Not at all", 3: "Moderately", 5: "Extremely"})
    assert isinstance(chart, charts._Chart)
    kinds = {type(n) for g in chart.contents for n in ([g] + list(getattr(g, "contents", [])))}
    assert set(charts._QUICK) - {charts._Chart} <= kinds  # every shape kind of the quick walk is in it
    quick = _chart_pdf(charts._QuickRenderer, chart)
    assert quick == _chart_pdf(charts._LeanRenderer, chart)
    # a shape the quick walk does not know goes to reportlab's walk, in place
    other = Drawing(200, 100)
    other.add(chart.contents[0])
    other.add(Ellipse(50, 50, 20, 10))
    other.add(chart.contents[-1])
    assert _chart_pdf(charts._QuickRenderer, other) == _chart_pdf(charts._LeanRenderer, other)


def test_fallback_font_is_loaded_before_the_fork_only_when_a_name_needs_it(program, monkeypatch):
    """Every worker would otherwise load the 4 MB CJK font itself (about 0.7 s each)."""
    from mentorassess.reports import feedback

    inst, prog, profiles = program
    calls = []
    monkeypatch.setattr(pdf, "_register_fallback", lambda: calls.append(1))
    source = ProfileSource(profiles, inst, options=OPTIONS, roster=prog.roster)
    source._names = {m: (n if n.isascii() else "Ana Pérez", d) for m, (n, d) in source._names.items()}
    feedback._preload_fallback(source, [], OPTIONS)
    assert calls == []  # Latin names (accents included): DejaVu draws them
    first = next(iter(source._names))
    source._names[first] = ("王芳 (Wang Fang)", None)
    feedback._preload_fallback(source, [], OPTIONS)
    assert calls == [1]
    feedback._preload_fallback(None, [], ReportOptions(program="研究指导项目"))
    assert calls == [1, 1]


def test_data_table_cells_are_styled_as_reportlab_styles_them_and_never_shared():
    from reportlab.platypus import Table, TableStyle

    for header, rows, numeric in [(["Competency", "You", "Mentees", "n"], [["A", 1, 2, 3], ["B", 4, 5, 6]], (1, 2, 3)),
                                  (["Item", "Mean"], [[f"row {i}", i] for i in range(27)], (1,)),
                                  (["Only"], [], ())]:
        widths = [100.0] * len(header)
        fast = pdf.data_table(header, rows, widths, numeric_cols=numeric)
        plain = Table(fast._cellvalues, colWidths=widths, repeatRows=1, hAlign="LEFT")
        commands = list(pdf._table_commands(tuple(sorted(numeric))))
        commands += [("BACKGROUND", (0, i), (-1, i), pdf.colors.HexColor("#F7F7F7")) for i in range(2, len(rows) + 1, 2)]
        plain.setStyle(TableStyle(commands))
        assert [[c.__dict__ for c in r] for r in fast._cellStyles] == [[c.__dict__ for c in r] for r in plain._cellStyles]
        assert fast._bkgrndcmds == plain._bkgrndcmds and fast._linecmds == plain._linecmds
        assert fast.wrap(400, 800) == plain.wrap(400, 800)
        again = pdf.data_table(header, rows, widths, numeric_cols=numeric)
        assert all(a is not b for ra, rb in zip(fast._cellStyles, again._cellStyles) for a, b in zip(ra, rb))
        again._cellStyles[0][0].fontname = "changed"  # a later table's change reaches no other table
        assert pdf.data_table(header, rows, widths, numeric_cols=numeric)._cellStyles[0][0].fontname == pdf.FONT_BOLD


def test_pool_workers_collect_garbage_less_often_and_the_caller_is_left_alone():
    """The feedback pool's workers raise the collector's threshold (fewer collections of the many
    short-lived layout objects); the process that calls render_all keeps its own settings."""
    import gc
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    from mentorassess._procs import parent_token
    from mentorassess.reports.feedback import _worker_init

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("the pool forks its workers only where fork exists")
    before = gc.get_threshold()
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"), initializer=_worker_init,
                             initargs=(None, parent_token(), True)) as ex:
        assert ex.submit(gc.get_threshold).result() == (10_000, 10, 10)
    assert gc.get_threshold() == before
