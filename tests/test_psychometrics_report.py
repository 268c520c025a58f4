"""The PsychometricReport and the ``psychometrics`` CLI command."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from mentorassess.errors import (DataError, DataQualityWarning, HeywoodWarning, InsufficientDataError,
                                 MentorAssessWarning)
from mentorassess.scoring import order_waves
from mentorassess.stats.report import psychometrics
from tests._psych_ref import TOL, data, reference
from tests.test_reliability import MCA_BLOCKS


def mca_frame() -> pd.DataFrame:
    return data("mca26_mentee_pre.csv")


@pytest.fixture(scope="module")
def mentee_pre_report():
    from mentorassess import load_instrument

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MentorAssessWarning)
        return psychometrics(mca_frame(), load_instrument("mca-26"), form="mentee", wave="pre", n_iter=5, rng=1)


def test_report_numbers_equal_r(mentee_pre_report):
    ref = reference()["mca"]
    sec = mentee_pre_report.section("mentee", "pre")
    assert sec.n_responses == ref["n_rows"]
    for name, a in sec.reliability.scales.items():
        assert abs(a.raw_alpha - ref["alpha"][name]["total"]["raw_alpha"]) < TOL
    assert abs(sec.omega.omega_h - ref["omega6"]["omega_h"]) < TOL
    assert abs(sec.kmo.msa - ref["kmo"]["msa"]) < TOL
    assert abs(sec.cfa.chisq - ref["cfa"]["fit"]["chisq"]) < 1e-3
    assert sec.cfa.df == 284
    assert sec.published and sec.published[0]["chisq"] == 840.62
    cmp = sec.cfa_comparison()
    assert list(cmp["source"])[0] == "this sample" and len(cmp) == 2
    assert any("Heywood" in n for n in sec.notes)


def test_report_dict_is_json_and_full_precision(mentee_pre_report):
    d = mentee_pre_report.to_dict()
    text = json.dumps(d, allow_nan=False)
    back = json.loads(text)
    sec = mentee_pre_report.sections[0]
    assert back["sections"][0]["reliability"]["scales"]["communication"]["raw_alpha"] == \
        sec.reliability["communication"].raw_alpha
    assert back["instrument"] == "mca-26"
    f = mentee_pre_report.to_frame()
    row = f[(f["statistic"] == "raw_alpha") & (f["scale"] == "communication")]
    assert row["value"].iloc[0] == sec.reliability["communication"].raw_alpha


def test_sections_per_form_and_wave_in_wave_order():
    from mentorassess import sample

    prog = sample.generate()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MentorAssessWarning)
        rep = psychometrics(prog.responses, prog.instrument, n_iter=2, efa=False, cfa=False)
    keys = [(s.form, s.wave) for s in rep.sections]
    assert keys == [("self", "pre"), ("self", "post"), ("mentee", "pre"), ("mentee", "post")]
    assert order_waves(["post", "x", "pre", "follow_up", "post"]) == ("pre", "post", "follow_up", "x")


def test_plain_mapping_and_insufficient_sections():
    d = mca_frame()
    # 30 rows for 26 items: a Heywood EFA, a correlation matrix that is not positive definite, no CFA
    with pytest.warns(HeywoodWarning), pytest.warns(DataQualityWarning, match="not positive definite"):
        rep = psychometrics(d.head(30), MCA_BLOCKS, n_iter=2)
    sec = rep.sections[0]
    assert sec.form == "mentee" and "cfa" in sec.skipped
    with pytest.raises(DataError, match="unknown form"):
        from mentorassess import load_instrument

        psychometrics(d, load_instrument("mca-26"), form="peer")
    with pytest.raises(InsufficientDataError):
        psychometrics(d, MCA_BLOCKS, wave="post")
    with pytest.raises(DataError):
        psychometrics(d.drop(columns=["wave"]), MCA_BLOCKS, wave="pre")


def test_warnings_are_raised_and_noted():
    with pytest.warns(HeywoodWarning):
        rep = psychometrics(mca_frame(), MCA_BLOCKS, n_iter=2)
    assert rep.sections[0].notes


# ---------------------------------------------------------------- CLI
def _app() -> typer.Typer:
    from mentorassess.commands.psychometrics import register

    app = typer.Typer()
    register(app)

    @app.callback()
    def _cb() -> None:  # a group, so the command name is required as in the real CLI
        pass

    return app


def test_cli_prints_summary_and_writes_json(tmp_path):
    from mentorassess.io.canonical import write_csv

    csv = tmp_path / "responses.csv"
    write_csv(mca_frame(), csv)
    out = tmp_path / "report.json"
    res = CliRunner().invoke(_app(), ["psychometrics", str(csv), "--instrument", "mca-26", "--form", "mentee",
                                      "--n-iter", "3", "--json", str(out)])
    assert res.exit_code == 0, res.output
    for text in ("communication", "omega_h", "KMO", "parallel analysis", "this sample", "Fleming", "284"):
        assert text in res.output
    d = json.loads(out.read_text())
    assert d["sections"][0]["form"] == "mentee"
    assert not list(tmp_path.glob(".*"))  # no temp file left behind


def test_cli_errors_are_mentorassess_errors(tmp_path):
    from mentorassess.errors import MentorAssessError

    res = CliRunner().invoke(_app(), ["psychometrics", str(tmp_path / "nope.csv"), "--instrument", "mca-26"])
    assert res.exit_code != 0 and isinstance(res.exception, MentorAssessError)


def test_command_module_imports_only_typer():
    code = ("import sys\nimport mentorassess.commands.psychometrics\n"
            "heavy = [m for m in ('pandas', 'numpy', 'scipy', 'mentorassess.stats') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_nan_in_json_for_skipped_parts():
    with pytest.warns(HeywoodWarning), pytest.warns(DataQualityWarning, match="not positive definite"):
        rep = psychometrics(mca_frame().head(30), MCA_BLOCKS, n_iter=2)
    text = json.dumps(rep.to_dict(), allow_nan=False)
    assert "NaN" not in text
    sec = rep.sections[0]
    assert sec.kmo is None or math.isfinite(sec.kmo.msa)
    assert "kmo" in sec.skipped and "not positive definite" in sec.skipped["kmo"]
    assert np.isfinite(sec.reliability["communication"].raw_alpha)
