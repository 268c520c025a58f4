"""Ordinal invariance in the psychometric report's layout: the paired model across waves when raters
link the waves, waves as groups (with the independence note) when they do not, and forms as groups;
the report's step table carries lavaan's scaled statistics (compared with lavaan in
test_ordinal_longitudinal / test_ordinal_invariance) under the report's column names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorassess.stats.invariance_ordinal import RULE, across_forms, across_waves
from mentorassess.stats.ordinal.longitudinal import INDEPENDENCE

REF = Path(__file__).parent / "reference" / "ordinal"
MODEL = {"f": ["x1", "x2", "x3", "x4"]}


def _long1() -> pd.DataFrame:
    return pd.read_csv(REF / "long1.csv")


def test_waves_use_the_paired_model_and_lavaans_scaled_statistics():
    ref = json.loads((REF / "longitudinal.json").read_text())["long1"]
    res = across_waves(_long1(), MODEL, ("pre", "post"), id=("rater",))
    assert res.design.startswith("longitudinal (pre vs post), paired raters") and res.n == ref["nobs"]
    tab = res.to_frame().set_index("model")
    for step, m in ref["models"].items():
        assert tab.loc[step, "chisq"] == pytest.approx(m["fit"]["chisq.scaled"], abs=1e-3)
        assert tab.loc[step, "cfi"] == pytest.approx(m["fit"]["cfi.scaled"], abs=1e-3)
        assert tab.loc[step, "rmsea"] == pytest.approx(m["fit"]["rmsea.scaled"], abs=1e-3)
        assert tab.loc[step, "df"] == m["fit"]["df"]
    full = res.result.to_frame().set_index("step")
    for step in tab.index[1:]:
        holds = bool(full.loc[step, "holds"])
        assert tab.loc[step, "decision"] == ("invariant" if holds else "not invariant")
    assert tab.loc["configural", "decision"] is None
    d = res.to_dict()
    assert d["estimator"] == "WLSMV" and d["rule"] == RULE and len(d["steps"]) == len(tab)


def test_waves_without_linking_ids_are_groups_with_the_independence_note():
    d = _long1()
    d["rater"] = [f"{w}-{r}" for w, r in zip(d["wave"], d["rater"])]  # no rater answers at both waves
    res = across_waves(d, MODEL, ("pre", "post"), id=("rater",))
    assert res.design.startswith("waves as groups") and INDEPENDENCE in res.notes
    assert res.n == len(d.dropna(subset=MODEL["f"]))


def test_forms_as_groups():
    d = _long1().rename(columns={"wave": "rater_role"})
    res = across_forms(d, MODEL)
    tab = res.to_frame()
    assert list(tab["model"])[0] == "configural" and tab["chisq"].notna().all()
    assert np.all(np.diff(tab["df"].to_numpy()) > 0)


def test_psychometric_report_carries_ordinal_invariance_into_pdf_and_json(tmp_path):
    import jsonschema

    from mentorassess.reports.psychometric import psychometric_pdf_bytes
    from mentorassess.sample import generate
    from mentorassess.stats.report import psychometrics
    from mentorassess.stats.psych_document import psychometric_document, schema
    from mentorassess.stats.psych_summary import psychometric_summary
    from tests._program_helpers import pdf_text

    prog = generate(n_mentors=120, seed=5)
    rep = psychometrics(prog.responses, "mca-26", form="mentee", estimator="wlsmv", invariance="wave",
                        n_iter=2, rng=1)
    (label, inv), = rep.invariance
    assert label == "waves pre vs post, form mentee" and inv.estimator == "WLSMV"
    assert inv.design.startswith("longitudinal (pre vs post), paired raters")
    assert list(inv.to_frame()["model"]) == ["configural", "thresholds", "loadings", "intercepts", "residuals"]
    summ = psychometric_summary(prog.responses, "mca-26", form="mentee", wave="pre", report=rep)
    doc = json.loads(json.dumps(psychometric_document([summ]), allow_nan=False))
    jsonschema.validate(doc, schema())
    (entry,) = doc["invariance"]
    assert entry["estimator"] == "WLSMV" and entry["rule"] == RULE and entry["n"] == inv.n
    assert [s["model"] for s in entry["steps"]] == list(inv.to_frame()["model"])
    text = " ".join(pdf_text(psychometric_pdf_bytes(doc, report_date="2026-12-01")).split())
    assert "Measurement invariance: waves pre vs post, form mentee" in text
    assert "paired raters" in text and "Wu & Estabrook" in text


def test_console_table_is_not_truncated_on_a_narrow_terminal(capsys, monkeypatch):
    """The CLI's invariance table has 12 columns; on an 80-column terminal rich cut them to '…'."""
    from types import SimpleNamespace

    from mentorassess.commands.psychometrics import _print_invariance

    monkeypatch.setenv("COLUMNS", "80")
    res = across_waves(_long1(), MODEL, ("pre", "post"), id=("rater",))
    _print_invariance(SimpleNamespace(invariance=[("waves pre vs post, form mentee", res)]))
    out = capsys.readouterr().out
    assert "…" not in out and "thresholds" in out and "residuals" in out
    first = res.to_frame().iloc[1]
    assert f"{first['chisq']:.2f}" in out
