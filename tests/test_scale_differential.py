"""Issue 24 round 5 (import + score of a million responses): the new paths against the former code.

The former ``score``, ``decide`` and ``strip_cells`` are kept verbatim in ``tests/_former_scale.py``.
Scores (every frame, dtypes included), exclusion decisions and stripped cells must be equal on
generated data that exercises the fast paths (items shared with the responses, group sums per
block, remembered response ids, integer keys for repeats) and the fallbacks (reverse-keyed items,
items a form does not ask, non-whole values, edited ids).
"""

from __future__ import annotations

import dataclasses
import hashlib

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import DataError
from mentorassess.instruments import load_instrument
from mentorassess.io import read_export, rows, scan, tables
from mentorassess.io.distinct import known_distinct
from mentorassess.io.rows import ImportOptions
from mentorassess.sample import generate
from mentorassess.scoring import score
from tests import _former_scale as former

MCA = load_instrument("mca-26")


def _assert_same_scores(new, old):
    for name in ("scores", "items", "comments", "unscored"):
        pd.testing.assert_frame_equal(getattr(new, name), getattr(old, name), check_exact=True)
    pd.testing.assert_series_equal(new.submitted_at, old.submitted_at, check_exact=True)
    assert new.waves == old.waves


@pytest.fixture(scope="module")
def program():
    return generate(seed=3, n_mentors=30)


def test_generated_responses_score_as_before(program):
    _assert_same_scores(score(program.responses, MCA), former.score(program.responses, MCA))


def test_items_share_the_imported_block_read_only(tmp_path, program):
    path = tmp_path / "r.csv"
    program.responses.drop(columns=["source_row"]).to_csv(path, index=False)
    res = read_export(path, "mca-26")
    new = score(res.responses, MCA)
    _assert_same_scores(new, former.score(res.responses, MCA))
    block = new.items[list(MCA.item_ids)].to_numpy()
    assert np.shares_memory(new.items["mca05"].to_numpy(), res.responses["mca05"].to_numpy())
    assert not new.items["mca05"].to_numpy().flags.writeable  # a write through Scores.items cannot reach them
    assert block.shape == (len(res.responses), 26)
    # the import remembered its checked ids; an edited copy is checked in full again
    assert known_distinct(res.responses["response_id"].to_numpy())
    edited = res.responses.copy()
    edited.loc[1, "response_id"] = edited.loc[0, "response_id"]
    assert not known_distinct(edited["response_id"].to_numpy())
    with pytest.raises(DataError) as new_err:
        score(edited, MCA)
    with pytest.raises(DataError) as old_err:
        former.score(edited, MCA)
    assert str(new_err.value) == str(old_err.value)
    assert [p.to_dict() for p in new_err.value.problems] == [p.to_dict() for p in old_err.value.problems]


@pytest.mark.parametrize("case", ["reverse", "form", "halves", "ints", "text", "one_block", "zero_scale",
                                  "id_types", "no_rater", "rater_text", "index"])
def test_fallbacks_score_as_before(program, case):
    ins = MCA
    df = program.responses.copy()
    rng = np.random.default_rng(7)
    if case == "reverse":
        ins = dataclasses.replace(MCA, items=tuple(dataclasses.replace(i, reverse=i.id in {"mca02", "mca20"})
                                                   for i in MCA.items))
    elif case == "form":
        ins = dataclasses.replace(MCA, items=tuple(dataclasses.replace(i, forms=("mentee",)) if i.id == "mca21"
                                                   else i for i in MCA.items))
    elif case == "halves":  # values that are not whole: group sums through np.nansum, as before
        df.loc[rng.random(len(df)) < 0.3, "mca04"] = 3.5
        df.loc[rng.random(len(df)) < 0.2, "mca17"] = 6.25
    elif case == "ints":
        df["mca01"] = df["mca01"].fillna(4).astype(int)
    elif case == "text":
        df["mca07"] = df["mca07"].map(lambda v: None if v != v else str(int(v))).astype(object)
    elif case == "one_block":  # a user frame whose items are one 2D block in another order
        items = list(MCA.item_ids)[::-1]
        df = pd.concat([df.drop(columns=items), pd.DataFrame(df[items].to_numpy(), columns=items)], axis=1)
    elif case == "id_types":  # ids that are not text: numbers, categoricals, rater ids of mixed kinds
        df["mentor_id"] = pd.factorize(df["mentor_id"])[0] + 100
        df["rater_role"] = df["rater_role"].astype("category")
        df["wave"] = df["wave"].astype("category")
        df["rater_id"] = rng.choice(np.array([7, 8.5, None, np.nan, "E1", "E2"], dtype=object), len(df))
    elif case == "no_rater":  # no rater_id column: None in every row
        df = df.drop(columns=["rater_id"])
    elif case == "rater_text":  # every rater id given (no missing cell)
        df["rater_id"] = [f"R{i % 97}" for i in range(len(df))]
    elif case == "index":  # not a 0..n-1 index
        df.index = pd.RangeIndex(5, 5 + 2 * len(df), 2)
    elif case == "zero_scale":
        scale = dataclasses.replace(MCA.scale, values=tuple(range(0, 8)))
        ins = dataclasses.replace(MCA, scale=scale)
        df.loc[rng.random(len(df)) < 0.2, "mca03"] = 0.0
    _assert_same_scores(score(df, ins), former.score(df, ins))


def test_many_rows_and_blocks_score_as_before(program):
    # more rows than one block of _group_sums (65,536), with gaps and whole rows unanswered
    df = pd.concat([program.responses] * (70_000 // len(program.responses) + 1), ignore_index=True).iloc[:70_000]
    df = df.assign(response_id=[f"R{i}" for i in range(len(df))])
    rng = np.random.default_rng(1)
    items = list(MCA.item_ids)
    vals = df[items].to_numpy()
    vals[rng.random(vals.shape) < 0.3] = np.nan
    vals[rng.random(len(df)) < 0.01] = np.nan
    df[items] = vals
    _assert_same_scores(score(df, MCA), former.score(df, MCA))


def _decide_frame(rng, n):
    rater = rng.choice([f"E{i}" for i in range(n // 3)] + [None], n)
    frame = pd.DataFrame({
        "row_reason": rng.choice(["", "", "", "test"], n), "finished": rng.random(n) < 0.8,
        "mentor_id": rng.choice([f"M{i}" for i in range(8)] + [np.nan], n).astype(object),
        "rater_role": rng.choice(["mentee", "self", np.nan], n).astype(object),
        "wave": rng.choice(["pre", "post", np.nan], n).astype(object),
        "rater_id": pd.Series(rater, dtype=object).where(pd.notna(rater), np.nan),
        "submitted_at": rng.choice(["2025-01-01T10:00:00", "2025-02-01T09:00:00", np.nan], n).astype(object),
        "source_row": np.arange(2, n + 2), "comment_growth": rng.choice([None, "more"], n)})
    codes = rng.integers(1, 8, (n, 26)).astype(float)
    codes[rng.random((n, 26)) < 0.2] = np.nan
    answered = (~np.isnan(codes)).sum(axis=1)
    return frame, codes, answered


@pytest.mark.parametrize("duplicates", ["keep_latest", "keep_first", "keep_all"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_exclusions_decided_as_before(duplicates, seed):
    rng = np.random.default_rng(seed)
    frame, codes, answered = _decide_frame(rng, 3_000)
    opts = ImportOptions(duplicates=duplicates)
    duration = rng.exponential(300, len(frame))
    for new, old in zip(rows.decide(frame, codes, answered, 26, opts, duration, None),
                        former.decide(frame, codes, answered, 26, opts, duration, None)):
        np.testing.assert_array_equal(new, old)
    assert (rows.decide(frame, codes, answered, 26, opts, None, None)[0] == "duplicate").any() == (
        duplicates != "keep_all")


def test_cells_stripped_as_before():
    cells = pd.Series(["a", " b", "c\t", "\u00a0d\u2003", "", "  ", "e f", "x" * 50], dtype=object)
    np.testing.assert_array_equal(tables.strip_cells(cells), former.strip_cells(cells))
    mixed = pd.Series(["a ", None, 3.0, " b"], dtype=object)
    np.testing.assert_array_equal(tables.strip_cells(mixed), former.strip_cells(mixed))


def test_large_utf8_export_is_read_in_chunks(tmp_path, monkeypatch):
    # larger than the head read whole, with a blank line straddling a chunk boundary and no final newline
    monkeypatch.setattr(scan, "_CHUNK", 4096)
    header = "response_id,mentor_id,rater_role,wave,rater_id," + ",".join(MCA.item_ids) + "\n"
    line = lambda i: f"R{i},M{i % 7},mentee,pre,E{i}," + ",".join(str(1 + (i + j) % 7) for j in range(26)) + "\n"  # noqa: E731
    body = "".join(line(i) for i in range(20_000))
    cut = 4096 * 50 - len(header) - 1
    cut = body.index("\n", cut)  # the "\n\n" starts just before a chunk boundary
    text = header + body[:cut + 1] + "\n" + body[cut + 1:]
    path = tmp_path / "big.csv"
    path.write_bytes(text.encode("utf-8").rstrip(b"\n"))
    assert path.stat().st_size > tables._HEAD
    grid, _ = tables.read_text_grid(path, str(path), categories=True)
    assert grid.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert grid.may_have_blank_rows
    assert any(p.code == "no-final-newline" for p in grid.warnings)
    res = read_export(path, "mca-26")
    assert res.report.rows_read == 20_000 and len(res.responses) == 20_000
    assert any(p.code == "blank-rows" for p in res.report.warnings)


def _table(columns: dict, categorical: bool):
    body = pd.DataFrame({k: pd.Series(v, dtype="category" if categorical else object) for k, v in columns.items()})
    return tables.RawTable(columns=list(body.columns), body=body, rows=np.arange(4, 4 + len(body)),
                           format="qualtrics", file="q.csv")


def _outcome(fn, *args):
    warnings: list = []
    try:
        out = fn(*args, warnings) if fn.__name__ == "status_reasons" else fn(*args)
    except DataError as exc:
        return "error", str(exc), [p.to_dict() for p in exc.problems]
    return out, [w.to_dict() for w in warnings]


def _same(new, old):
    assert len(new) == len(old)
    for a, b in zip(new, old):
        if isinstance(a, tuple) and isinstance(b, tuple):  # finished_flags: (flags, rule)
            np.testing.assert_array_equal(a[0], b[0])
            assert a[0].dtype == b[0].dtype and a[1] == b[1]
        elif isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
        else:
            assert a == b


@pytest.mark.parametrize("categorical", [True, False])
@pytest.mark.parametrize("status", [["0", " 1", "IP Address", "Survey Preview", "4", "8.0", "", "36", "0"] * 3,
                                    ["0", "77", "Spam", "oops", "77"] * 3])
def test_qualtrics_status_and_finished_as_before(categorical, status):
    from mentorassess.io import completion, qualtrics

    n = len(status)
    chan = (["anonymous", "Preview", " weird ", "", "EMAIL", "Weird"] * n)[:n]
    fin = (["1", "0", "TRUE", " false", "1.0"] * n)[:n]
    table = _table({"Status": status, "DistributionChannel": chan, "Finished": fin}, categorical)
    _same(_outcome(qualtrics.status_reasons, table), _outcome(former.status_reasons, table))
    meta = {"finished": "Finished"}
    _same(_outcome(completion.finished_flags, table, meta, {}, None, 0.8),
          _outcome(former.finished_flags, table, meta, {}, None, 0.8))
    bad = _table({"Finished": (["1", "maybe", "0"] * n)[:n]}, categorical)
    _same(_outcome(completion.finished_flags, bad, meta, {}, None, 0.8),
          _outcome(former.finished_flags, bad, meta, {}, None, 0.8))


@pytest.mark.parametrize("cells", [
    ["2025-01-02 10:11:12", " 2025-01-02 10:11:12", "", "2025-02-30 10:00:00", "2025-03-01T08:00:00Z"],
    ["13/02/2025 10:00", "01/02/2025", "", "bad", " 02/03/2025 4:05 PM"],
    ["2025-01-02 10:11:12", None, np.nan, 5.0, "2025-01-03"],
])
def test_dates_parsed_as_before(cells):
    values = pd.Series(cells * 4, dtype=object)
    new_w, old_w = [], []
    new = rows.parse_dates(values, "t", "f.csv", new_w)
    old = former.parse_dates(values, "t", "f.csv", old_w)
    np.testing.assert_array_equal(new.astype(str), old.astype(str))
    assert [w.to_dict() for w in new_w] == [w.to_dict() for w in old_w]


def test_ascending_ids_skip_hashing_but_repeats_are_still_refused():
    from mentorassess.io import checks

    table = tables.RawTable(columns=[], body=pd.DataFrame(), rows=np.arange(2, 6), format="generic", file="g.csv")
    ok = pd.DataFrame({"response_id": np.array(["a1", "a2", "b1", "c9"], dtype=object), "source_row": [2, 3, 4, 5]})
    assert checks._increasing(ok["response_id"].to_numpy()) and checks.check_response_ids(ok, table, "id")
    for ids in (["a1", "a2", "a2", "c9"], ["c9", "a1", "b1", "a1"]):  # a repeat, ascending or not
        bad = ok.assign(response_id=np.array(ids, dtype=object))
        assert not checks._increasing(bad["response_id"].to_numpy())
        with pytest.raises(DataError, match="appear more than once"):
            checks.check_response_ids(bad, table, "id")
    assert not checks._increasing(np.array(["a", 2, "c"], dtype=object))  # not all text: hashed as before


def test_id_columns_are_owned_by_each_frame(program):
    """The id columns of ``Scores.scores`` and ``Scores.items`` are copies: writing into the responses or
    into one frame changes nothing else (they share no id block)."""
    df = program.responses.copy()
    s = score(df, MCA)
    first = df.loc[0, "mentor_id"]
    df.loc[0, "mentor_id"] = "changed"
    s.scores.loc[0, "rater_role"] = "changed"
    assert s.items.loc[0, "mentor_id"] == first and s.scores.loc[0, "mentor_id"] == first
    assert s.items.loc[0, "rater_role"] == program.responses.loc[0, "rater_role"]
    for c in ("response_id", "mentor_id", "rater_role", "wave", "rater_id"):
        assert not np.shares_memory(s.scores[c].to_numpy(), s.items[c].to_numpy())
