"""Scoring: recoding, reverse keys, the min-answered rule, validation, comments."""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.errors import DataError
from mentorassess.instruments import load_instrument
from mentorassess.sample import generate
from mentorassess.scoring import ID_COLUMNS, order_waves, score


@lru_cache(maxsize=None)
def _program():
    return generate(seed=20261125, n_mentors=40)


def _mca():
    return load_instrument("mca-26")


def _one(ins, values: dict, role="mentee", rid="r1"):
    row = {"response_id": rid, "mentor_id": "m1", "rater_role": role, "wave": "pre", "rater_id": "e1"}
    row.update({i: np.nan for i in ins.item_ids})
    row.update(values)
    return pd.DataFrame([row])


def test_sample_scores_equal_plain_means():
    prog = _program()
    sc = score(prog.responses, _mca())
    assert len(sc.scores) == len(prog.responses)
    assert sc.scores["response_id"].tolist() == prog.responses["response_id"].tolist()
    for comp in _mca().competencies:
        sub = prog.responses[list(comp.items)]
        answered = sub.notna().sum(axis=1)
        expected = sub.mean(axis=1).where(answered / len(comp.items) >= 0.5)
        np.testing.assert_allclose(sc.scores[comp.id], expected, rtol=0, atol=1e-12, equal_nan=True)
        assert (sc.scores[f"n_answered_{comp.id}"] == answered).all()
    items = prog.responses[list(_mca().total_item_ids)]
    expected = items.mean(axis=1).where(items.notna().sum(axis=1) >= 13)
    np.testing.assert_allclose(sc.scores["overall"], expected, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("answered,scored", [
    (("mca20",), True),                     # diversity: 1 of 2
    ((), False),                            # 0 of 2
    (("mca12",), False),                    # understanding: 1 of 3
    (("mca12", "mca14"), True),             # 2 of 3
])
def test_min_answered_rule(answered, scored):
    ins = _mca()
    comp = "diversity" if any(a.startswith("mca2") for a in answered) or not answered else "understanding"
    sc = score(_one(ins, {a: 5.0 for a in answered}), ins)
    val = sc.scores.loc[0, comp]
    assert (not np.isnan(val)) is scored
    if scored:
        assert val == 5.0
    else:
        reasons = sc.unscored[(sc.unscored["competency"] == comp)]
        assert reasons["reason"].tolist() == ["too_few_answered"]


def test_overall_rule_and_counts():
    ins = _mca()
    sc = score(_one(ins, {f"mca{i:02d}": 6.0 for i in range(1, 14)}), ins)  # 13 of 26
    assert sc.scores.loc[0, "overall"] == 6.0
    assert sc.scores.loc[0, "n_answered_overall"] == 13
    sc = score(_one(ins, {f"mca{i:02d}": 6.0 for i in range(1, 13)}), ins)  # 12 of 26
    assert np.isnan(sc.scores.loc[0, "overall"])


def _reversed_instrument(ids):
    ins = _mca()
    items = tuple(dataclasses.replace(i, reverse=i.id in ids) for i in ins.items)
    return dataclasses.replace(ins, items=items)


def test_reverse_keying_on_the_scale():
    ins = _reversed_instrument({"mca01"})
    sc = score(_one(ins, {"mca01": 2.0, "mca02": 7.0, "mca03": 6.0}), ins)
    assert sc.items.loc[0, "mca01"] == 6.0  # 1 + 7 - 2
    assert sc.scores.loc[0, "communication"] == pytest.approx((6 + 7 + 6) / 3)


@given(st.lists(st.integers(1, 7), min_size=1, max_size=30))
@settings(max_examples=25, deadline=None)
def test_reverse_twice_is_identity(values):
    scale = _mca().scale
    x = np.array(values, dtype=float)
    assert np.array_equal(scale.reverse(scale.reverse(x)), x)
    # Scoring data recoded by hand with reverse keys equals scoring the raw data without them.
    ins_r = _reversed_instrument({"mca01", "mca02"})
    raw = {"mca01": float(values[0]), "mca02": float(values[-1]), "mca03": 4.0}
    pre = {"mca01": scale.reverse(raw["mca01"]), "mca02": scale.reverse(raw["mca02"]), "mca03": 4.0}
    a = score(_one(ins_r, pre), ins_r).scores.loc[0, "communication"]
    b = score(_one(_mca(), raw), _mca()).scores.loc[0, "communication"]
    assert a == pytest.approx(b, abs=1e-12)


@given(st.randoms(use_true_random=False))
@settings(max_examples=10, deadline=None)
def test_row_order_invariance(rnd):
    prog = _program()
    resp = prog.responses.iloc[:120]
    perm = list(range(len(resp)))
    rnd.shuffle(perm)
    a = score(resp, _mca()).scores.sort_values("response_id").reset_index(drop=True)
    b = score(resp.iloc[perm], _mca()).scores.sort_values("response_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_validation_lists_every_problem():
    ins = _mca()
    df = pd.concat([_one(ins, {"mca01": 9.0, "mca02": 3.0}), _one(ins, {"mca01": 2.0})], ignore_index=True)
    df["mca03"] = df["mca03"].astype(object)
    df.loc[0, "mca03"] = "often"
    with pytest.raises(DataError) as err:
        score(df, ins)
    codes = {p.code for p in err.value.problems}
    assert codes == {"duplicate-response", "out-of-range", "not-numeric"}
    with pytest.raises(DataError) as err:
        score(df.drop(columns=["mentor_id", "mca05"]), ins)
    assert {p.code for p in err.value.problems} == {"missing-column", "missing-items"}
    with pytest.raises(DataError):
        score([1, 2], ins)


def test_error_messages_never_contain_comment_text():
    ins = _mca()
    df = _one(ins, {"mca01": 8.0})
    df["comment_strengths"] = "SECRET-TEXT"
    with pytest.raises(DataError) as err:
        score(df, ins)
    assert "SECRET" not in str(err.value)


def test_comments_long_and_role_filtered():
    prog = _program()
    sc = score(prog.responses, _mca())
    c = sc.comments
    assert list(c.columns) == ["response_id", "mentor_id", "rater_role", "wave", "question", "text"]
    assert set(c.loc[c["rater_role"] == "self", "question"]) <= {"comment_goals"}
    assert set(c.loc[c["rater_role"] == "mentee", "question"]) <= {"comment_strengths", "comment_growth"}
    n_expected = sum(prog.responses[q].notna().sum() for q in _mca().comment_ids)
    assert len(c) == n_expected
    assert (c["text"].str.len() > 0).all()


def test_items_not_on_a_form_do_not_count():
    ins = _mca()
    items = tuple(dataclasses.replace(i, forms=("mentee",)) if i.id == "mca21" else i for i in ins.items)
    ins2 = dataclasses.replace(ins, items=items)
    sc = score(_one(ins2, {"mca20": 4.0}, role="self"), ins2)
    assert sc.scores.loc[0, "diversity"] == 4.0      # 1 of 1 asked
    sc = score(_one(ins2, {"mca20": 4.0}, role="mentee"), ins2)
    assert sc.scores.loc[0, "diversity"] == 4.0      # 1 of 2 asked


def test_to_frame_is_tidy_and_full_precision():
    prog = _program()
    sc = score(prog.responses.iloc[:30], _mca())
    long = sc.to_frame()
    assert len(long) == 30 * 7
    assert set(long.columns) == {*ID_COLUMNS, "competency", "score", "n_answered"}
    wide = sc.scores.set_index("response_id")
    for _, row in long.sample(20, random_state=1).iterrows():
        v = wide.loc[row["response_id"], row["competency"]]
        assert (np.isnan(v) and np.isnan(row["score"])) or v == row["score"]


def test_single_competency_called_overall():
    ins = load_instrument("mes-12")
    df = _one(ins, {i: 5.0 for i in ins.total_item_ids})
    sc = score(df, ins)
    assert list(sc.score_columns) == ["overall"]
    assert sc.scores.loc[0, "overall"] == 5.0


def test_wave_order():
    assert order_waves(["post", "pre"]) == ("pre", "post")
    assert order_waves(["b", "a", "follow_up", "post"]) == ("post", "follow_up", "b", "a")
    assert order_waves(["y", "x"], order=["x", "y"]) == ("x", "y")


# --------------------------------------------------------------------------------------------
# psych::scoreItems(impute = "none") references (tests/reference/scoring/make_reference.R)

REF = __import__("pathlib").Path(__file__).parent / "reference" / "scoring"


def test_scoreitems_sample_equals_r():
    ours = score(pd.read_csv(REF / "sample_responses.csv", dtype={"rater_id": str}), _mca()).scores
    r = pd.read_csv(REF / "scoreitems_sample.csv")
    assert list(r["response_id"]) == list(ours["response_id"])
    worst = 0.0
    for comp in _mca().competency_ids:
        a, b = ours[comp].to_numpy(), r[comp].to_numpy()
        both = ~np.isnan(a)
        np.testing.assert_allclose(a[both], b[both], rtol=0, atol=1e-10)
        worst = max(worst, float(np.max(np.abs(a[both] - b[both]))))
        # where the min-answered rule leaves a value unscored, R still averages what is there
        assert (ours.loc[~both, f"n_answered_{comp}"] * 2 < len(_mca().competency(comp).items)).all()
    assert worst < 1e-10


def test_scoreitems_bfi_reverse_keys_equal_r():
    from mentorassess.instruments import Competency, Form, Instrument, Item, Scale, Scoring

    keys = {"agree": ["-A1", "A2", "A3", "A4", "A5"], "conscientious": ["C1", "C2", "C3", "-C4", "-C5"],
            "extraversion": ["-E1", "-E2", "E3", "E4", "E5"], "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
            "openness": ["O1", "-O2", "O3", "O4", "-O5"]}
    items = tuple(Item(id=k.lstrip("-"), label=k.lstrip("-"), reverse=k.startswith("-"))
                  for ks in keys.values() for k in ks)
    ins = Instrument(id="bfi", title="bfi", status="our-design", citation="psych::bfi",
                     scale=Scale(values=(1, 2, 3, 4, 5, 6)), forms={"self": Form(id="self", rater_role="self")},
                     scoring=Scoring(), items=items,
                     competencies=tuple(Competency(id=c, title=c, items=tuple(k.lstrip("-") for k in ks))
                                        for c, ks in keys.items()))
    b = pd.read_csv(REF / "bfi_items.csv")
    df = b.assign(response_id=[f"r{i}" for i in range(len(b))], mentor_id="m", rater_role="self", wave="pre")
    ours = score(df, ins).scores
    r = pd.read_csv(REF / "scoreitems_bfi.csv")
    for comp in keys:
        a, e = ours[comp].to_numpy(), r[comp].to_numpy()
        ok = ~np.isnan(a)
        np.testing.assert_allclose(a[ok], e[ok], rtol=0, atol=1e-10)
        assert ((ours[f"n_answered_{comp}"] * 2 >= 5) == ok).all()


# --------------------------------------------------------------------------------------------
# CLI: mentorassess score


def _cli(*args: str) -> int:
    """Run the CLI in-process (faster than a subprocess); return the exit code."""
    from mentorassess.cli import main

    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_score_command_xlsx_and_csv(tmp_path, capsys):
    from openpyxl import load_workbook

    from mentorassess.sample import write_sample

    src = tmp_path / "in"
    write_sample(generate(seed=11, n_mentors=10), src)   # small: the xlsx writer dominates the run time
    out = tmp_path / "scores.xlsx"
    responses = str(src / "responses.csv")
    assert _cli("score", responses, "--instrument", "mca-26", "-o", str(out), "--roster", str(src / "roster.csv")) == 0
    assert "wrote" in capsys.readouterr().out
    wb = load_workbook(out)
    assert {"README", "Scores", "Mentors", "Profiles", "Items", "Benchmarks", "Subgroups", "Training needs",
            "Comments"} <= set(wb.sheetnames)
    rater_ids = set(pd.read_csv(responses, dtype=str).query("rater_role == 'mentee'")
                    ["rater_id"])
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate)
                assert c.value not in {"rater_id", "submitted_at"} and c.value not in rater_ids, ws.title
    # formula-like comments are shown as written, typed as text with the quote-prefix style
    cells = [c for row in wb["Comments"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=") for c in cells) and all(c.quotePrefix and c.data_type == "s" for c in cells)

    assert _cli("score", responses, "-i", "mca-26", "-o", str(tmp_path / "s.csv")) == 0
    folder = tmp_path / "s"
    assert {"scores.csv", "profiles.csv", "mentors.csv", "benchmarks.csv", "comments.csv"} <= {
        p.name for p in folder.iterdir()}
    prof = pd.read_csv(folder / "profiles.csv")
    assert prof.loc[prof["suppressed"], "mentee_mean"].isna().all()
    capsys.readouterr()

    assert _cli("score", responses, "-i", "mca-26", "-o", str(tmp_path / "x.xlsx"), "--min-raters", "2") == 2
    err = capsys.readouterr().err
    assert "at least 3" in err and "Traceback" not in err
    assert _cli("score", responses, "-i", "mca-26", "-o", str(tmp_path / "x.txt")) == 2
    assert not (tmp_path / "x.xlsx").exists()


def test_score_help_is_registered():
    from tests.conftest import run_cli

    res = run_cli("score", "--help")
    assert res.returncode == 0 and "--min-raters" in res.stdout
