"""Each confidentiality leak found by the hostile review of issue 15, as a test that failed before.

The attacker's computation is stated in each test; the assertion is that it no longer succeeds
(nothing released, or the released figures do not determine what is protected).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.program import program_summary
from mentorassess.release.rules import HIDDEN, ReleaseRules
from mentorassess.scoring import score
from mentorassess.stats.program_data import program_change, program_tables

MCA = load_instrument("mca-26")
ITEMS = list(MCA.item_ids)


def _row(rid, mentor, role, wave, rater, values, *, when="2026-01-01T10:00:00", comment=None, items=None):
    r = {"response_id": rid, "mentor_id": mentor, "rater_role": role, "wave": wave, "rater_id": rater,
         "submitted_at": when}
    vals = values if isinstance(values, (list, tuple, np.ndarray)) else [values] * len(ITEMS)
    for i, v in zip(ITEMS, vals):
        r[i] = v
    if items is not None:  # answer only these items
        for i in ITEMS:
            if i not in items:
                r[i] = np.nan
    r["comment_strengths"] = comment
    return r


def _frame(rows):
    return pd.DataFrame(rows)


def _varied(seed, n, lo=3, hi=6):
    rng = np.random.default_rng(seed)
    return [list(rng.integers(lo, hi + 1, len(ITEMS)).astype(float)) for _ in range(n)]


# --- counting ------------------------------------------------------------------------------------------
def test_self_form_filed_as_mentee_does_not_count():
    """Leak: the mentor's own form filed as a mentee response made '3 mentees responded' and showed
    both real mentees' comments; he could subtract his own rating."""
    v = _varied(1, 3)
    rows = [_row("s1", "M1", "self", "pre", "M1", v[0]),
            _row("r1", "M1", "mentee", "pre", "E1", v[1], comment="Great mentor"),
            _row("r2", "M1", "mentee", "pre", "E2", v[2], comment="Very patient"),
            _row("r3", "M1", "mentee", "pre", "m1 ", v[0], comment="I am great")]  # rater id = mentor (case, space)
    prof = aggregate(score(_frame(rows), MCA), min_raters_comments=3)
    m = prof.profile("M1", "pre")
    assert m.suppressed and m.mentee_n is None and m.comments == ()
    assert prof.exclusions.set_index("response_id").loc["r3", "reason"] == "self_as_mentee"


def test_self_form_filed_under_roster_email_or_identical_answers():
    v = _varied(2, 4)
    roster = pd.DataFrame({"mentor_id": ["M1"], "name": ["Ana Lee"], "email": ["ana.lee@uni.edu"]})
    rows = [_row("s1", "M1", "self", "pre", "M1", v[0]),
            _row("r1", "M1", "mentee", "pre", "E1", v[1]), _row("r2", "M1", "mentee", "pre", "E2", v[2]),
            _row("r3", "M1", "mentee", "pre", "ANA.LEE@uni.edu", v[3]),
            _row("r4", "M1", "mentee", "pre", "X9", v[0])]  # answers equal to the self form, item for item
    prof = aggregate(score(_frame(rows), MCA), roster=roster)
    assert prof.profile("M1", "pre").suppressed
    ex = prof.exclusions.set_index("response_id")["reason"]
    assert ex["r3"] == "self_as_mentee" and ex["r4"] == "self_as_mentee"


def test_repeat_submissions_count_once_whatever_the_duplicates_setting():
    """Leak: with duplicates: keep_all, one mentee's three submissions counted as three mentees."""
    v = _varied(3, 5)
    rows = [_row("a1", "M1", "mentee", "pre", "E1", v[0], when="2026-01-01T10:00:00", comment="first try"),
            _row("a2", "M1", "mentee", "pre", "E1", v[1], when="2026-01-03T10:00:00", comment="second try"),
            _row("a3", "M1", "mentee", "pre", "E1", v[2], when="2026-01-02T10:00:00", comment="third try"),
            _row("b1", "M1", "mentee", "pre", "E2", v[3])]
    prof = aggregate(score(_frame(rows), MCA), min_raters_comments=3)
    assert prof.profile("M1", "pre").suppressed
    ex = prof.exclusions.set_index("response_id")["reason"]
    assert set(ex.index) == {"a1", "a3"} and set(ex) == {"repeat_submission"}  # a2 is the last submission
    # with a third distinct rater the report is released, counting 3 raters, not 5 responses
    rows.append(_row("c1", "M1", "mentee", "pre", "E3", v[4]))
    prof = aggregate(score(_frame(rows), MCA))
    assert prof.profile("M1", "pre").mentee_n == 3


def test_near_empty_response_does_not_unlock_results_or_comments():
    """Leak: a third response answering one item unlocked the two real mentees' comments."""
    v = _varied(4, 3)
    rows = [_row("r1", "M1", "mentee", "pre", "E1", v[0], comment="Kind and clear"),
            _row("r2", "M1", "mentee", "pre", "E2", v[1], comment="Helped with my grant"),
            _row("r3", "M1", "mentee", "pre", "E3", v[2], items=["mca01"])]
    prof = aggregate(score(_frame(rows), MCA), min_raters_comments=3)
    m = prof.profile("M1", "pre")
    assert m.suppressed and m.comments == () and not m.comments_shown
    assert prof.exclusions.set_index("response_id").loc["r3", "reason"] == "not_substantive"


def test_unkeyed_responses_need_one_more_rater_and_get_no_detail():
    v = _varied(5, 4)
    rows = [_row(f"r{i}", "M1", "mentee", "pre", None, v[i], comment=f"comment {i}") for i in range(3)]
    prof = aggregate(score(_frame(rows), MCA), min_raters_comments=3)
    assert prof.profile("M1", "pre").suppressed  # 3 unkeyed responses may be 2 people
    rows.append(_row("r3", "M1", "mentee", "pre", None, v[3], comment="comment 3"))
    prof = aggregate(score(_frame(rows), MCA), min_raters_comments=3, min_raters_items=3)
    m = prof.profile("M1", "pre")
    assert not m.suppressed and m.comments == () and m.items["mentee_mean"].isna().all()


# --- what a mentor sees ---------------------------------------------------------------------------------
def test_item_detail_needs_five_raters():
    v = _varied(6, 4)
    prof = aggregate(score(_frame([_row(f"r{i}", "M1", "mentee", "pre", f"E{i}", v[i]) for i in range(4)]), MCA))
    m = prof.profile("M1", "pre")
    assert not m.suppressed and m.items["mentee_mean"].isna().all()
    assert set(m.items["suppressed_reason"]) == {HIDDEN}
    assert m.competencies["mentee_mean"].notna().any()


@pytest.mark.parametrize("answers", [(7, 7, 7), (1, 1, 2), (6, 7, 7), (5, 7, 7)])
def test_means_that_pin_down_answers_are_withheld(answers):
    """Leak: a mean of 7.0 or 1.3 from three raters tells the mentor every rater's answer; 6.3 from
    5, 7, 7 tells the rater who gave 5 the other two answers."""
    base = _varied(7, 3)
    rows = []
    for i, a in enumerate(answers):
        vals = list(base[i])
        vals[0] = float(a)  # mca01, communication
        rows.append(_row(f"r{i}", "M1", "mentee", "pre", f"E{i}", vals))
    rows += [_row(f"x{i}", "M1", "mentee", "pre", f"F{i}", base[i]) for i in range(2)]  # 5 raters: items allowed
    # the 2 extra raters did not answer mca01: its n is 3 while the report has 5 raters
    for r in rows[3:]:
        r["mca01"] = np.nan
    prof = aggregate(score(_frame(rows), MCA))
    items = prof.profile("M1", "pre").items.set_index("item")
    assert np.isnan(items.loc["mca01", "mentee_mean"])
    assert items.loc["mca01", "suppressed_reason"] == HIDDEN
    # complementary: the other communication items are hidden too (else comp mean - items gives it)
    comm = [i.id for i in MCA.items if MCA.competency_of(i.id).id == "communication"]
    assert items.loc[comm, "mentee_mean"].isna().all()


def test_no_per_competency_n_reveals_a_skip():
    """Leak: 'fewer than 3 answered' for one competency in a report that says 3 responded."""
    v = _varied(8, 3)
    rows = [_row(f"r{i}", "M1", "mentee", "pre", f"E{i}", v[i]) for i in range(3)]
    for i in [i.id for i in MCA.items if MCA.competency_of(i.id).id == "diversity"]:
        rows[0][i] = np.nan
    prof = aggregate(score(_frame(rows), MCA))
    c = prof.profile("M1", "pre").competencies
    assert c["mentee_n"].isna().all()
    hidden = c[c["suppressed"]]
    assert set(hidden["suppressed_reason"]) <= {HIDDEN}
    assert "diversity" in set(hidden["competency"]) and "overall" in set(hidden["competency"])


def test_rules_validate_and_collect_problems():
    from mentorassess.errors import ConfigError

    with pytest.raises(ConfigError) as e:
        ReleaseRules(min_raters=2, min_raters_items=1, min_mentors=2)
    assert len(e.value.problems) == 3


# --- program tables --------------------------------------------------------------------------------------
def _program(n_mentees: dict[str, int], depts: dict[str, str], seed=11):
    rng = np.random.default_rng(seed)
    rows = []
    for m, k in n_mentees.items():
        for wave in ("pre", "post"):
            rows.append(_row(f"S{m}{wave}", m, "self", wave, m, list(rng.integers(3, 7, len(ITEMS)).astype(float))))
            for j in range(k):
                rows.append(_row(f"R{m}{wave}{j}", m, "mentee", wave, f"{m}E{j}",
                                 list(rng.integers(3, 7, len(ITEMS)).astype(float))))
    roster = pd.DataFrame({"mentor_id": list(depts), "department": list(depts.values())})
    return score(_frame(rows), MCA), roster


def test_single_mentor_department_is_hidden_and_dash_reveals_nothing():
    """Leaks: 'Dentistry 6.8 (3)' was one mentor's means; a '–' appeared only when both mentors of
    a department were below the threshold."""
    n = {"A1": 4, "A2": 4, "A3": 4, "A4": 4, "D1": 4, "B1": 1, "B2": 1, "C1": 4, "C2": 4}
    depts = {"A1": "Anatomy", "A2": "Anatomy", "A3": "Anatomy", "A4": "Anatomy", "D1": "Dentistry",
             "B1": "Biology", "B2": "Biology", "C1": "Chemistry", "C2": "Chemistry"}
    sc, roster = _program(n, depts)
    prof = aggregate(sc, roster=roster)
    tab = program_summary(prof, by=("department",), roster=roster).to_frame()
    dep = tab[(tab["by"] == "department")]
    for g in ("Dentistry", "Biology", "Chemistry"):  # 1, 2 (both below k) and 2 (both released) mentors
        cells = dep[dep["group"] == g]
        assert cells["suppressed"].all() and cells["mean"].isna().all() and cells["n_mentors"].isna().all()
    # Biology (both below) and Chemistry (both released) read exactly the same
    cols = ["mean", "n_mentors", "n_raters", "suppressed"]
    b = dep[dep["group"] == "Biology"][cols].reset_index(drop=True)
    c = dep[dep["group"] == "Chemistry"][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(b, c)


def test_mentor_dominating_a_cell_hides_it():
    def mentee_cells(n_a1):
        n = {"A1": n_a1, "A2": 3, "A3": 3, "B1": 3, "B2": 3, "B3": 3, "C1": 3, "C2": 3, "C3": 3}
        sc, roster = _program(n, {m: m[0] for m in n}, seed=5)
        prof = aggregate(sc, roster=roster, rules=ReleaseRules(min_raters=3, min_raters_items=3))
        assert not prof.mentors["suppressed"].any()
        tab = program_summary(prof, by=("department",), roster=roster, roles=("mentee",)).to_frame()
        return tab, prof

    tab, prof = mentee_cells(3)
    full = prof.competencies.groupby(["mentor_id", "wave"])["mentee_mean"].apply(lambda v: v.notna().all())
    assert full.all(), "every profile complete, so A's cells depend only on the dominance rule"
    assert not tab[tab["group"] == "A"]["suppressed"].any()
    tab, prof = mentee_cells(12)  # A1 supplies 12 of 18 ratings of department A
    assert tab[tab["group"] == "A"]["suppressed"].all()


def test_program_change_only_from_mentors_released_in_both_waves():
    """Leak: 'Mentees' ratings rose by 6.0 points ... 1 mentees' from a withheld mentor, and
    Change rows with n = 1."""
    n = {"M1": 4, "M2": 2, "M3": 1, "M4": 2}
    sc, roster = _program(n, {m: "X" for m in n})
    prof = aggregate(sc, roster=roster)
    ch = program_change(prof, pre="pre", post="post", role="mentee")
    t = ch.table
    assert t["suppressed"].all() and t["mean_diff"].isna().all() and t["ci_low"].isna().all()
    assert (t["mentors_compared"] <= 1).all()


def test_program_change_is_the_mean_over_mentors_of_released_changes():
    n = {f"M{i}": 5 for i in range(6)}
    sc, roster = _program(n, {m: "X" for m in n}, seed=3)
    prof = aggregate(sc, roster=roster)
    t = program_change(prof, pre="pre", post="post", role="mentee").table.set_index("competency")
    comp = prof.competencies
    for cid in prof.competency_ids:
        c = comp[(comp["competency"] == cid) & comp["mentee_mean"].notna()]
        pre = c[c["wave"] == "pre"].set_index("mentor_id")["mentee_mean"]
        post = c[c["wave"] == "post"].set_index("mentor_id")["mentee_mean"]
        both = pre.index.intersection(post.index)
        if len(both) < 3:
            assert t.loc[cid, "suppressed"]
            continue
        d = post[both] - pre[both]
        assert t.loc[cid, "n"] == len(both)
        assert abs(t.loc[cid, "mean_diff"] - d.mean()) < 1e-12
        half = t.loc[cid, "ci_high"] - t.loc[cid, "mean_diff"]
        from scipy import stats
        assert abs(half - stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))) < 1e-12


def test_score_and_run_release_the_same_values(tmp_path):
    """Leak: `mentorassess score` kept exact repeat submissions that `run` removed. Both now call
    the same release (aggregate), so the same data gives the same profiles."""
    v = _varied(9, 4)
    rows = [_row(f"r{i}", "M1", "mentee", "pre", f"E{i}", v[i]) for i in range(4)]
    rows.append(dict(rows[0], response_id="r0-again"))  # exact repeat
    sc = score(_frame(rows), MCA)
    a = aggregate(sc)
    b = aggregate(score(_frame(rows[:4]), MCA))
    pd.testing.assert_frame_equal(a.competencies, b.competencies)
    assert a.profile("M1", "pre").mentee_n == 4


def test_fast_competency_rule_agrees_with_the_exact_one():
    """The release layer's closed-form R5 for competency means equals release.feasible's exact
    check (outsider ell = 3, insider one scale point) away from rounding ties."""
    from mentorassess.release.feasible import score_mean_safe
    from mentorassess.release.mentor import _score_safe

    rules = ReleaseRules()
    rng = np.random.default_rng(0)
    checked = 0
    for _ in range(400):
        n = int(rng.integers(3, 8))
        v = np.round(rng.uniform(1, 7, n) * 4) / 4
        if rng.random() < 0.4:
            v = np.clip(v + 2.5, 1, 7)  # near the ceiling, where the rule bites
        mean = v.sum() / n
        if abs(mean * 10 - np.floor(mean * 10) - 0.5) < 1e-6:
            continue  # a rounding tie: the exact check is deliberately stricter there
        exact = (score_mean_safe(v, ell=3, insider=False).safe and score_mean_safe(v, ell=2, insider=True).safe)
        assert _score_safe(tuple(sorted(v)), 1, 7, rules, 2) == exact, v  # 2 items: insider needs 1 point
        checked += 1
    assert checked > 300
