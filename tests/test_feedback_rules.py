"""The rules from numbers to words (mentorassess.reports.rules): the checker passes on every report of
the sample, a generated 200-mentor program, and met-13 and mes-12 programs, and catches each
contradiction listed in issue 18 when it is seeded into a report."""

from __future__ import annotations

import collections
import re
import dataclasses

import pytest

from mentorassess.aggregate import aggregate
from mentorassess.errors import ReportError
from mentorassess.instruments import load_instrument
from mentorassess.reports._document import build_document
from mentorassess.reports._profile import iter_feedback_data
from mentorassess.reports._view import ChangeView
from mentorassess.reports.feedback import ReportOptions, checked_document
from mentorassess.reports.rules import Claim, check_report, reading
from mentorassess.sample import generate
from mentorassess.scoring import score
from tests._feedback_helpers import make_data
from tests._feedback_kinds import KINDS

PROGRAMS = {"sample": ("mca-26", 40), "generated-200": ("mca-26", 200), "met-13": ("met-13", 60),
            "mes-12": ("mes-12", 60)}


@pytest.fixture(scope="module", params=list(PROGRAMS))
def program_reports(request):
    ins, n = PROGRAMS[request.param]
    inst = load_instrument(ins)
    prog = generate(n_mentors=n, instrument=inst)
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    docs = [build_document(d) for d in iter_feedback_data(profiles, inst, options=ReportOptions(report_date="2026-11-25"))]
    return request.param, len(profiles.mentors), docs


def test_checker_passes_on_every_report(program_reports):
    name, n_reports, docs = program_reports
    assert len(docs) == n_reports
    kinds = collections.Counter()
    for doc in docs:
        assert doc.violations() == [], (doc.data.mentor_id, doc.data.wave)
        kinds.update(c.kind for c in doc.claims())
    # the run exercised the rules it claims to check
    assert kinds["standing"] > 0 and kinds["program"] > 0
    if name.startswith(("sample", "generated")):
        for k in ("highest", "focus", "no_focus", "self_vs", "gap_self_higher", "underrated_strength", "self_only",
                  "item_highest"):
            assert kinds[k] > 0, k
    else:  # single-competency instruments: overall mean, no self wording at all
        assert kinds["overall"] > 0 and kinds["highest"] == 0 and kinds["self_vs"] == 0
        for doc in docs:
            text = " ".join(doc.sentences() + [c.text for c in doc.claims()])
            assert "self-assessment" not in text and "open diamond" not in text


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_of_report_passes(kind):
    assert checked_document(KINDS[kind]()).violations() == []


# --- seeded contradictions (issue 18, "Why") -----------------------------------------------------------------
def _doc(d=None):
    d = d or make_data(n=5, change=False)
    doc = build_document(d)
    return d, doc, doc.claims(), doc.sentences(), doc.headings()


def _caught(d, claims, sentences=(), headings=(), expect=""):
    bad = check_report(d, claims, sentences, headings)
    assert bad, "the checker missed a seeded contradiction"
    assert any(expect in b for b in bad), bad
    return bad


def test_focus_area_also_shown_as_underrated_strength():
    d, _, claims, sents, heads = _doc()
    focus = reading(d).focus
    assert focus == ("expectations",)
    c = d.competency("expectations")
    seeded = Claim("underrated_strength", f"Aligning expectations: your mentees rated you {c.mean:.1f}, higher than your "
                   "own 3.0. It is a strength to build on.", ("expectations",), (c.mean,))
    _caught(d, claims + [seeded], sents, heads, "both a strength/highest and a focus area")


def _all_below(d):
    comps = tuple(dataclasses.replace(c, band_low=6.2, band_high=6.8) for c in d.competencies)
    return dataclasses.replace(d, competencies=comps)


def test_mentor_below_the_middle_half_must_be_told():
    d = _all_below(make_data(n=5, change=False))
    _, doc, claims, sents, heads = _doc(d)
    assert doc.violations() == []
    standing = next(c for c in claims if c.kind == "standing")
    assert "below it on all 6 competencies" in standing.text
    _caught(d, [c for c in claims if c.kind != "standing"], sents, heads, "expected one sentence on where")
    lie = Claim("standing", "Your mentees' averages are within the middle half on all 6 competencies (4.3 to 6.1).",
                (), (4.3, 6.1), (("within", tuple(c.id for c in d.competencies)),))
    _caught(d, [c for c in claims if c.kind != "standing"] + [lie], sents, heads, "standing sentence says")


def test_low_score_called_a_strength_to_build_on():
    d = _all_below(make_data(n=5, change=False))
    _, _, claims, sents, heads = _doc(d)
    c = d.competency("diversity")
    seeded = Claim("underrated_strength", f"Addressing diversity: your mentees rated you {c.mean:.1f}, higher than your "
                   f"own {c.self_score:.1f}. It is a strength to build on.", ("diversity",), (c.mean, c.self_score))
    _caught(d, claims + [seeded], sents, heads, "below the program's middle half but is called a strength")


def _near_top(d):
    means = [7.0, 7.0, 7.0, 7.0, 6.9, 6.8]
    comps = tuple(dataclasses.replace(c, mean=m, low=m - 0.8, high=7.0, self_score=m, gap=0.0, gap_class="aligned",
                                      band_low=5.0, band_high=5.9) for c, m in zip(d.competencies, means))
    return dataclasses.replace(d, competencies=comps)


def test_focus_area_within_the_uncertainty_and_split_ties():
    d = _near_top(make_data(n=5, change=False))
    _, doc, claims, sents, heads = _doc(d)
    assert doc.violations() == []
    kinds = {c.kind: c for c in claims}
    assert "no_focus" in kinds and "focus" not in kinds  # "no clear focus area" is a valid outcome
    assert "equally highest" in kinds["highest"].text and len(kinds["highest"].ids) == 4
    last = d.competencies[-1]
    seeded_focus = Claim("focus", f"The area that stands out for attention is {last.title} (6.8).", (last.id,), (6.8,))
    _caught(d, [c for c in claims if c.kind != "no_focus"] + [seeded_focus], sents, heads,
            "does not follow the numbers")
    two = tuple(c.id for c in d.competencies[:2])
    split = Claim("highest", "Your mentees rated you highest on A and B (7.0).", two, (7.0,))
    _caught(d, [c for c in claims if c.kind != "highest"] + [split], sents, heads, "exactly the tied highest")


def test_self_assessment_wording_without_a_self_form():
    d = KINDS["single_competency"]()
    _, _, claims, sents, heads = _doc(d)
    _caught(d, claims, sents + ["We did not receive a self-assessment from you this round."], heads,
            "self-assessment wording without a self form")


def test_no_data_report_suggesting_a_strength_and_a_focus_area():
    d = KINDS["no_data"]()
    _, _, claims, sents, heads = _doc(d)
    _caught(d, claims, sents + ["Consider sharing one strength and one focus area with your mentees."], heads,
            "does not name")


def test_change_without_n_per_wave_or_from_one_wave_only():
    d = KINDS["with_change"]()
    _, doc, claims, sents, heads = _doc(d)
    assert doc.violations() == []
    assert any(c.kind == "change_mentees" and "(5 mentees)" in c.text and "(6 mentees)" in c.text for c in claims)
    no_n = dataclasses.replace(d, change=(dataclasses.replace(d.change[0], n_before=None),) + d.change[1:])
    _caught(no_n, claims, sents, heads, "no n per wave")
    bare = Claim("change_mentees", "Aligning expectations: your mentees' average went from 3.4 to 4.3.", (),
                 (3.4, 4.3), (("n", (5, 6)),))
    _caught(d, claims + [bare], sents, heads, "without n per wave")
    one = dataclasses.replace(d, change=(ChangeView("expectations", "Aligning expectations", mean_after=4.3,
                                                    n_after=6),))
    _caught(one, claims, sents, heads, "one wave only")


def test_reference_by_position_and_claim_without_its_number():
    d, _, claims, sents, heads = _doc()
    _caught(d, claims, sents + ["For Fostering independence, your own rating is also higher (see the table above)."],
            heads, "reference by position")
    _caught(d, claims, sents + ["See the “Numbers at the end” section."], heads, "does not exist")
    h = next(c for c in claims if c.kind == "highest")
    _caught(d, [c for c in claims if c is not h] + [dataclasses.replace(h, text="Your mentees rated you highest on "
                                                                         "Maintaining effective communication.")],
            sents, heads, "missing from")


def test_a_hidden_competency_never_says_fewer_mentees_than_responded():
    """Rule 11 (found in the sample: 5 mentees responded, a competency hidden by the feasible-range rule
    read "fewer than 3 of your mentees answered these questions")."""
    d, doc, claims, sents, heads = _doc()
    assert d.n_mentees >= 3 and doc.violations() == []
    _caught(d, claims, sents + ["Addressing diversity: fewer than 3 of your mentees answered these questions."],
            heads, "fewer than 3 mentees although")


def test_gap_flagged_inside_the_uncertainty():
    d, _, claims, sents, heads = _doc()
    c = d.competency("professional_development")  # self 6.5, mentees 5.6: 0.9 apart
    seeded = Claim("gap_self_higher", f"{c.title}: you rated yourself 6.5; your mentees' average was 5.6.", (c.id,),
                   (6.5, 5.6))
    _caught(d, claims + [seeded], sents, heads, "within the uncertainty")


def test_a_report_breaking_the_rules_is_refused(monkeypatch):
    from mentorassess.reports import _claims

    monkeypatch.setattr(_claims, "focus", lambda d, r: Claim("focus", "Focus on Fostering independence (5.9).",
                                                             ("independence",), (5.9,)))
    with pytest.raises(ReportError, match="breaks the wording rules"):
        checked_document(make_data(n=5, change=False))


@pytest.mark.parametrize("n, says", [(5, "not shown here"), (4, "shown once at least 5 mentees have responded")])
def test_hidden_items_are_explained_truthfully_for_the_count(n, says):
    """With 5 mentees (the item threshold) and every item hidden by the feasible-range rule, the report must not
    say that items appear once 5 have responded; with 4 it may."""
    d = make_data(n=n, change=False)
    d = dataclasses.replace(d, items=tuple(dataclasses.replace(it, mean=None, n=None, low=None, high=None)
                                           for it in d.items), min_raters_items=5)
    text = " ".join(build_document(d).sentences())
    assert says in text
    assert ("shown once at least" in text) == (n < 5)


def test_no_mentees_average_explained_where_the_chart_shows_none(program_reports):
    # mentees answered (enough to count) but every competency average is withheld: the chart has no circle
    # and no plausible range, so neither the "how to read" box nor the HTML legend may explain them
    import re

    from mentorassess.reports import wording as W
    from mentorassess.reports.feedback import feedback_outputs

    name, _, docs = program_reports
    hidden = [doc for doc in docs
              if doc.data.mentees_shown and all(c.mean is None for c in doc.data.competencies)]
    if name in ("sample", "generated-200"):
        assert hidden, "the program has no report of this kind to check"
    charts = 0
    for doc in hidden[:8]:
        assert "filled circle" not in " ".join(doc.sentences())
        d = doc.data
        former = W.how_to_read(n_competencies=len(d.competencies), scale_min=d.scale_min, scale_max=d.scale_max,
                               anchors={}, min_raters=d.min_raters, mentees_shown=True, n_mentees=d.n_mentees,
                               band=False)
        assert any("although the chart shows none" in v for v in check_report(d, doc.claims(), [former]))
        said = "5 mentees responded and their ratings are summarised here."   # the former participation line
        assert any("although the chart shows none" in v for v in check_report(d, doc.claims(), [said]))
        assert not any("summarised here" in t for t in doc.sentences())
        _, page = feedback_outputs(d)
        svg = re.search(r"<svg.*?</svg>", page.decode("utf-8"), re.S)   # no chart without a self-rating either
        charts += svg is not None
        assert svg is None or ("plausible range" not in svg.group(0) and "mentees' average" not in svg.group(0))
    if name == "sample":
        assert charts > 0, "no chart of this kind was checked"
    shown = [doc for doc in docs if any(c.mean is not None for c in doc.data.competencies)]
    _, page = feedback_outputs(shown[0].data)
    svg = re.search(r"<svg.*?</svg>", page.decode("utf-8"), re.S).group(0)
    assert "plausible range" in svg and "mentees' average" in svg


def _self_vs_text(pairs):
    from types import SimpleNamespace

    from mentorassess.reports._claims import self_vs

    comps = [SimpleNamespace(title=f"C{i}", mean=m, self_score=s, low=m - 0.3, high=m + 0.3)
             for i, (s, m) in enumerate(pairs)]
    return self_vs(SimpleNamespace(competencies=comps)).text


@pytest.mark.parametrize("pairs, says", [
    ([(5.0, 5.1), (4.0, 4.2)], "You and your mentees: on each of the 2 competencies the two are about the same"),
    ([(5.0, 5.1)] * 6, "on each of the 6 competencies the two are about the same"),
    ([(6.5, 4.0), (5.0, 5.1)], "(6.5 against 4.0); on the other competency the two are about the same"),
    ([(6.5, 4.0), (5.0, 5.1), (4.0, 4.2)], "(6.5 against 4.0); on the other 2 competencies the two are about"),
    ([(5.0, 5.1)], "your own rating (5.0) and their average (5.1) are about the same"),
])
def test_self_vs_sentence_reads_right_for_every_count(pairs, says):
    """Round 8 found "on all 2 the two are about the same" in a demo report ("the other 1" likewise)."""
    text = _self_vs_text(pairs)
    assert says in text
    assert "all 2 the" not in text and "other 1 " not in text


def _only(d, keep: int, same_mean: float | None = None):
    """``d`` with the mentee averages of all but the first ``keep`` competencies hidden."""
    comps = []
    for i, c in enumerate(d.competencies):
        if i >= keep:
            c = dataclasses.replace(c, mean=None, n=None, low=None, high=None, gap=None, gap_class=None, hidden=True)
        elif same_mean is not None:
            c = dataclasses.replace(c, mean=same_mean, low=same_mean - 0.8, high=min(same_mean + 0.8, 7))
        comps.append(c)
    return dataclasses.replace(d, competencies=tuple(comps))


@pytest.mark.parametrize("keep", [1, 2])
def test_counts_of_one_and_two_read_right(keep):
    """Round 8's scan of 8,000 report sentences found "on all 1 competencies", "all 2 competencies the
    same", "(all 2.8, ...)" for two tied competencies and "all 2 questions"."""
    for d in (_only(make_data(n=5, change=False), keep), _only(make_data(n=5, change=False), keep, 5.5)):
        _, doc, claims, sents, heads = _doc(d)
        assert check_report(d, claims, sents, heads) == []
        text = " ".join(sents + [c.text for c in claims])
        assert not re.search(r"\ball [12]\b(?! ?\.\d)", text), text
        assert "1 competencies" not in text
    d = _only(make_data(n=5, change=False), 2, 5.5)
    texts = [c.text for c in _doc(d)[2]]
    assert any("rated both competencies the same: 5.5" in t for t in texts), texts


_MISREAD = re.compile(r"\ball [12] (?!\.)|(?<![\d.])1 (competencies|mentees|questions|items)\b|\bother 1\b"
                      r"|\b\d+ the two\b|\b(\w+) \2\b|\(\)|\bnan\b|\bNone\b")


def test_no_sentence_of_any_report_misreads_a_count(program_reports):
    name, _, docs = program_reports
    docs = list(docs) + [build_document(_only(make_data(n=n, change=change, self_done=self_done), keep, same))
                         for n in (3, 5) for change in (False, True) for self_done in (True, False)
                         for keep in range(1, 7) for same in (None, 5.5)]
    said = {s for doc in docs for s in [c.text for c in doc.claims()] + list(doc.sentences())}
    bad = sorted(s for s in said if _MISREAD.search(s))
    assert bad == [], (name, bad[:5])
