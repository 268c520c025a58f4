"""Round trips: canonical responses -> export writer -> read_export == the original, exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import DataError
from mentorassess.io import read_export
from mentorassess.sample import generate, write_sample

KEY = ["wave", "mentor_id", "rater_role", "rater_id"]


@pytest.fixture(scope="module")
def program():
    return generate(seed=7, n_mentors=12)


@pytest.fixture(scope="module")
def sample_dir(program, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample(program, out)
    return out


def _compare(got: pd.DataFrame, expected: pd.DataFrame, ins, *, response_id: bool = True,
             submitted: bool = True) -> None:
    cols = ["mentor_id", "rater_role", "wave", "rater_id", *ins.item_ids, *ins.comment_ids]
    cols += ["response_id"] if response_id else []
    cols += ["submitted_at"] if submitted else []
    g = got.sort_values(KEY).reset_index(drop=True)[cols]
    e = expected.sort_values(KEY).reset_index(drop=True)[cols]
    pd.testing.assert_frame_equal(g, e, check_dtype=False)
    for item in ins.item_ids:
        assert got[item].dtype == np.float64


def _sel(program, **eq):
    r = program.responses
    mask = np.ones(len(r), dtype=bool)
    for k, v in eq.items():
        mask &= (r[k] == v).to_numpy()
    return r[mask]


def test_qualtrics_csv_round_trip(program, sample_dir):
    res = read_export(sample_dir / "qualtrics_mentee.csv", "mca-26", roster=sample_dir / "roster.csv")
    _compare(res.responses, _sel(program, rater_role="mentee"), program.instrument)
    rep = res.report
    assert dict(rep.rows_excluded) == {"preview": 2, "test": 1, "incomplete": 2, "duplicate": 1,
                                       "unmatched_mentor": 1}
    assert rep.format == "qualtrics" and rep.encoding == "utf-8-sig"
    na = program.not_applicable[(program.responses.rater_role == "mentee").to_numpy()]
    assert sum(rep.non_substantive.values()) == int(na.to_numpy().sum())
    assert any("resembles roster" in (w.hint or "") for w in rep.warnings)


def test_qualtrics_xlsx_round_trip(program, sample_dir):
    res = read_export(sample_dir / "qualtrics_self.xlsx", "mca-26", mapping=sample_dir / "qualtrics_self.mapping.yaml",
                      roster=sample_dir / "roster.csv")
    _compare(res.responses, _sel(program, rater_role="self"), program.instrument)
    assert res.report.rows_excluded_total == 0
    assert sum(res.report.out_of_range.values()) == 0  # code 8 is N/A through the mapping


def test_redcap_labels_round_trip(program, sample_dir):
    res = read_export(sample_dir / "redcap_mentee_DATA_LABELS.csv", "mca-26",
                      mapping=sample_dir / "redcap_mentee.mapping.yaml", roster=sample_dir / "roster.csv")
    _compare(res.responses, _sel(program, rater_role="mentee"), program.instrument, response_id=False,
             submitted=False)
    assert dict(res.report.rows_excluded) == {"incomplete": 1}
    assert res.responses["response_id"].is_unique


def test_spss_round_trip(program, sample_dir):
    res = read_export(sample_dir / "spss_post.sav", "mca-26", roster=sample_dir / "roster.csv")
    _compare(res.responses, _sel(program, wave="post"), program.instrument)
    na = program.not_applicable[(program.responses.wave == "post").to_numpy()]
    assert sum(res.report.non_substantive.values()) == int(na.to_numpy().sum())


def test_generic_round_trip(program, sample_dir):
    res = read_export(sample_dir / "generic_pre.csv", "mca-26", roster=sample_dir / "roster.csv")
    _compare(res.responses, _sel(program, wave="pre"), program.instrument)
    assert res.report.mentor_matches == {"email": len(res.responses)}


def test_redcap_dictionary_found_beside_export(program, sample_dir):
    # Without the mapping the dictionary is still found beside the export, but the project's
    # missing-data code UNK is not declared: the import stops and names it.
    with pytest.raises(DataError, match="unknown answer label 'UNK'"):
        read_export(sample_dir / "redcap_mentee_DATA_LABELS.csv", "mca-26", role="mentee",
                    roster=sample_dir / "roster.csv")
