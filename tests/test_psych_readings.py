"""Issue 19: the psychometric readings follow the results (1-, 2-, 6-factor and non-converging data)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from mentorassess.stats.readings import psych_readings

ITEMS = [f"mca{i:02d}" for i in range(1, 27)]


def _responses(n_factors: int, n: int = 300, seed: int = 1, noise: float = 0.6) -> pd.DataFrame:
    """Mentee responses to the 26 MCA items from a simple-structure factor model, cut to 1-7."""
    from mentorassess.instruments import load_instrument

    ins = load_instrument("mca-26")
    comp = [ins.competency_of(i).id for i in ITEMS]
    groups = sorted(set(comp), key=comp.index)
    rng = np.random.default_rng(seed)
    f = rng.standard_normal((n, max(n_factors, 1)))
    which = {g: j * n_factors // len(groups) for j, g in enumerate(groups)}
    x = np.column_stack([f[:, which[c]] + noise * rng.standard_normal(n) for c in comp])
    vals = np.clip(np.round(4 + 1.2 * x), 1, 7)
    frame = pd.DataFrame(vals, columns=ITEMS)
    frame.insert(0, "response_id", [f"R{i}" for i in range(n)])
    frame.insert(1, "mentor_id", [f"M{i % 50:02d}" for i in range(n)])
    frame.insert(2, "rater_role", "mentee")
    frame.insert(3, "wave", "pre")
    frame.insert(4, "rater_id", [f"S{i}" for i in range(n)])
    return frame


def _readings(frame: pd.DataFrame) -> tuple[dict[str, tuple[str, str]], dict]:
    """The results the report's readings rest on (KMO, parallel analysis, EFA), then the readings."""
    from mentorassess.stats.efa import fit_efa
    from mentorassess.stats.factors import estimate_kmo, parallel_analysis

    x = frame[ITEMS].astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pa = parallel_analysis(x, n_iter=10, rng=1)
        d = {"sample": {"responses": len(x)}, "kmo": {"msa": estimate_kmo(x).msa},
             "parallel_analysis": {"n_factors": pa.n_factors},
             "reliability": [{"scale": c} for c in ("a", "b", "c", "d", "e", "f", "overall")]}
        if d["kmo"]["msa"] >= 0.5 and pa.n_factors:
            e = fit_efa(x, pa.n_factors)
            d["efa"] = {"method": "minres", "converged": e.converged, "heywood_items": list(e.heywood_items)}
    return {r.topic: (r.level, r.text) for r in psych_readings(d)}, d


@pytest.mark.parametrize("k", [1, 2, 6])
def test_dimensionality_reading_follows_parallel_analysis(k):
    got, d = _readings(_responses(k))
    assert d["parallel_analysis"]["n_factors"] == k  # the simulated structure is recovered
    level, text = got["dimensionality"]
    assert text.startswith(f"Parallel analysis suggests {k} factor")
    assert ("one strong general factor" in text) == (k == 1)
    if k == 6:
        assert "consistent with separate competencies" in text
    if k == 2:
        assert "neither one general factor nor the instrument's 6 competencies" in text
    assert got["factorability"][0] == "ok" and "KMO" in got["factorability"][1]
    efa = d["efa"]  # the EFA verdict follows its gates: convergence and Heywood cases
    assert got["efa"][0] == ("ok" if efa["converged"] and not efa["heywood_items"] else "not_valid")


def test_small_noisy_data_are_not_read():
    got, d = _readings(_responses(6, n=40, seed=3, noise=4.0))
    assert got["factorability"][0] == "not_valid" and "not read" in got["factorability"][1]
    assert "N = 40 is below 50" in got["factorability"][1]


def test_report_json_carries_the_readings():
    from mentorassess.stats.psych_summary import PsychometricSummary

    s = PsychometricSummary(instrument_id="mca-26", instrument_title="MCA", form="self", wave="pre",
                            sample={"responses": 30}, reliability=pd.DataFrame(), items=pd.DataFrame(),
                            kmo={"msa": 0.19, "n_obs": 30}, efa={"method": "minres", "converged": False,
                                                                   "heywood_items": []})
    d = s.to_dict()["sections"][0]
    levels = {r["topic"]: r["level"] for r in d["readings"]}
    assert levels["factorability"] == "not_valid" and levels["efa"] == "not_valid"


def test_gates_on_convergence_heywood_and_kmo():
    base = {"sample": {"responses": 300}, "kmo": {"msa": 0.85}, "parallel_analysis": {"n_factors": 2},
            "efa": {"method": "minres", "converged": True, "heywood_items": []},
            "reliability": [{"title": t} for t in "abcdef"]}
    ok = {r.topic: r for r in psych_readings(base)}
    assert ok["efa"].level == "ok" and ok["factorability"].level == "ok"
    bad = {**base, "efa": {"method": "minres", "converged": False, "heywood_items": ["mca03"]}}
    r = {x.topic: x for x in psych_readings(bad)}["efa"]
    assert r.level == "not_valid" and "did not converge" in r.text and "mca03" in r.text
    low = {**base, "kmo": {"msa": 0.19}}
    r = {x.topic: x for x in psych_readings(low)}
    assert r["factorability"].level == "not_valid" and "unacceptable" in r["factorability"].text
    assert r["efa"].level == "not_valid"
    small = {**base, "sample": {"responses": 80}, "kmo": {"msa": 0.75}}
    assert {x.topic: x for x in psych_readings(small)}["factorability"].level == "caution"
    cfa = {**base, "cfa": {"converged": False}}
    assert {x.topic: x for x in psych_readings(cfa)}["cfa"].level == "not_valid"
