"""Issue 16 acceptance: a corpus of exports of eight survey tools, each built from one truth table.

``tests/data/corpus/make_corpus.py`` writes every export from ``truth.csv`` the way the tool
writes it, plus planted rows (previews, partial responses, earlier repeats); ``expected.json``
says which truth rows each export holds, which rows were planted, and what else the audit must
show. Each export must import exactly: every cell equal to the truth, the audit counting what
was planted, nothing off the scale.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.io import read_export

CORPUS = Path(__file__).resolve().parent / "data" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
TRUTH = pd.read_csv(CORPUS / "truth.csv", dtype=str, keep_default_na=False)
ITEMS = [f"mca{i:02d}" for i in range(1, 27)]
KEY = ["wave", "rater_role", "mentor_id", "rater_id"]
COMMENTS = ["comment_strengths", "comment_growth", "comment_goals"]


def _import(name: str, spec: dict):
    kw = {}
    args = spec.get("args", [])
    for opt, value in zip(args[::2], args[1::2]):
        kw[opt.lstrip("-")] = value
    mapping = CORPUS / spec["mapping"] if spec.get("mapping") else None
    return read_export(CORPUS / name, "mca-26", roster=CORPUS / "roster.csv", mapping=mapping, **kw)


def _truth(spec: dict) -> pd.DataFrame:
    t = TRUTH
    for k, v in spec.get("select", {}).items():
        t = t[t[k] == v]
    return t.sort_values(KEY).reset_index(drop=True)


def test_corpus_covers_eight_tools_mostly_without_mapping():
    assert len(EXPECTED) >= 24
    tools = {s["tool"] for s in EXPECTED.values()}
    assert tools == {"Qualtrics", "REDCap", "SPSS", "generic CSV/XLSX", "SurveyMonkey", "Google Forms",
                     "Microsoft Forms", "LimeSurvey"}
    assert sum(not s.get("mapping") for s in EXPECTED.values()) > len(EXPECTED) / 2


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_export_imports_exactly(name):
    spec = EXPECTED[name]
    res = _import(name, spec)
    truth = _truth(spec)
    got = res.responses.sort_values(KEY).reset_index(drop=True)
    assert len(got) == len(truth), name
    for col in ["mentor_id", "rater_role", "wave", "rater_id"]:
        assert got[col].tolist() == truth[col].tolist(), col
    for item in ITEMS:
        want = pd.to_numeric(truth[item].replace("", np.nan)).to_numpy(dtype=float)
        np.testing.assert_array_equal(got[item].to_numpy(dtype=float), want, err_msg=item)
    if spec.get("comments", True):
        for col in COMMENTS:
            assert got[col].fillna("").tolist() == truth[col].tolist(), col
    if spec.get("submitted", True):
        assert got["submitted_at"].tolist() == truth["submitted_at"].tolist()
    if spec.get("response_id", True):
        assert got["response_id"].tolist() == truth["response_id"].tolist()
    rep = res.report
    planted = spec.get("excluded", {})
    assert dict(rep.rows_excluded) == planted
    assert rep.rows_read == len(truth) + sum(planted.values()) == rep.rows_kept + rep.rows_excluded_total
    assert sum(rep.non_substantive.values()) == sum(len(s.split()) for s in truth["na_items"])
    assert dict(rep.out_of_range) == {}
    assert rep.completion_rule
    for k, v in spec.get("recodes", {}).items():
        assert rep.recodes.get(k) == v, (k, dict(rep.recodes))
    if "mentor_matches" in spec:
        assert dict(rep.mentor_matches) == spec["mentor_matches"]


def test_generator_reproduces_the_committed_corpus(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(tmp_path)
    for p in sorted(tmp_path.iterdir()):
        assert p.read_bytes() == (CORPUS / p.name).read_bytes(), p.name


RULES = {"qualtrics_text.csv": "column Finished", "project1_DATA.csv": "REDCap form status mca_mentee_complete",
         "spss_labels.sav": "answered share", "generic.csv": "answered share", "surveymonkey.csv": "answered share",
         "google_forms.csv": "submitted (google-forms", "ms_forms.xlsx": "submitted (ms-forms",
         "limesurvey_codes.csv": "LimeSurvey submitdate"}


@pytest.mark.parametrize("name", sorted(RULES))
def test_completion_rule_and_decisions_are_in_the_audit(name):
    spec = EXPECTED[name]
    rep = _import(name, spec).report
    assert RULES[name] in rep.completion_rule
    counts = dict(rep.completion)
    assert sum(counts.values()) == rep.responses_produced  # every response has one completion decision
    incomplete = next(v for k, v in counts.items() if "excluded as incomplete" in k)
    assert incomplete == spec.get("excluded", {}).get("incomplete", 0)
    if rep.completion_rule.startswith("answered share"):
        assert counts["finished"] == 0
        assert next(v for k, v in counts.items() if "(complete)" in k) == rep.rows_kept
    json.dumps(rep.to_dict())  # JSON-ready, completion included
    assert rep.to_dict()["completion_rule"] == rep.completion_rule
