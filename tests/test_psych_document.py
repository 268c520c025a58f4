"""Issue 19: one JSON schema for the psychometric output, each statistic once, and the new tables
(EFA with labels and variance explained, the three CFA models, std.all loadings, item-level agreement)
in the JSON, the PDF and the CLI; the model reading follows the results."""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections import defaultdict

import jsonschema
import numpy as np
import pandas as pd
import pytest

from mentorassess.reports._psych_tables import r2
from mentorassess.reports.psychometric import psychometric_pdf_bytes
from mentorassess.stats.psych_document import schema
from mentorassess.stats.psych_summary import SCHEMA_VERSION, psychometric_summary
from mentorassess.stats.readings import psych_readings
from tests._program_helpers import REPORT_DATE, pdf_text


@pytest.fixture(scope="module")
def summary(sample_program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return psychometric_summary(sample_program.responses, "mca-26", form="mentee", wave="pre", n_iter=3)


@pytest.fixture(scope="module")
def doc(summary):
    return json.loads(json.dumps(summary.to_dict(), allow_nan=False))


@pytest.fixture(scope="module")
def text(doc):
    return " ".join(pdf_text(psychometric_pdf_bytes(doc, report_date=REPORT_DATE)).split())


def _floats(obj, path=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _floats(v, f"{path}/{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _floats(v, f"{path}[{i}]")
    elif isinstance(obj, float):
        yield path, obj


def _keys(obj, found=None):
    found = defaultdict(int) if found is None else found
    if isinstance(obj, dict):
        for k, v in obj.items():
            found[k] += 1
            _keys(v, found)
    elif isinstance(obj, list):
        for v in obj:
            _keys(v, found)
    return found


def test_document_validates_against_the_packaged_schema(doc):
    assert doc["schema_version"] == SCHEMA_VERSION == schema()["properties"]["schema_version"]["const"]
    jsonschema.validate(doc, schema())
    broken = copy.deepcopy(doc)
    broken["sections"][0]["cfa"]["models"][0]["cfi"] = "high"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema())  # the schema test can fail
    extra = copy.deepcopy(doc)
    extra["sections"][0]["psychometric_report"] = {}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(extra, schema())  # no second copy of the report may come back


def test_self_form_with_nothing_fitted_validates(sample_program):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = psychometric_summary(sample_program.responses, "mca-26", form="self", wave="pre", n_iter=2).to_dict()
    jsonschema.validate(json.loads(json.dumps(d, allow_nan=False)), schema())
    sec = d["sections"][0]
    assert sec["agreement"] == []  # one self-rating per mentor: no rater agreement
    assert all(m["chisq"] is None and m["reason"] for m in sec["cfa"]["models"])  # too few complete rows


def test_no_statistic_is_stored_twice(doc):
    keys = _keys(doc)
    assert keys["seed"] == 1 and keys["schema_version"] == 1 and keys["package_version"] == 1
    assert doc["call"]["seed"] == 20131002
    where = defaultdict(list)
    for path, v in _floats(doc):
        where[v].append(path)
    sec = doc["sections"][0]
    two_item = {r["scale"] for r in sec["reliability"] if r["n_items"] == 2}
    stats = [r[k] for r in sec["reliability"] for k in ("alpha", "alpha_low", "alpha_high", "g6")]
    stats += [r["average_r"] for r in sec["reliability"] if r["scale"] not in two_item]  # = item-rest r of 2 items
    stats += [sec["omega"]["omega_h"], sec["omega"]["omega_total"], sec["kmo"]["msa"], sec["bartlett"]["chisq"]]
    stats += [m[k] for m in sec["cfa"]["models"] for k in ("chisq", "cfi", "tli", "rmsea", "srmr", "aic", "bic")]
    stats += [r[k] for r in sec["cfa"]["loadings"] for k in ("one_factor", "correlated", "second_order")]
    stats += [v[k] for v in sec["efa"]["variance"] for k in ("ss_loadings", "proportion_var")]
    stats += [p["r"] for p in sec["efa"]["factor_correlations"]]
    stats += [a[k] for ag in sec["agreement"] for t in ("items", "scales") for a in ag[t] for k in ("icc1", "icc2")]
    assert len(stats) > 200
    twice = {v: where[v] for v in stats if len(where[v]) != 1}
    assert not twice, twice
    phi = sec["efa"]["factor_correlations"]
    k = sec["efa"]["n_factors"]
    assert len(phi) == k * (k - 1) // 2  # each correlation once (lower triangle), not the symmetric matrix
    assert "scale_alpha" not in sec["items"][0] and "seed" not in sec["parallel_analysis"]


def test_json_tables_equal_the_statistics(summary, doc):
    sec = doc["sections"][0]
    ld = {r["item"]: r for r in sec["efa"]["loadings"]}
    assert ld["mca19"]["label"] == "Negotiates a path to independence" and ld["mca19"]["scale"] == "independence"
    var = summary.report.section("mentee", "pre").efa.variance_accounted()
    assert [v["ss_loadings"] for v in sec["efa"]["variance"]] == pytest.approx(list(var["ss_loadings"]))
    cmp = summary.models.loadings().set_index("item")
    for r in sec["cfa"]["loadings"]:
        assert r["correlated"] == pytest.approx(cmp.loc[r["item"], "correlated"])
    (ag,) = sec["agreement"]
    api = summary.agreement[0].items.set_index("item")
    for r in ag["items"]:
        assert (r["icc1"], r["rwg_median"]) == pytest.approx((api.loc[r["item"], "icc1"], api.loc[r["item"], "rwg_median"]))
    assert {r["scale"] for r in ag["scales"]} >= {"communication", "overall"}


def test_pdf_prints_the_new_tables(doc, text):
    sec = doc["sections"][0]
    assert "Competency" in text and "mca19 Negotiates a path to independence independence" in text
    assert "Variance explained" in text and "SS loadings" in text and "Cumulative Var" in text
    prop = [v["proportion_var"] for v in sec["efa"]["variance"]]
    assert "Cumulative Var " + " ".join(r2(sum(prop[:i + 1])) for i in range(len(prop))) in text
    assert "One factor, correlated competencies or a second-order factor?" in text
    for m in sec["cfa"]["models"]:
        assert f"{m['n_obs']} {m['chisq']:.2f} {m['df']:.0f} {r2(m['cfi'])} {r2(m['tli'])}" in text
    assert "Standardised CFA loadings" in text
    r = sec["cfa"]["loadings"][0]
    assert f"{r2(r['one_factor'])} {r2(r['correlated'])} {r2(r['second_order'])}" in text
    assert "Item-level agreement" in text and "rwg(j) Mdn" in text
    a = sec["agreement"][0]["items"][0]
    assert f"{r2(a['icc1'])} {r2(a['icc2'])} {r2(a['rwg_median'])}" in text
    assert "(off scale)" in text  # the first eigenvalue dwarfs the others: the axis shows the rest


def test_pdf_says_not_identifiable(doc):
    d = copy.deepcopy(doc)
    so = d["sections"][0]["cfa"]["models"][2]
    for k in ("n_obs", "npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea_ci_low", "rmsea_ci_high",
              "srmr", "aic", "bic", "converged"):
        so[k] = None
    so["reason"] = "not identifiable: a second-order factor needs at least 3 first-order factors (there are 2)"
    for r in d["sections"][0]["cfa"]["loadings"]:
        r["second_order"] = None
    d["sections"][0]["cfa"]["higher_order"] = []
    t = " ".join(pdf_text(psychometric_pdf_bytes(d, report_date=REPORT_DATE)).split())
    assert "Second order not identifiable: a second-order factor needs at least 3 first-order factors" in t
    assert "The second-order model is not identifiable" in t  # and the reading says so


def _correlated_factors(n=400, seed=5) -> pd.DataFrame:
    """MCA items from six competencies correlated .5 (a general factor behind them)."""
    from tests.test_psych_readings import ITEMS, _responses

    base = _responses(1, n=n, seed=seed)
    from mentorassess import load_instrument

    ins = load_instrument("mca-26")
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(n)
    comps = [c.id for c in ins.competencies]
    f = {c: np.sqrt(0.5) * g + np.sqrt(0.5) * rng.standard_normal(n) for c in comps}
    x = np.column_stack([f[ins.competency_of(i).id] + 0.6 * rng.standard_normal(n) for i in ITEMS])
    base[ITEMS] = np.clip(np.round(4 + 1.2 * x), 1, 7)
    return base


def _model_reading(frame: pd.DataFrame, structure="mca-26"):
    from mentorassess.stats.psych_document import _records
    from mentorassess.stats.sem.compare import compare_models

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = compare_models(frame, structure)
    models = [{**r, "reason": r["reason"] or None, "notes": r["notes"] or None}
              for r in _records(cmp.to_frame().drop(columns=["label"]))]
    got = {r.topic: r for r in psych_readings({"sample": {"responses": len(frame)}, "cfa": {"models": models}})}
    return got, models


def test_model_reading_follows_the_results():
    from tests.test_psych_readings import _responses

    one, models = _model_reading(_responses(1))  # one factor: the competency factors correlate at 1
    assert "Heywood" in (models[1]["notes"] or "")
    assert one["models"].text.startswith("Only the one-factor model gives a proper solution")
    assert "not separable" in one["models"].text and one["cfa"].level == "not_valid"
    six, models = _model_reading(_correlated_factors())  # six correlated competencies
    proper = [m for m in models if m["converged"] and not m["notes"]]
    best = min(proper, key=lambda m: m["aic"])
    names = {"one_factor": "one-factor", "correlated": "correlated-factors", "second_order": "second-order"}
    assert len(proper) == 3 and best["model"] != "one_factor"
    assert six["models"].text.startswith(f"Of the proper solutions, the {names[best['model']]} model has the lowest AIC")
    assert "cfa" not in six and six["models"].level == "ok"
    two, _ = _model_reading(_responses(2), {"a": ITEMS_A, "b": ITEMS_B})  # two competencies
    assert "second-order model is not identifiable" in two["models"].text


ITEMS_A = [f"mca{i:02d}" for i in range(1, 14)]
ITEMS_B = [f"mca{i:02d}" for i in range(14, 27)]


def test_non_converged_models_are_not_read():
    base = {"sample": {"responses": 300}}
    m = [{"model": "one_factor", "chisq": None, "converged": False, "n_obs": 300, "notes": "did not converge"},
         {"model": "correlated", "chisq": None, "converged": False, "n_obs": 300, "notes": "did not converge"}]
    got = {r.topic: r for r in psych_readings({**base, "cfa": {"models": m}})}
    assert got["models"].level == "not_valid" and got["cfa"].level == "not_valid"
    assert got["models"].text.startswith("No CFA model gives a proper solution")


def test_cli_json_is_the_same_schema_with_agreement(sample_program, tmp_path):
    from typer.testing import CliRunner

    from mentorassess.cli import app
    from mentorassess.io.canonical import write_csv

    csv = tmp_path / "r.csv"
    write_csv(sample_program.responses, csv)
    out = tmp_path / "p.json"
    res = CliRunner().invoke(app, ["psychometrics", str(csv), "--instrument", "mca-26", "--form", "mentee",
                                   "--wave", "pre", "--n-iter", "2", "--json", str(out)])
    assert res.exit_code == 0, res.output
    d = json.loads(out.read_text())
    jsonschema.validate(d, schema())
    (sec,) = d["sections"]
    icc = {r["item"]: r["icc1"] for r in sec["agreement"][0]["items"]}
    assert re.search(rf"mca01\s+communication\s+\d+\s+{icc['mca01']:.3f}\s", res.output)
    for title in ("CFA models, form mentee, wave pre", "standardised loadings (std.all)",
                  "rater agreement, form mentee, wave pre", "item-level agreement"):
        assert title in res.output
    corr = {m["model"]: m for m in sec["cfa"]["models"]}["correlated"]
    assert re.search(rf"correlated\s+{corr['chisq']:.1f}\s+{corr['df']:.0f}\s+{corr['cfi']:.3f}", res.output)
