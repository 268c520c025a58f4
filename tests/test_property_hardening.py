"""Property tests of the hardening pass (hypothesis; deterministic through tests/conftest.py).

* every export writer (Qualtrics CSV and XLSX, REDCap labels, SPSS, generic CSV) -> read_export keeps
  the audit invariant and loses no answer, N/A count or comment (comments may start with = + - @ ');
* scores do not depend on row order; reverse keying twice is the identity;
* mentor aggregates equal a naive pandas groupby over the shown mentors;
* suppression holds for any rater count and threshold;
* formula escaping: escaped text never starts with a trigger, and the canonical CSV round trip is exact.
"""

from __future__ import annotations

import csv
import io
import string

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess._safe import DANGEROUS_PREFIXES, escape_cell, unescape_cell
from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.io import read_export, writers
from mentorassess.io.canonical import frame_to_csv_bytes
from mentorassess.sample import _REDCAP_MAPPING, _SELF_MAPPING
from mentorassess.scoring import score

MCA = load_instrument("mca-26")
ITEMS = list(MCA.item_ids)
COMMENTS = list(MCA.comment_ids)
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " .,;:!?\"'=+-@#%&()\t\néßł中ا", min_size=1,
               max_size=40).map(str.strip).filter(bool)
ANSWER = st.one_of(st.integers(1, 7).map(float), st.just("na"), st.just("skip"))
ROW = st.fixed_dictionaries({
    "mentor": st.sampled_from(["M001", "M002", "M003"]),
    "wave": st.sampled_from(["pre", "post"]),
    "answers": st.lists(st.integers(1, 7).map(float), min_size=26, max_size=26),
    "holes": st.lists(st.tuples(st.integers(0, 25), st.sampled_from(["na", "skip"])), max_size=4),
    "comment": st.one_of(st.none(), TEXT),
})
ROSTER = pd.DataFrame({"mentor_id": ["M001", "M002", "M003"], "name": ["Ann Li", "Bo Ek", "Cy Ng"],
                       "email": ["ann@x.edu", "bo@x.edu", "cy@x.edu"]})


def _frame(rows, role: str):
    recs, na = [], []
    for i, r in enumerate(rows):
        vals = list(r["answers"])
        flags = [False] * 26
        for j, kind in r["holes"]:
            vals[j] = np.nan
            flags[j] = kind == "na"
        rec = {"response_id": f"R_{i:03d}", "mentor_id": r["mentor"], "rater_role": role, "wave": r["wave"],
               "rater_id": f"E{i:04d}", "submitted_at": f"2025-09-{i % 28 + 1:02d}T10:{i % 60:02d}:00"}
        rec.update(zip(ITEMS, vals))
        for oe in MCA.open_ended:  # the form's own open questions (a mentee export has no comment_goals)
            mine = oe.forms is None or role in oe.forms
            rec[oe.id] = r["comment"] if mine and oe.id in ("comment_strengths", "comment_goals") else None
        recs.append(rec)
        na.append(flags)
    return pd.DataFrame(recs), pd.DataFrame(na, columns=ITEMS)


def _check(res, expected: pd.DataFrame, na: pd.DataFrame, *, extra_rows: int = 0, count_na: bool = True):
    rep = res.report
    assert rep.rows_read == len(expected) + extra_rows
    assert rep.rows_read == rep.rows_kept + sum(rep.rows_excluded.values())
    got = res.responses.sort_values("rater_id").reset_index(drop=True)
    exp = expected.sort_values("rater_id").reset_index(drop=True)
    assert list(got["rater_id"]) == list(exp["rater_id"])               # no response lost
    for col in ("mentor_id", "rater_role", "wave"):
        assert list(got[col]) == list(exp[col]), col
    np.testing.assert_array_equal(got[ITEMS].to_numpy(float), exp[ITEMS].to_numpy(float))  # no answer lost
    form_comments = [c for c in COMMENTS if c in got.columns and exp[c].notna().any()]
    for c in form_comments:
        assert got[c].where(got[c].notna(), None).tolist() == exp[c].where(exp[c].notna(), None).tolist(), c
    if count_na:
        assert sum(rep.non_substantive.values()) == int(na.to_numpy().sum())


PROP = settings(max_examples=50)


@PROP
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_qualtrics_csv_keeps_every_answer(rows, tmp_path_factory):
    resp, na = _frame(rows, "mentee")
    header, body = writers.qualtrics_rows(resp, na, MCA, "mentee", choice_text=True)
    path = writers.write_qualtrics_csv(tmp_path_factory.mktemp("q") / "q.csv", header, body)
    _check(read_export(path, MCA), resp, na)


@PROP
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_qualtrics_xlsx_keeps_every_answer(rows, tmp_path_factory):
    d = tmp_path_factory.mktemp("x")
    resp, na = _frame(rows, "self")
    header, body = writers.qualtrics_rows(resp, na, MCA, "self", choice_text=False)
    path = writers.write_qualtrics_xlsx(d / "q.xlsx", header, body)
    (d / "m.yaml").write_text(_SELF_MAPPING.replace("columns:\n  rater_id: ExternalReference\n",
                                                    "columns:\n  rater_id: ExternalReference\n"), encoding="utf-8")
    _check(read_export(path, MCA, mapping=d / "m.yaml"), resp, na)


@PROP
@given(rows=st.lists(ROW, min_size=1, max_size=8))
def test_redcap_keeps_every_answer(rows, tmp_path_factory):
    d = tmp_path_factory.mktemp("r")
    resp, na = _frame(rows, "mentee")
    data, _ = writers.write_redcap(d / "r_DATA_LABELS.csv", d / "redcap_mentee_DataDictionary.csv", resp, na, MCA)
    (d / "m.yaml").write_text(_REDCAP_MAPPING, encoding="utf-8")
    res = read_export(data, MCA, mapping=d / "m.yaml")
    assert dict(res.report.rows_excluded) == {"incomplete": 1}          # the writer's one incomplete record
    res_resp = res.responses
    assert res_resp["response_id"].is_unique
    _check(res, resp, na, extra_rows=1, count_na=False)


@PROP
@given(rows=st.lists(ROW, min_size=1, max_size=8), role=st.sampled_from(["self", "mentee"]))
def test_spss_keeps_every_answer(rows, role, tmp_path_factory):
    resp, na = _frame(rows, role)
    path = writers.write_spss(tmp_path_factory.mktemp("s") / "s.sav", resp, na, MCA)
    _check(read_export(path, MCA), resp, na)


@PROP
@given(rows=st.lists(ROW, min_size=1, max_size=8), role=st.sampled_from(["self", "mentee"]))
def test_generic_csv_keeps_every_answer(rows, role, tmp_path_factory):
    resp, na = _frame(rows, role)
    path = writers.write_generic_csv(tmp_path_factory.mktemp("g") / "g.csv", resp, na, MCA, ROSTER)
    _check(read_export(path, MCA, roster=ROSTER), resp, na)


# ---------------------------------------------------------------------------------------------
# scoring and aggregation

def _responses(spec: list[tuple[int, int]], seed: int) -> pd.DataFrame:
    """spec[i] = (mentees, missing answers per response) for mentor i, wave 'pre'."""
    rng = np.random.default_rng(seed)
    rows, k = [], 0
    for m, (n, holes) in enumerate(spec):
        for role in ["self"] + ["mentee"] * n:
            k += 1
            vals = rng.integers(1, 8, 26).astype(float)
            vals[rng.choice(26, size=holes, replace=False)] = np.nan
            rows.append({"response_id": f"R{k}", "mentor_id": f"M{m}", "rater_role": role, "wave": "pre",
                         "rater_id": f"E{k}", **dict(zip(ITEMS, vals))})
    return pd.DataFrame(rows)


SPEC = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 20)), min_size=1, max_size=5)


@settings(max_examples=150)
@given(spec=SPEC, seed=st.integers(0, 2**16), order=st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_row_order(spec, seed, order):
    df = _responses(spec, seed)
    perm = list(range(len(df)))
    order.shuffle(perm)
    a = score(df, MCA).scores.set_index("response_id").sort_index()
    b = score(df.iloc[perm].reset_index(drop=True), MCA).scores.set_index("response_id").sort_index()
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=400)
@given(values=st.lists(st.one_of(st.integers(1, 7).map(float), st.just(np.nan)), min_size=1, max_size=50),
       lo=st.integers(-3, 3), width=st.integers(1, 10))
def test_reverse_keying_twice_is_the_identity(values, lo, width):
    from mentorassess.instruments import Scale

    scale = Scale(values=tuple(range(lo, lo + width + 1)))
    x = np.clip(np.array(values), scale.min, scale.max)
    once = scale.reverse(x)
    np.testing.assert_array_equal(scale.reverse(once), x)
    assert np.all((np.isnan(once)) | ((once >= scale.min) & (once <= scale.max)))


@settings(max_examples=120)
@given(spec=SPEC, seed=st.integers(0, 2**16), k=st.integers(3, 5))
def test_aggregates_equal_a_naive_groupby(spec, seed, k):
    df = _responses(spec, seed)
    sc = score(df, MCA)
    prof = aggregate(sc, min_raters=k)
    ment = sc.scores[sc.scores["rater_role"] == "mentee"]
    comp = prof.competencies
    for c in [c.id for c in MCA.competencies] + ["overall"]:
        naive = ment.groupby("mentor_id")[c].agg(["mean", "count", "std"])
        got = comp[comp["competency"] == c].set_index("mentor_id")
        for mid, row in got.iterrows():
            n_resp = int((ment["mentor_id"] == mid).sum())
            assert pd.isna(row["mentee_n"])  # one n per report, none per cell (release rule R7)
            if pd.notna(row["mentee_mean"]):  # released: the gates hold and the value is the naive one
                assert mid in naive.index and n_resp >= k and naive.loc[mid, "count"] >= k
                assert np.isclose(row["mentee_mean"], naive.loc[mid, "mean"])
                assert np.isclose(row["mentee_sd"], naive.loc[mid, "std"], equal_nan=True)
            elif mid in naive.index and n_resp >= k and naive.loc[mid, "count"] >= k:
                # withheld although the gates hold: only the release rules may do that (too few
                # substantive raters for the report, or a cell rule)
                assert row["suppressed_reason"] in ("not_shown", "below_min_raters")
                if row["suppressed_reason"] == "below_min_raters":
                    assert (ment.loc[ment["mentor_id"] == mid, "overall"].notna().sum()) < k


@settings(max_examples=120)
@given(spec=SPEC, seed=st.integers(0, 2**16), k=st.integers(3, 6))
def test_suppression_holds_for_any_rater_count(spec, seed, k):
    df = _responses(spec, seed)
    prof = aggregate(score(df, MCA), min_raters=k)
    tf = prof.to_frame()
    shown = tf[tf["mentee_mean"].notna()]
    assert (shown["mentee_n"] >= k).all()
    for m, (n, _) in enumerate(spec):
        rows = tf[tf["mentor_id"] == f"M{m}"]
        if n < k:
            assert rows["mentee_mean"].isna().all() and rows["mentee_n"].isna().all()
            assert rows["suppressed"].all()


# ---------------------------------------------------------------------------------------------
# formula-injection escaping

ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=500)
@given(text=ANY_TEXT)
def test_escaped_text_never_starts_a_formula_and_round_trips(text):
    esc = escape_cell(text)
    assert not esc.startswith(DANGEROUS_PREFIXES[:-1])
    assert unescape_cell(esc) == text


@settings(max_examples=300)
@given(texts=st.lists(ANY_TEXT.filter(lambda t: "\x00" not in t), min_size=1, max_size=6),
       numbers=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=6))
def test_canonical_csv_round_trip_is_exact_and_inert(texts, numbers):
    n = max(len(texts), len(numbers))
    df = pd.DataFrame({"response_id": [f"R{i}" for i in range(n)],
                       "text": [texts[i % len(texts)] or None for i in range(n)],
                       "value": [numbers[i % len(numbers)] for i in range(n)]})
    data = frame_to_csv_bytes(df)
    records = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))[1:]
    assert len(records) == n                                               # a bare CR never splits a row
    for i, rec in enumerate(records):
        cell = rec[1]
        assert not cell.startswith(DANGEROUS_PREFIXES[:-1])             # no live formula in a text cell
        assert float(rec[2]) == df["value"][i]                            # numbers stay bare numbers, exact
        assert unescape_cell(cell) == (df["text"][i] or "")               # our reader restores the text
