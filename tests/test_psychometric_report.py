"""Psychometric summary, its JSON round trip and the PDF's figures."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from mentorassess.reports.psychometric import psychometric_pdf_bytes, r2, write_psychometric_json
from mentorassess.stats.psych_summary import SCHEMA_VERSION, icc_nested, psychometric_summary
from tests._program_helpers import REPORT_DATE, page_count, pdf_text


@pytest.fixture(scope="module")
def summary(sample_program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return psychometric_summary(sample_program.responses, "mca-26", form="mentee", wave="pre", pa_iterations=3)


@pytest.fixture(scope="module")
def pdf(summary):
    return psychometric_pdf_bytes(summary, report_date=REPORT_DATE)


def test_icc_nested_equals_anova_formulas():
    rng = np.random.default_rng(5)
    groups = np.repeat(list("abcdefg"), [2, 3, 5, 4, 3, 6, 2])
    vals = rng.normal(size=len(groups)) + pd.Series(groups).map({g: i * 0.3 for i, g in enumerate("abcdefg")})
    r = icc_nested(pd.Series(vals), pd.Series(groups))
    # independent: statsmodels-free one-way ANOVA by hand
    df = pd.DataFrame({"v": vals, "g": groups})
    n_j = df.groupby("g").size()
    N, J = len(df), len(n_j)
    ssb = (n_j * (df.groupby("g")["v"].mean() - df["v"].mean()) ** 2).sum()
    ssw = ((df["v"] - df.groupby("g")["v"].transform("mean")) ** 2).sum()
    msb, msw = ssb / (J - 1), ssw / (N - J)
    npr = (N - (n_j ** 2).sum() / N) / (J - 1)
    assert r["icc1"] == pytest.approx((msb - msw) / (msb + (npr - 1) * msw))
    assert r["icc2"] == pytest.approx((msb - msw) / msb)


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
    assert back["cfa"]["cfi"] == pytest.approx(summary.cfa["cfi"])
    assert len(back["items"]) == len(summary.items)
    assert {p["form"] for p in back["published_cfa"]} == {"mentee"}


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
    for a in summary.icc.itertuples():
        assert f"{a.n} {a.mentors} {r2(a.icc1)} {r2(a.icc2)}" in flat
    assert "Scree plot with parallel analysis" in flat
    assert f"suggests {summary.parallel['n_factors']} factor(s)" in flat


def test_pdf_is_deterministic(summary, pdf):
    assert psychometric_pdf_bytes(summary.to_dict(), report_date=REPORT_DATE) == pdf


def test_r2_drops_the_leading_zero():
    assert (r2(0.912), r2(-0.05), r2(1.0), r2(float("nan"))) == (".91", "−.05", "1.00", "–")
