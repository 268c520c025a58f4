"""The importer's categorical reading against its text reading: same responses, same audit, same refusals.

``read_export`` reads the few-valued columns of a text export (answer codes, roles, waves) as
pandas categoricals and classifies each category once; ``api.CATEGORICAL_CELLS = False`` reads
every cell as ``str`` (the reference path). On generated exports mixing clean numeric columns,
labelled columns, off-scale values, blanks, N/A codes and one stray text far below the rows used
to choose the categorical columns (the sample is made small here, as a million-row file's first
2,000 records would be), both paths must give equal frames and audits, or the same error.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import MentorAssessError
from mentorassess.instruments import load_instrument
from mentorassess.io import api, read_export, tables
from mentorassess.io.detect import read_table

MCA = load_instrument("mca-26")
ITEMS = list(MCA.item_ids)
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def _both(monkeypatch, path, **kw):
    """(result or error text) of the categorical path and of the text path."""
    out = []
    for flag in (True, False):
        monkeypatch.setattr(api, "CATEGORICAL_CELLS", flag)
        try:
            out.append(read_export(path, "mca-26", **kw))
        except MentorAssessError as exc:
            out.append(f"{type(exc).__name__}: {exc}\n" + json.dumps(
                [p.to_dict() for p in getattr(exc, "problems", ())], sort_keys=True, default=str))
    return out


def _assert_same(fast, ref):
    if isinstance(ref, str) or isinstance(fast, str):
        assert fast == ref
        return
    pd.testing.assert_frame_equal(fast.responses, ref.responses, check_exact=True)
    assert fast.report.to_dict() == ref.report.to_dict()


def _export(rng, n, *, stray_row=None, labelled=(), off_scale=(), na_codes=(), mentors=12, float_codes=True):
    items = {}
    for j, item in enumerate(ITEMS):
        v = rng.integers(1, 8, n).astype(object)
        col = np.array([f"{x}.0" if float_codes and j % 2 else str(x) for x in v], dtype=object)
        col[rng.random(n) < 0.05] = ""  # blanks
        if item in labelled:
            anchors = {int(k): lab for k, lab in MCA.scale.labels.items()}
            col = np.array([f"{x} - {anchors[x]}" if x in anchors else str(x) for x in v], dtype=object)
            col[rng.random(n) < 0.1] = "Don't know"
        if item in off_scale:
            col[rng.random(n) < 0.02] = "9"
        for code in na_codes:
            col[rng.random(n) < 0.03] = code
        items[item] = col
    if stray_row is not None:
        items[ITEMS[5]][stray_row] = "see comment"
    df = pd.DataFrame({"response_id": [f"R{k:05d}" for k in range(n)],
                       "mentor_id": [f" M{k % mentors:03d} " for k in range(n)],
                       "rater_role": rng.choice(["mentee", "Mentee", "mentee "], n),
                       "wave": rng.choice(["pre", "post", "Pre"], n),
                       "rater_id": [f"E{k % (n - 7):05d}" if k % 11 else "" for k in range(n)],
                       **items,
                       "comment_strengths": [("Listens well" if k % 5 == 0 else "") for k in range(n)]})
    return df


def _write(df, path, encoding="utf-8"):
    df.to_csv(path, index=False, encoding=encoding)
    return path


@pytest.fixture
def small_sample(monkeypatch):
    """Columns chosen from the first 40 records only: later rows can hold texts the sample never saw."""
    monkeypatch.setattr(tables, "CATEGORY_SAMPLE", 40)


def test_clean_numeric_labelled_blank_and_na_columns(tmp_path, monkeypatch, small_sample):
    rng = np.random.default_rng(1)
    df = _export(rng, 500, labelled=("mca03", "mca04"), off_scale=("mca07",), na_codes=("N/A",))
    path = _write(df, tmp_path / "mixed.csv")
    table = read_table(path, str(path), categories=True)
    cats = {c for c in table.body.columns if tables.is_categorical(table.body[c])}
    assert set(ITEMS) <= cats and "response_id" not in cats  # the fast path is the one taken
    fast, ref = _both(monkeypatch, path)
    _assert_same(fast, ref)
    rep = fast.report
    assert rep.out_of_range.get("mca07", 0) > 0 and rep.non_substantive["mca03"] > 0 and rep.recodes


def test_declared_missing_codes_and_value_map(tmp_path, monkeypatch, small_sample):
    rng = np.random.default_rng(2)
    df = _export(rng, 300, na_codes=("-99", "8"))
    path = _write(df, tmp_path / "codes.csv", encoding="utf-8-sig")  # with a BOM
    mapping = tmp_path / "map.yaml"
    mapping.write_text("instrument: mca-26\nmissing_codes: ['-99']\nvalues:\n  '8': na\n", encoding="utf-8")
    fast, ref = _both(monkeypatch, path, mapping=mapping)
    _assert_same(fast, ref)
    assert sum(fast.report.non_substantive.values()) > 0


def test_stray_text_far_below_the_sample_is_refused_alike(tmp_path, monkeypatch, small_sample):
    rng = np.random.default_rng(3)
    df = _export(rng, 400, stray_row=377)
    path = _write(df, tmp_path / "stray.csv")
    fast, ref = _both(monkeypatch, path)
    assert isinstance(fast, str) and "see comment" in fast and '"row": 379' in fast  # header + 1-based
    _assert_same(fast, ref)


def test_an_off_scale_code_across_items_is_refused_alike(tmp_path, monkeypatch, small_sample):
    rng = np.random.default_rng(4)
    df = _export(rng, 200, off_scale=("mca01", "mca02", "mca09", "mca10"))
    path = _write(df, tmp_path / "pattern.csv")
    fast, ref = _both(monkeypatch, path)
    assert isinstance(fast, str) and "off-scale-pattern" in fast
    _assert_same(fast, ref)


def test_few_mentors_roles_and_waves_as_categories_with_a_roster(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    df = _export(rng, 240, mentors=4, float_codes=False)
    df.loc[17, "mentor_id"] = "M999"  # not on the roster: a warning and an unmatched response
    path = _write(df, tmp_path / "few.csv")
    roster = tmp_path / "roster.csv"
    pd.DataFrame({"mentor_id": [f"M{k:03d}" for k in range(4)], "name": list("ABCD")}).to_csv(roster, index=False)
    table = read_table(path, str(path), categories=True)
    assert tables.is_categorical(table.body["mentor_id"]) and tables.is_categorical(table.body["wave"])
    fast, ref = _both(monkeypatch, path, roster=roster)
    _assert_same(fast, ref)
    assert fast.report.responses_excluded.get("unmatched_mentor") == 1


@pytest.mark.parametrize("choice_text", [True, False])
def test_qualtrics_export(tmp_path, monkeypatch, choice_text):
    from mentorassess.io import writers
    from mentorassess.sample import generate

    program = generate(seed=11, n_mentors=30)
    mentee = (program.responses.rater_role == "mentee").to_numpy()
    header, body = writers.qualtrics_rows(program.responses[mentee], program.not_applicable[mentee],
                                          program.instrument, "mentee", choice_text=choice_text, seed=1)
    path = writers.write_qualtrics_csv(tmp_path / "q.csv", header, writers.add_qualtrics_traps(
        header, body, choice_text=choice_text, n_items=len(ITEMS)))
    roster = tmp_path / "roster.csv"
    program.roster.to_csv(roster, index=False)
    mapping = tmp_path / "map.yaml"  # numeric exports code N/A as 8
    mapping.write_text("instrument: mca-26\nvalues:\n  '8': na\n", encoding="utf-8")
    fast, ref = _both(monkeypatch, path, roster=roster, mapping=None if choice_text else mapping)
    _assert_same(fast, ref)
    assert not isinstance(fast, str) and len(fast.responses) > 100


@pytest.mark.parametrize("name", sorted(json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))))
def test_every_corpus_export(name, monkeypatch):
    # small files: let every column with few enough texts be categorical (ids and dates too)
    monkeypatch.setattr(tables, "CATEGORY_MAX_SHARE", 1.0)
    monkeypatch.setattr(tables, "CATEGORY_MIN_RECORDS", 1)
    spec = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))[name]
    kw = {}
    args = spec.get("args", [])
    for opt, value in zip(args[::2], args[1::2]):
        kw[opt.lstrip("-")] = value
    if spec.get("mapping"):
        kw["mapping"] = CORPUS / spec["mapping"]
    fast, ref = _both(monkeypatch, CORPUS / name, roster=CORPUS / "roster.csv", **kw)
    _assert_same(fast, ref)
