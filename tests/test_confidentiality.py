"""Confidentiality: below the threshold, mentee values are absent everywhere; nothing identifies a rater."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.aggregate import Profiles, aggregate
from mentorassess.instruments import load_instrument
from mentorassess.sample import generate
from mentorassess.scoring import score

MENTEE_VALUE_COLUMNS = ["mentee_n", "mentee_mean", "mentee_sd", "mentee_se", "mentee_ci_low", "mentee_ci_high",
                        "pooled_sd", "pooled_df", "pooled_se", "pooled_ci_low", "pooled_ci_high", "gap", "gap_class",
                        "mentee_rank",
                        "program_percentile"]
FORBIDDEN = {"rater_id", "response_id", "submitted_at", "source_row"}


def _synthetic(counts: list[int], *, seed: int = 0, comments: bool = True) -> pd.DataFrame:
    """Mentor i gets counts[i] mentee responses (plus a self response) in wave 'pre'."""
    ins = load_instrument("mca-26")
    rng = np.random.default_rng(seed)
    rows = []
    k = 0
    for m, n in enumerate(counts):
        mid = f"M{m:02d}"
        for role, rater in [("self", mid)] + [("mentee", f"E{m:02d}{j}") for j in range(n)]:
            k += 1
            row = {"response_id": f"R{k:04d}", "mentor_id": mid, "rater_role": role, "wave": "pre",
                   "rater_id": rater, "submitted_at": f"2025-01-{k % 28 + 1:02d}T10:00:00"}
            row.update({i: float(rng.integers(1, 8)) for i in ins.item_ids})
            if comments:
                if role == "mentee":
                    row["comment_strengths"] = f"strength from {rater}"
                    row["comment_growth"] = f"growth from {rater}"
                else:
                    row["comment_goals"] = f"goal of {mid}"
            rows.append(row)
    return pd.DataFrame(rows)


STAFF_ONLY = {"exclusions", "review"}  # staff audit frames: response ids, never shown to mentors or the program


def _all_frames(prof: Profiles):
    for f in dataclasses.fields(prof):
        v = getattr(prof, f.name)
        if isinstance(v, pd.DataFrame) and f.name not in STAFF_ONLY:
            yield f.name, v
    yield "to_frame", prof.to_frame()


def _assert_below_absent(prof: Profiles, below: set[str]) -> None:
    tf = prof.to_frame()
    rows = tf[tf["mentor_id"].isin(below)]
    assert rows["suppressed"].all()
    for col in MENTEE_VALUE_COLUMNS:
        assert rows[col].isna().all(), col
    ment = prof.mentors[prof.mentors["mentor_id"].isin(below)]
    assert ment["mentee_n"].isna().all() and ment["suppressed"].all()
    assert (ment["suppressed_reason"] == "below_min_raters").all()
    assert ment["strongest"].isna().all() and ment["weakest"].isna().all() and ment["program_percentile"].isna().all()
    c = prof.comments
    assert c[c["mentor_id"].isin(below) & (c["rater_role"] == "mentee")].empty
    for m in below:
        p = prof.profile(m, "pre")
        assert p.mentee_n is None and p.suppressed and p.comments == () and p.strongest == ()
        assert p.competencies[["mentee_mean", "mentee_sd", "gap"]].isna().all().all()


@pytest.mark.parametrize("min_raters", [3, 4, 5])
@pytest.mark.parametrize("with_comments", [True, False])
def test_zero_to_min_plus_one_mentees(min_raters, with_comments):
    counts = list(range(0, min_raters + 2))
    df = _synthetic(counts, comments=with_comments)
    prof = aggregate(score(df, "mca-26"), min_raters=min_raters, min_raters_comments=min_raters)
    below = {f"M{m:02d}" for m, n in enumerate(counts) if n < min_raters}
    above = {f"M{m:02d}" for m, n in enumerate(counts) if n >= min_raters}
    _assert_below_absent(prof, below)
    tf = prof.to_frame()
    m = prof.mentors.set_index("mentor_id")
    assert not m.loc[sorted(above), "suppressed"].any()
    assert list(m.loc[sorted(above), "mentee_n"]) == [n for n in counts if n >= min_raters]
    # released mentors show competency values unless the feasible-range rule withholds them
    comp = tf[(tf["level"] == "competency") & tf["mentor_id"].isin(above)]
    assert comp["mentee_mean"].notna().any()
    # self ratings are always shown to their mentor
    assert tf.loc[tf["level"] == "competency", "self_score"].notna().all()
    c = prof.comments
    if with_comments:
        assert set(c.loc[c["rater_role"] == "mentee", "mentor_id"]) == above
        assert set(c.loc[c["rater_role"] == "self", "mentor_id"]) == {f"M{m:02d}" for m in range(len(counts))}
    else:
        assert c.empty


def test_each_value_needs_its_own_valid_n():
    df = _synthetic([4])
    mentees = df["rater_role"] == "mentee"
    idx = df.index[mentees][:2]
    df.loc[idx, ["mca20", "mca21"]] = np.nan          # diversity answered by 2 of 4
    df.loc[df.index[mentees][:2], "mca13"] = np.nan    # item answered by 2 of 4
    df.loc[mentees, ["mca01", "mca02", "mca03", "mca04", "mca05", "mca06", "mca07"]] = [3, 4, 5, 4, 3, 5, 4]
    prof = aggregate(score(df, "mca-26"), min_raters_items=3)
    comp = prof.competencies.set_index("competency")
    assert comp.loc["diversity", "suppressed"] and comp.loc["diversity", "suppressed_reason"] == "not_shown"
    assert pd.isna(comp.loc["diversity", "mentee_mean"]) and pd.isna(comp.loc["diversity", "mentee_n"])
    assert comp.loc["overall", "suppressed"]  # overall minus the other competencies would give diversity away
    assert not comp.loc["communication", "suppressed"]
    it = prof.items.set_index("item")
    assert pd.isna(it.loc["mca13", "mentee_mean"]) and it.loc["mca13", "suppressed_reason"] == "not_shown"
    assert it["mentee_n"].isna().all()  # no per-item n (it would reveal a skip)


def test_comment_threshold_higher_and_switch_off_and_exclusion():
    df = _synthetic([3, 4, 5])
    sc = score(df, "mca-26")
    prof = aggregate(sc, min_raters=3, min_raters_comments=5)
    mentee_c = prof.comments[prof.comments["rater_role"] == "mentee"]
    assert set(mentee_c["mentor_id"]) == {"M02"}
    assert prof.competencies.loc[prof.competencies["mentor_id"] == "M00", "mentee_mean"].notna().all()
    assert list(prof.mentors["comments_shown"]) == [False, False, True]
    assert aggregate(sc, comments=False).comments.empty
    rid = df.loc[(df["mentor_id"] == "M02") & (df["rater_role"] == "mentee"), "response_id"].iloc[0]
    ex = aggregate(sc, exclude_comments=[rid]).comments
    assert len(ex[ex["mentor_id"] == "M02"]) == len(prof.comments[prof.comments["mentor_id"] == "M02"]) - 2


def test_comment_order_unrelated_to_submission_order():
    df = _synthetic([5, 4])
    a = aggregate(score(df, "mca-26")).comments
    shuffled = df.sample(frac=1, random_state=3)
    shuffled["submitted_at"] = shuffled["submitted_at"].iloc[::-1].to_numpy()
    b = aggregate(score(shuffled, "mca-26")).comments
    pd.testing.assert_frame_equal(a, b)
    for (_, _, _, _), g in a.groupby(["mentor_id", "wave", "rater_role", "question"]):
        assert list(g["text"]) == sorted(g["text"], key=lambda t: (t.casefold(), t))


def test_no_rater_identifiers_leave_the_layer():
    prog = generate(seed=5, n_mentors=15)
    prof = aggregate(score(prog.responses, "mca-26"), roster=prog.roster)
    secrets = (set(prog.responses["response_id"]) | set(prog.responses["submitted_at"])
               | set(prog.responses.loc[prog.responses["rater_role"] == "mentee", "rater_id"]))
    for name, frame in _all_frames(prof):
        assert not FORBIDDEN & set(frame.columns), name
        cells = set(map(str, frame.astype(str).to_numpy().ravel()))
        assert not cells & secrets, name
    for f in dataclasses.fields(prof.settings):
        assert str(getattr(prof.settings, f.name)) not in secrets
    for _, m in prof.mentors.iterrows():
        p = prof.profile(m["mentor_id"], m["wave"])
        for f in dataclasses.fields(p):
            v = getattr(p, f.name)
            if isinstance(v, pd.DataFrame):
                assert not FORBIDDEN & set(v.columns)
                assert not set(map(str, v.astype(str).to_numpy().ravel())) & secrets
            else:
                assert str(v) not in secrets


def test_suppressed_ratings_influence_nothing():
    """Changing the ratings of a below-threshold mentor's mentees changes no published number."""
    df = _synthetic([2, 4, 5, 6, 3], seed=1)
    a = aggregate(score(df, "mca-26"))
    df2 = df.copy()
    sel = (df2["mentor_id"] == "M00") & (df2["rater_role"] == "mentee")
    items = load_instrument("mca-26").item_ids
    df2.loc[sel, list(items)] = 7.0 - df2.loc[sel, list(items)] + 1.0
    df2.loc[sel, "comment_strengths"] = "changed"
    b = aggregate(score(df2, "mca-26"))
    for name in ("competencies", "items", "comments", "mentors", "program"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


@given(st.lists(st.integers(0, 7), min_size=1, max_size=6), st.integers(3, 5), st.booleans())
@settings(max_examples=15, deadline=None)
def test_suppression_holds_for_any_rater_count(counts, min_raters, with_comments):
    df = _synthetic(counts, comments=with_comments)
    prof = aggregate(score(df, "mca-26"), min_raters=min_raters)
    below = {f"M{m:02d}" for m, n in enumerate(counts) if n < min_raters}
    _assert_below_absent(prof, below)
    shown = prof.to_frame()
    shown = shown[~shown["suppressed"]]
    assert (shown["mentee_n"] >= min_raters).all()
    # program benchmarks never rest on fewer than min_raters mentors
    p = prof.program
    assert p.loc[p["n_mentors"] < min_raters, ["mean", "sd", "p25", "p50", "p75"]].isna().all().all()


# --------------------------------------------------------------------------------------------
# Subgroup tables: primary and secondary suppression

from mentorassess.program import ALL, program_summary, training_needs  # noqa: E402
from mentorassess.suppression import protect_cells  # noqa: E402


def _attacker_recovers(members: np.ndarray, shown: np.ndarray, target: np.ndarray) -> bool:
    """Independent check: is the target's sum a linear combination of the shown cells' sums?"""
    a = members[shown].astype(float).T            # units x shown cells
    if a.shape[1] == 0:
        return False
    coef, *_ = np.linalg.lstsq(a, target.astype(float), rcond=None)
    return bool(np.allclose(a @ coef, target, atol=1e-8))


def _check_table(members: np.ndarray, parts: list[int], status: np.ndarray, min_n: int) -> None:
    n = members.sum(axis=1)
    shown = status == "shown"
    hidden = np.isin(status, ["primary", "secondary"])
    assert (status[(n > 0) & (n < min_n)] == "primary").all()
    assert (n[shown] >= min_n).all()
    for i in np.flatnonzero(hidden):
        assert not _attacker_recovers(members, shown, members[i]), i
    for p in set(parts) - {-1}:
        cells = np.array(parts) == p
        h = hidden & cells
        assert h.sum() != 1 or hidden[np.array(parts) == -1].all()
        if h.any() and shown[np.array(parts) == -1].any():
            assert n[h].sum() >= min_n            # total - shown siblings = at least min_n ratings
    # a group and the same group minus fewer than min_n people are never both shown
    for a in np.flatnonzero(shown):
        for b in np.flatnonzero(shown):
            if a != b and not (members[b] & ~members[a]).any():
                assert n[a] - n[b] == 0 or n[a] - n[b] >= min_n


def _two_way(sizes_a: list[int], split: list[int]) -> tuple[np.ndarray, list[int]]:
    """Units grouped by partition A (sizes) and by partition B (first split[i] units of group i -> B0)."""
    unit_a, unit_b = [], []
    for g, (s, k) in enumerate(zip(sizes_a, split)):
        unit_a += [g] * s
        unit_b += [0] * min(k, s) + [1] * (s - min(k, s))
    unit_a, unit_b = np.array(unit_a), np.array(unit_b)
    rows = [np.ones(len(unit_a), bool)] + [unit_a == g for g in range(len(sizes_a))] + [unit_b == 0, unit_b == 1]
    parts = [-1] + [0] * len(sizes_a) + [1, 1]
    return np.vstack(rows), parts


@pytest.mark.parametrize("sizes,expected", [
    ([5, 2, 6], ["shown", "secondary", "primary", "shown"]),       # one primary -> the smallest sibling
    ([5, 1, 1], ["shown", "shown", "primary", "primary"]),          # B + C = 2 < 3 ... see below
    ([2], ["primary", "primary"]),
    ([4, 4, 4], ["shown", "shown", "shown", "shown"]),
])
def test_partition_rules(sizes, expected):
    m = np.vstack([np.ones(sum(sizes), bool)] + [np.repeat(np.arange(len(sizes)), sizes) == g
                                                 for g in range(len(sizes))])
    status = protect_cells(m, [-1] + [0] * len(sizes), 3)
    if sizes == [5, 1, 1]:   # the two primaries hold only 2 ratings: the third group is hidden too
        expected = ["shown", "secondary", "primary", "primary"]
    assert status.tolist() == expected
    _check_table(m, [-1] + [0] * len(sizes), status, 3)


def test_total_minus_one_person_never_published():
    m = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]], bool)
    status = protect_cells(m, [-1, 0, 0], 3)
    assert status[1] != "shown" or status[0] != "shown"
    _check_table(m, [-1, 0, 0], status, 3)


@given(st.lists(st.integers(0, 9), min_size=1, max_size=6), st.lists(st.integers(0, 9), min_size=6, max_size=6),
       st.integers(3, 5))
@settings(max_examples=60, deadline=None)
def test_no_hidden_cell_recoverable_two_partitions(sizes, split, min_n):
    m, parts = _two_way(sizes, split)
    status = protect_cells(m, parts, min_n)
    _check_table(m, parts, status, min_n)


def _dept_program():
    # departments: D1 has mentors with 5 and 2 mentees, D2 one mentor with 4, D3 one with 3, D4 one with 6
    counts = [5, 2, 4, 3, 6]
    df = _synthetic(counts, seed=7)
    roster = pd.DataFrame({"mentor_id": [f"M{m:02d}" for m in range(5)],
                           "department": ["D1", "D1", "D2", "D3", "D4"],
                           "cohort": ["A", "B", "A", "B", "B"]})
    sc = score(df, "mca-26")
    return df, roster, sc, aggregate(sc, roster=roster)


def test_subgroup_tables_never_use_suppressed_mentors():
    df, roster, sc, prof = _dept_program()
    tab = program_summary(prof, by=("department",), roles=("mentee",)).to_frame()
    total = tab[(tab["by"] == ALL) & (tab["competency"] == "overall")].iloc[0]
    units = prof.competencies.pivot_table(index="mentor_id", columns="competency", values="mentee_mean",
                                          aggfunc="first").dropna()
    assert "M01" not in units.index  # 2 mentees: withheld, never a unit of a program table
    if not total["suppressed"]:
        assert total["n_mentors"] == len(units)
    # changing the suppressed mentor's ratings changes nothing in any table
    df2 = df.copy()
    sel = (df2["mentor_id"] == "M01") & (df2["rater_role"] == "mentee")
    items = list(load_instrument("mca-26").item_ids)
    df2.loc[sel, items] = 1.0
    sc2 = score(df2, "mca-26")
    tab2 = program_summary(aggregate(sc2, roster=roster), by=("department",), roles=("mentee",)).to_frame()
    pd.testing.assert_frame_equal(tab, tab2)


def test_subgroup_tables_primary_and_secondary_with_more_mentors():
    prog = generate(seed=12, n_mentors=30)
    prof = aggregate(score(prog.responses, "mca-26"), roster=prog.roster)
    tab = program_summary(prof, by=("department", "cohort"), roster=prog.roster, min_mentors=4).to_frame()
    groups = prog.roster.set_index("mentor_id")
    assert tab["suppressed"].any() and (~tab["suppressed"]).any()
    for (wave, role, comp), g in tab.groupby(["wave", "rater_role", "competency"]):
        hidden = g[g["suppressed"]]
        assert hidden[["n_mentors", "n_raters", "mean", "sd"]].isna().all().all()
        shown = g[~g["suppressed"]]
        assert (shown["n_mentors"] >= 4).all() and (shown["n_raters"] >= 3).all()
        # small roster groups are hidden whatever their data: the dash says nothing about who responded
        for _, cell in g.iterrows():
            if cell["by"] != ALL and (groups[cell["by"]].astype(str) == cell["group"]).sum() < 4:
                assert cell["suppressed"]
        # attack: a hidden cell must not be recoverable from the shown cells of its table
        col = "mentee_mean" if role == "mentee" else "self_score"
        c = prof.competencies
        units = c[(c["wave"] == wave)].pivot_table(index="mentor_id", columns="competency", values=col,
                                                    aggfunc="first").dropna().index
        info = groups.reindex(units)
        rows, parts, statuses = [], [], []
        for _, cell in g.iterrows():
            if cell["by"] == ALL:
                rows.append(np.ones(len(units), bool)); parts.append(-1)
            else:
                rows.append((info[cell["by"]].astype(str) == cell["group"]).to_numpy())
                parts.append(0 if cell["by"] == "department" else 1)
            statuses.append("shown" if not cell["suppressed"] else ("primary" if rows[-1].sum() else "empty"))
        m = np.vstack(rows)
        from mentorassess.suppression import recoverable_cells
        hidden_mask = np.array([st != "shown" for st in statuses])
        assert not recoverable_cells(m, hidden_mask).any(), (wave, role, comp)


def test_training_needs_only_from_shown_values():
    prog = generate(seed=5, n_mentors=15)
    prof = aggregate(score(prog.responses, "mca-26"))
    tn = training_needs(prof, top=3).to_frame()
    assert (tn["n_mentors"] >= 3).all()
    low = tn[(tn["kind"] == "lowest_mentee_mean") & (tn["level"] == "competency") & (tn["wave"] == "pre")]
    p = prof.program[(prof.program["rater_role"] == "mentee") & (prof.program["wave"] == "pre")
                     & (prof.program["level"] == "competency") & (prof.program["competency"] != "overall")]
    assert list(low["value"]) == sorted(p["mean"])[:3]
