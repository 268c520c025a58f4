"""Issue 20: estimator/model/invariance options of the psychometric report and CLI."""

from __future__ import annotations

import json
import sys
import types

import pandas as pd
import pytest
from typer.testing import CliRunner

from mentorassess import sample
from mentorassess.cli import app
from mentorassess.errors import ConfigError
from mentorassess.stats.report import psychometrics


@pytest.fixture(scope="module")
def prog():
    return sample.generate()


pytestmark = pytest.mark.filterwarnings("ignore::mentorassess.errors.MentorAssessWarning")


def test_report_mlr_model_in_json(prog):
    rep = psychometrics(prog.responses, prog.instrument, form="mentee", wave="pre", n_iter=2, efa=False,
                        estimator="mlr", model="f =~ mca01 + mca02 + mca03 + mca04 + mca05 + mca06")
    d = rep.to_dict()["sections"][0]["cfa_model"]
    assert d["estimator"] == "MLR" and d["fit_measures"]["chisq.scaling.factor"] > 0
    assert d["fit_measures"]["df"] == 9
    frame = rep.to_frame()
    assert "cfa_model_cfi.robust" in set(frame["statistic"])


def test_report_bad_options(prog):
    with pytest.raises(ConfigError, match="estimator"):
        psychometrics(prog.responses, prog.instrument, estimator="gls")
    with pytest.raises(ConfigError, match="model syntax"):
        psychometrics(prog.responses, prog.instrument, model="f ~ x")


def test_wlsmv_without_ordinal_module_is_a_clear_error(prog, monkeypatch):
    monkeypatch.setitem(sys.modules, "mentorassess.stats.ordinal", types.ModuleType("mentorassess.stats.ordinal"))
    with pytest.raises(ConfigError, match="wlsmv' is not available"):
        psychometrics(prog.responses, prog.instrument, form="mentee", wave="pre", n_iter=2, efa=False,
                      estimator="wlsmv")


def test_cli_model_file_and_json(prog, tmp_path):
    resp = tmp_path / "r.csv"
    prog.responses.to_csv(resp, index=False)
    model = tmp_path / "m.txt"
    model.write_text("f =~ mca01 + mca02 + mca03 + mca04 + mca05 + mca06\nmca01 ~~ mca02\n")
    out = tmp_path / "o.json"
    res = CliRunner().invoke(app, ["psychometrics", str(resp), "--instrument", "mca-26", "--form", "mentee",
                                   "--wave", "pre", "--model", str(model), "--json", str(out), "--n-iter", "2"])
    assert res.exit_code == 0, res.output
    sec = json.loads(out.read_text())["sections"][0]
    assert sec["cfa_model"]["df"] == 8

def test_cli_bad_estimator_exits_2(prog, tmp_path, capsys):
    from mentorassess.cli import main

    resp = tmp_path / "r.csv"
    prog.responses.to_csv(resp, index=False)
    with pytest.raises(SystemExit) as exc:
        main(["psychometrics", str(resp), "--instrument", "mca-26", "--estimator", "xyz"])
    assert exc.value.code == 2 and "--estimator must be" in capsys.readouterr().err


def test_invariance_and_model_cfa_reach_the_json_and_pdf(prog, tmp_path):
    from mentorassess.reports.psychometric import render_psychometric
    from mentorassess.stats.psych_summary import psychometric_summary
    from tests._harden_helpers import pdf_text

    model = "f =~ mca01 + mca02 + mca03 + mca04 + mca05 + mca06"
    rep = psychometrics(prog.responses, prog.instrument, wave="pre", n_iter=2, efa=False, estimator="fiml",
                        model=model, invariance="form")
    (label, inv), = rep.invariance
    assert label == "forms, wave pre"
    tab = inv.to_frame()
    assert list(tab["model"]) == ["configural", "metric", "scalar", "strict"]
    assert list(tab["df"]) == [18, 23, 28, 34]          # 2 x 9 df; + 5 loadings; + 5 intercepts; + 6 residuals
    d = rep.to_dict()["invariance"][0]
    assert d["steps"][1]["df_diff"] == 5 and d["criteria"]["cfi"] == -0.01
    summ = psychometric_summary(prog.responses, prog.instrument, form="mentee", wave="pre", n_iter=2, report=rep)
    out = render_psychometric(summ, tmp_path / "p.pdf")
    text = pdf_text(out)
    assert "Measurement invariance: forms, wave pre" in text and "Model CFA" in text and "strict" in text


def test_wave_invariance_matches_raters_across_waves(prog):
    rep = psychometrics(prog.responses, prog.instrument, form="mentee", n_iter=2, efa=False, cfa=False,
                        model="f =~ mca01 + mca02 + mca03 + mca04", invariance="wave")
    (label, inv), = rep.invariance
    assert label == "waves pre vs post, form mentee" and inv.design.startswith("longitudinal")
    tab = inv.to_frame()
    # 44 moments; configural 29 parameters; metric ties 3 loadings; scalar ties 4 intercepts and
    # frees the post mean; strict ties 4 residual variances
    assert list(tab["df"]) == [15, 18, 21, 25]
    fit = inv.fits["configural"]
    m = prog.responses
    both = m[m["rater_role"] == "mentee"].groupby(["mentor_id", "rater_id"])["wave"].nunique()
    assert fit.n_obs <= int((both == 2).sum())
