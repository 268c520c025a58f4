"""Precision statistics against R (tests/reference/precision/make_reference.R: lme4, lmerTest, multilevel).

Data: the worked examples of the reference notes, simulated unbalanced nested data, public data
(multilevel::lq2002, lme4::sleepstudy) and the package's sample read and scored through the
package's API (tests/reference/precision/make_inputs.py wrote the CSVs R read).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mentorassess.errors import ConfigError, DataError, InsufficientDataError
from mentorassess.stats.precision.dstudy import d_study, mentor_reliability, raters_needed
from mentorassess.stats.precision.gstudy import g_study
from mentorassess.stats.precision.prepost import prepost_change
from mentorassess.stats.precision.rci import reliable_change
from mentorassess.stats.precision.shrinkage import shrunken_scores
from tests._precision_ref import REF, R_NAMES, TOL, csv, lq2002_long, ref

G_DOC = "655 544 665 555 555 565 444 554 455 555 655 644"


def _g_doc() -> pd.DataFrame:
    return pd.DataFrame({"mentor": np.repeat(np.arange(4), 9), "rater": np.repeat(np.arange(12), 3),
                         "item": np.tile(np.arange(3), 12), "score": [int(c) for c in G_DOC.replace(" ", "")]})


def _check_components(g, r):
    comp = g.components.set_index("component")
    for ours, theirs in R_NAMES.items():
        assert comp.loc[ours, "reml"] == pytest.approx(r[theirs], abs=TOL), ours
    assert g.mean == pytest.approx(r["mean"], abs=TOL)
    assert g.reml_criterion == pytest.approx(r["reml"], abs=1e-6)


def test_g_balanced_anova_equals_lme4_and_reference_notes():
    g = g_study(_g_doc())
    r = ref()["g_balanced"]
    assert g.method == "ANOVA" and g.balanced
    _check_components(g, r)
    ms = g.anova_table.set_index("source")["ms"]
    # R's anova order: mentor, item, mentor:rater, mentor:item, residuals
    for src, v in zip(["mentor", "item", "rater:mentor", "mentor:item", "residual"], r["ms"]):
        assert ms[src] == pytest.approx(v, abs=1e-10)
    comp = g.components.set_index("component")
    np.testing.assert_allclose(comp["anova"], comp["reml"], atol=1e-6)
    # hand values of the reference notes (section 5)
    assert g.g_coefficient(3, 3) == pytest.approx(0.136364, abs=1e-6)
    assert g.phi_coefficient(3, 3) == pytest.approx(0.125000, abs=1e-6)
    np.testing.assert_allclose(g.g_coefficient(np.arange(1, 9), 3), [.060000, .103448, .136364, .162162, .182927,
                                                                      .200000, .214286, .226415], atol=1e-6)


def test_d_study_mentees_needed_and_unreachable_targets():
    g = g_study(_g_doc())
    ds = d_study(g, items=(3, 26))
    need = ds.needed.set_index(["coefficient", "n_items", "target"])
    assert need.loc[("G", 26, 0.7), "raters_exact"] == pytest.approx(40.53, abs=0.01)
    assert need.loc[("G", 26, 0.8), "raters_exact"] == pytest.approx(166.0, abs=0.05)
    assert need.loc[("G", 26, 0.7), "raters"] == 41
    assert not need.loc[("G", 3, 0.7), "reachable"] and math.isnan(need.loc[("G", 3, 0.7), "raters"])
    assert need.loc[("G", 3, 0.7), "cap"] == pytest.approx(0.375, abs=1e-6)
    assert "cannot be reached" in ds.statement(0.7, 3)
    assert ds.statement(0.7, 26).startswith("41 mentees")
    # at the exact solution G equals the target
    assert g.g_coefficient(need.loc[("G", 26, 0.8), "raters_exact"], 26) == pytest.approx(0.8, abs=1e-12)
    exact, _ = raters_needed(g, 0.7, 26, "Phi")
    assert g.phi_coefficient(exact, 26) == pytest.approx(0.7, abs=1e-12)
    rel = mentor_reliability(g, pd.Series([1, 3], index=["a", "b"]), 3)
    assert rel["g"].tolist() == pytest.approx([0.06, 0.136364], abs=1e-6)
    with pytest.raises(ConfigError):
        raters_needed(g, 1.2, 26)


def test_g_unbalanced_reference_example():
    d = _g_doc()
    keep = ~d["rater"].isin([2, 8]) & ~((d["rater"] == 11) & (d["item"] == 2))
    g = g_study(d[keep])
    assert g.method == "REML" and not g.balanced and g.anova_table.empty
    _check_components(g, ref()["g_unbalanced"])
    assert g.variance("mentor") == pytest.approx(0.0364255, abs=1e-6)   # reference notes


def test_g_simulated_unbalanced_nested():
    g = g_study(csv("sim_nested.csv"))
    _check_components(g, ref()["g_sim"])
    assert g.n_mentors == 60 and g.raters_harmonic < g.n_raters / g.n_mentors   # harmonic < arithmetic


def test_g_public_lq2002_many_raters_per_mentor():
    g = g_study(lq2002_long())           # ~40 soldiers per company: the rater-first elimination path
    _check_components(g, ref()["g_lq2002"])


@pytest.mark.parametrize("scale", ["communication", "expectations", "understanding", "independence", "diversity",
                                   "professional_development", "overall"])
def test_sample_g_study_eb_and_change(scale):
    sl = csv("sample_long.csv")
    sc = csv("sample_scores.csv")
    r = ref()["sample"][scale]
    for w in ("pre", "post"):
        _check_components(g_study(sl[(sl["scale"] == scale) & (sl["wave"] == w)]), r[f"g_{w}"])
        x = sc[(sc["wave"] == w)]
        _check_eb(shrunken_scores(pd.DataFrame({"mentor": x["mentor_id"], "score": x[scale]})), r[f"eb_{w}"])
    d = pd.DataFrame({"mentor": sc["mentor_id"], "rater": sc["rater_id"], "wave": sc["wave"], "score": sc[scale]})
    _check_pp(prepost_change(d), r["pp"])
    _check_pp(prepost_change(d, rater="rater"), r["pp_rater"])
    _check_rci(reliable_change(d), r["rci"])


def test_sample_inputs_are_what_the_package_reads_and_scores():
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", REF / "make_inputs.py")
    mk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mk)
    lg, per = mk.sample_frames()
    stored = csv("sample_scores.csv")
    assert list(per["response_id"]) == list(stored["response_id"])
    np.testing.assert_allclose(per["overall"].to_numpy(float), stored["overall"].to_numpy(float), atol=1e-12)
    assert len(lg) == len(csv("sample_long.csv"))


def _check_eb(eb, r):
    t = eb.to_frame().set_index("mentor").loc[[str(m) for m in r["mentor"]]]
    np.testing.assert_allclose(t["blup"], r["blup"], atol=TOL)
    np.testing.assert_allclose(t["cond_sd"], r["cond_sd"], atol=TOL)
    assert eb.mu == pytest.approx(r["mu"], abs=TOL)
    assert eb.tau2 == pytest.approx(r["tau2"], abs=TOL) and eb.sigma2 == pytest.approx(r["sigma2"], abs=TOL)
    np.testing.assert_allclose(t["eb_score"], eb.mu + t["blup"], atol=1e-12)


def _check_pp(c, r):
    for k in ("estimate", "se", "df", "t", "p", "intercept"):
        assert getattr(c, k) == pytest.approx(r[k], abs=TOL), k
    assert c.tau2 == pytest.approx(r["mentor"], abs=TOL) and c.sigma2 == pytest.approx(r["Residual"], abs=TOL)
    if "mentor:rater" in r:
        assert c.rater_var == pytest.approx(r["mentor:rater"], abs=TOL)


def _check_rci(rc, r):
    t = rc.to_frame().set_index("mentor").loc[[str(m) for m in r["mentor"]]]
    np.testing.assert_allclose(t["rc"], r["rc"], atol=TOL)
    np.testing.assert_allclose(t["rc_model"], r["rc_model"], atol=TOL)
    assert rc.icc1 == pytest.approx(r["icc1"], abs=TOL) and rc.ms_within == pytest.approx(r["ms_within"], abs=TOL)
    assert rc.sd_pre_means == pytest.approx(r["sd_pre_means"], abs=TOL)


def test_eb_public_sleepstudy():
    ss = csv("sleepstudy.csv")
    _check_eb(shrunken_scores(pd.DataFrame({"mentor": ss["Subject"].astype(str), "score": ss["Reaction"]})),
              ref()["eb_sleep"])


def test_prepost_public_sleepstudy_day0_day9():
    ss = csv("sleepstudy.csv")
    s = ss[ss["Days"].isin([0, 9])]
    d = pd.DataFrame({"mentor": s["Subject"], "wave": np.where(s["Days"] == 0, "pre", "post"),
                      "score": s["Reaction"]})
    _check_pp(prepost_change(d), ref()["pp_sleep"])


def test_simulated_prepost_eb_and_rci():
    pp = csv("sim_prepost.csv")
    _check_eb(shrunken_scores(pp[pp["wave"] == "pre"]), ref()["eb_sim"])
    _check_pp(prepost_change(pp), ref()["pp_sim"])
    c = prepost_change(pp, rater="rater")
    _check_pp(c, ref()["pp_sim_rater"])
    assert c.n_linked_raters > 0 and "mentor:rater" in c.model
    assert c.d_total == pytest.approx(c.estimate / math.sqrt(c.tau2 + c.rater_var + c.sigma2))
    assert c.ci_low < c.estimate < c.ci_high
    _check_rci(reliable_change(pp), ref()["rci_sim"])


PREPOST = ("1:4.5/5.4 1:4.9/5.3 2:4.7/5.5 2:4.0/4.8 2:4.3/4.5 3:3.9/4.7 3:4.8/4.9 3:4.0/5.1 3:4.1/4.4 4:6.4/6.4 "
           "4:6.0/5.6 5:3.4/4.5 5:3.7/4.9 5:4.1/3.9 6:4.5/5.5 6:5.2/5.0 6:4.4/5.4 6:4.7/5.2")


def _prepost_doc() -> pd.DataFrame:
    rows = [(m, i, w, float(v)) for i, e in enumerate(PREPOST.split()) for m, pp in [e.split(":")]
            for w, v in zip(("pre", "post"), pp.split("/"))]
    return pd.DataFrame(rows, columns=["mentor", "rater", "wave", "score"])


def test_reference_notes_prepost_rci_and_eb():
    """The computed values of the reference notes, sections 6 and 7 (lmerTest 3.1-3, pbkrtest)."""
    d = _prepost_doc()
    c = prepost_change(d)
    assert (c.df, c.p, c.d_total, c.d_within) == pytest.approx((28.8949289, .000196984, .688589578, 1.42053955),
                                                                abs=1e-6)
    c2 = prepost_change(d, rater="rater")
    assert c2.df == pytest.approx(17.0, abs=1e-5) and c2.t == pytest.approx(4.32024455, abs=1e-6)
    rc = reliable_change(d).to_frame().set_index("mentor")
    assert rc.loc["5", "rc"] == pytest.approx(2.10524160, abs=1e-6)
    assert rc.loc["5", "rc_model"] == pytest.approx(2.39836901, abs=1e-6)
    assert rc.loc["5", "r_k"] == pytest.approx(.922150014, abs=1e-6) and bool(rc.loc["5", "reliable"])
    eb = shrunken_scores(d[d["wave"] == "pre"]).to_frame()
    np.testing.assert_allclose(eb["cond_sd"], [.241762, .200460, .174977, .241762, .200460, .174977], atol=1e-6)
    np.testing.assert_allclose(eb["weight"], [.909044, .937467, .952355, .909044, .937467, .952355], atol=1e-6)


def test_bad_input_raises_structured_errors():
    d = _g_doc()
    with pytest.raises(DataError) as e:
        g_study(d.drop(columns="item"))
    assert e.value.column == "item"
    with pytest.raises(DataError):
        g_study(pd.concat([d, d.iloc[:1]]))              # the same rater rated the same item twice
    with pytest.raises(InsufficientDataError):
        g_study(d[d["mentor"] == 0])
    with pytest.raises(InsufficientDataError):
        g_study(d[d["rater"].isin([0, 3, 6, 9])])          # one rater per mentor
    with pytest.raises(ConfigError):
        g_study(d[d["rater"] != 0], method="anova")       # unbalanced
    with pytest.raises(InsufficientDataError):
        prepost_change(_prepost_doc().query("wave == 'pre'"))
    with pytest.raises(DataError):
        shrunken_scores(d, score="nope")


def test_balanced_design_with_a_negative_anova_component():
    """ANOVA estimates are used on a balanced design; a negative one is shown as 0 (REML is bounded)."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        y = 4 + np.repeat(rng.normal(0, 0.5, 5), 12) + rng.normal(0, 1, 60)   # no mentor x item variance
        d = pd.DataFrame({"mentor": np.repeat(np.arange(5), 12), "rater": np.repeat(np.arange(20), 3),
                          "item": np.tile(np.arange(3), 20), "score": y})
        g = g_study(d)
        comp = g.components.set_index("component")
        if comp.loc["mentor:item", "anova"] < 0:
            break
    assert g.method == "ANOVA" and comp.loc["mentor:item", "anova"] < 0
    assert comp.loc["mentor:item", "variance"] == 0.0 and comp.loc["mentor:item", "reml"] >= 0
    assert comp.loc["residual", "variance"] == pytest.approx(comp.loc["residual", "anova"])
    assert comp["share"].sum() == pytest.approx(1.0)
    assert g_study(d, method="reml").method == "REML"
