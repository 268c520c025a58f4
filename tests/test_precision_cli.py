"""`mentorassess precision`, the precision bundle's JSON and the psychometric report's section."""

from __future__ import annotations

import json
import warnings
from functools import lru_cache

import pandas as pd
import pytest

from mentorassess.cli import main
from mentorassess.errors import DataError
from mentorassess.stats.precision.gstudy import g_study
from mentorassess.stats.precision.summary import precision_report
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "responses.csv"


@lru_cache(maxsize=None)
def _report():
    from mentorassess.io.canonical import read_responses

    return precision_report(read_responses(SAMPLE, "mca-26"), "mca-26", wave="pre", include=("shrunken",
                                                                                              "agreement"))


def test_cli_writes_json_equal_to_the_api(tmp_path, capsys):
    out = tmp_path / "p.json"
    with pytest.raises(SystemExit) as e:
        main(["precision", str(SAMPLE), "--instrument", "mca-26", "--wave", "pre", "--json", str(out)])
    assert e.value.code in (0, None)
    d = json.loads(out.read_text())
    assert "mentees needed" in capsys.readouterr().out
    w = d["waves"][0]
    assert w["wave"] == "pre" and d["change"] == {}          # one wave: no change
    api = _report().waves[0]
    g = api.gstudies["overall"]
    comp = {c["component"]: c["variance"] for c in w["g_study"]["overall"]["components"]}
    assert comp["mentor"] == pytest.approx(g.variance("mentor"), abs=1e-12)
    need = pd.DataFrame(w["mentees_needed"])
    assert need.set_index(["scale", "target"]).loc[("overall", 0.7), "mentees_needed"] == \
        api.needed().set_index(["scale", "target"]).loc[("overall", 0.7), "mentees_needed"]
    # confidentiality: mentor-level rows only with >= min_raters ratings
    eb = w["shrunken_scores"]["overall"]
    assert all(m["n"] >= 3 for m in eb["mentors"]) and eb["mentors_not_listed"] > 0
    assert all(m["n_raters"] >= 3 for m in w["mentor_reliability"])


def test_cli_bad_input_exits_2_with_a_message(tmp_path, capsys):
    bad = tmp_path / "r.csv"
    bad.write_text(SAMPLE.read_text(encoding="utf-8").replace(",mentee,pre,", ",mentee,pre ,", 1), encoding="utf-8")
    for args in (["--wave", "never"], ["--form", "boss"], ["--null", "bimodal"]):
        with pytest.raises(SystemExit) as e:
            main(["precision", str(SAMPLE), "--instrument", "mca-26", "--json", str(tmp_path / "x.json"), *args])
        assert e.value.code == 2
    assert not (tmp_path / "x.json").exists()
    with pytest.raises(SystemExit) as e:
        main(["precision", str(tmp_path / "missing.csv"), "--instrument", "mca-26", "--json", str(tmp_path / "y.json")])
    assert e.value.code == 2
    assert "not found" in capsys.readouterr().err


def test_report_parts_are_consistent():
    rep = _report()
    w = rep.waves[0]
    assert set(w.gstudies) == set(w.shrunken) == {"communication", "expectations", "understanding", "independence",
                                                  "diversity", "professional_development", "overall"}
    eb = w.shrunken["overall"].to_frame()
    # shrinkage: EB scores lie between the raw mean and the program mean
    lo = eb[["raw_mean"]].assign(mu=w.shrunken["overall"].mu).min(axis=1)
    hi = eb[["raw_mean"]].assign(mu=w.shrunken["overall"].mu).max(axis=1)
    assert ((eb["eb_score"] >= lo - 1e-12) & (eb["eb_score"] <= hi + 1e-12)).all()
    rel = w.mentor_reliability[w.mentor_reliability["scale"] == "overall"].set_index("mentor_id")
    g = w.gstudies["overall"]
    m = rel["n_raters"].idxmax()
    assert rel.loc[m, "g"] == pytest.approx(g.g_coefficient(rel.loc[m, "n_raters"], g.n_items))
    assert w.agreement.set_index("scale").loc["overall", "rwg_j_null_median"] <= \
        w.agreement.set_index("scale").loc["overall", "rwg_j_uniform_median"]   # skewed null: smaller variance
    with pytest.raises(DataError):
        precision_report(pd.DataFrame({"x": [1]}), "mca-26", form="boss")


def test_psychometric_report_has_the_precision_section(sample_program):
    from mentorassess.reports.psychometric import psychometric_pdf_bytes
    from mentorassess.stats.psych_summary import psychometric_summary
    from tests._program_helpers import REPORT_DATE, pdf_text

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = psychometric_summary(sample_program.responses, "mca-26", form="mentee", wave="pre", n_iter=2)
    d = s.to_dict()
    sec = d["sections"][0]["precision"]
    need = {(r["scale"], r["target"]): r for r in sec["waves"][0]["mentees_needed"]}
    text = pdf_text(psychometric_pdf_bytes(d, report_date=REPORT_DATE))
    assert "How many mentees make a mentor's score dependable" in text
    r = need[("overall", 0.8)]
    assert (f"{r['mentees_needed']:.0f}" if r["reachable"] else "not reachable") in text
    json.dumps(d, allow_nan=False)


def test_g_study_is_invariant_to_row_order_and_ids():
    d = pd.read_csv(ROOT / "tests" / "reference" / "precision" / "sim_nested.csv")
    a = g_study(d).components["reml"].to_numpy()
    shuffled = d.sample(frac=1.0, random_state=3).assign(mentor=lambda x: "m" + x["mentor"])
    b = g_study(shuffled).components["reml"].to_numpy()
    # the fit runs over one canonical row order (ids sorted; the "m" prefix keeps their order): same bits
    assert a.tobytes() == b.tobytes()
