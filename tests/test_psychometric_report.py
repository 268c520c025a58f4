"""Psychometric summary, its JSON round trip and the PDF's figures."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorassess.reports.psychometric import psychometric_pdf_bytes, r2, write_psychometric_json
from mentorassess.stats.psych_summary import SCHEMA_VERSION, psychometric_summary
from tests._program_helpers import REPORT_DATE, page_count, pdf_text


@pytest.fixture(scope="module")
def summary(sample_program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return psychometric_summary(sample_program.responses, "mca-26", form="mentee", wave="pre", n_iter=3)


@pytest.fixture(scope="module")
def pdf(summary):
    return psychometric_pdf_bytes(summary, report_date=REPORT_DATE)


def test_agreement_equals_the_api(summary, sample_program):
    from mentorassess.scoring import score
    from mentorassess.stats.agreement import rater_agreement

    r = sample_program.responses
    sc = score(r[(r["rater_role"] == "mentee") & (r["wave"] == "pre")], "mca-26")
    api = rater_agreement(sc, wave="pre").to_frame().set_index("variable")
    for row in summary.icc.itertuples():
        assert row.icc1 == pytest.approx(api.loc[row.scale, "ICC1"])
        assert row.icc2 == pytest.approx(api.loc[row.scale, "ICC2"])


def test_summary_matches_the_statistics_modules(summary, sample_program, mca26):
    from mentorassess.stats.reliability import estimate_reliability

    r = sample_program.responses
    d = r[(r["rater_role"] == "mentee") & (r["wave"] == "pre")]
    rel = estimate_reliability(d, mca26)
    got = summary.reliability.set_index("scale")["alpha"]
    for name, a in rel.scales.items():
        assert got[name] == pytest.approx(a.raw_alpha)
    flagged = summary.items[summary.items["alpha_if_dropped"] > summary.items["scale_alpha"]]
    assert flagged["flags"].str.contains("alpha rises if dropped").all()
    low = summary.items[summary.items["r_drop"] < 0.30]
    assert low["flags"].str.contains("low item-rest r").all()


def test_json_round_trip(summary, tmp_path):
    path = write_psychometric_json(summary, tmp_path / "psy.json")
    back = json.loads(path.read_text(encoding="utf-8"))
    assert back == json.loads(json.dumps(summary.to_dict()))
    assert back["schema_version"] == SCHEMA_VERSION
    (sec,) = back["sections"]
    assert (sec["form"], sec["wave"]) == ("mentee", "pre")
    corr = {m["model"]: m for m in sec["cfa"]["models"]}["correlated"]
    assert corr["cfi"] == pytest.approx(summary.cfa["cfi"])
    assert corr["cfi"] == pytest.approx(summary.report.section("mentee", "pre").cfa.cfi, abs=1e-6)  # = fit_cfa
    assert len(sec["items"]) == len(summary.items)
    assert {p["form"] for p in sec["cfa"]["published"]} == {"mentee"}
    # the API's report object is no longer embedded (it repeated every statistic); its precision is
    assert "psychometric_report" not in back and sec["precision"]["waves"][0]["wave"] == "pre"


def test_pdf_figures_equal_the_summary(summary, pdf):
    assert page_count(pdf) <= 8
    flat = " ".join(pdf_text(pdf).split())
    for r in summary.reliability.itertuples():
        assert f"{r.n_items} {r2(r.alpha)} [{r2(r.alpha_low)}, {r2(r.alpha_high)}] {r2(r.average_r)}" in flat
    c = summary.cfa
    assert f"{r2(c['cfi'])} {r2(c['tli'])} {r2(c['rmsea'])} [{r2(c['rmsea_ci_low'])}, {r2(c['rmsea_ci_high'])}]" in flat
    pub = summary.published[0]
    assert f"{pub['chisq']:.2f} {pub['df']:.0f} {r2(pub['cfi'])} {r2(pub['tli'])}" in flat
    assert f"KMO = {r2(summary.kmo['msa'])}" in flat
    # the reading under the table prints the KMO as the table does (".93", not "0.93")
    assert f"KMO = {r2(summary.kmo['msa'])} is " in flat and "KMO = 0." not in flat
    for a in summary.icc.itertuples():
        assert f"{a.n} {a.mentors} {r2(a.icc1)} {r2(a.icc2)}" in flat
    assert "Scree plot with parallel analysis" in flat
    assert f"suggests {summary.parallel['n_factors']} factor(s)" in flat


def test_pdf_is_deterministic(summary, pdf):
    assert psychometric_pdf_bytes(summary.to_dict(), report_date=REPORT_DATE) == pdf


def test_r2_drops_the_leading_zero():
    assert (r2(0.912), r2(-0.05), r2(1.0), r2(float("nan"))) == (".91", "−.05", "1.00", "–")
