"""When an EFA extraction counts as converged: L-BFGS-B's success, or its line-search stop at a
stationary point (the stop depends on the machine's rounding); not a stop far from one."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import OptimizeResult

from mentorassess.stats.efa import _converged, fit_efa

ABNORMAL = "ABNORMAL: "


def _res(x, jac, message=ABNORMAL, success=False):
    return OptimizeResult(x=np.asarray(x, float), jac=np.asarray(jac, float), message=message, success=success)


def test_success_is_converged():
    assert _converged(_res([0.3, 0.4], [1.0, 1.0], "CONVERGENCE", True), 0.005, 1.0)


def test_a_line_search_stop_at_a_stationary_point_is_converged():
    assert _converged(_res([0.3, 0.4], [4.5e-10, -2e-9]), 0.005, 1.0)
    # a uniqueness at its lower bound with the gradient pushing outward is at its constrained optimum
    assert _converged(_res([0.005, 0.4], [0.3, 1e-9]), 0.005, 1.0)


def test_a_stop_far_from_a_stationary_point_is_not():
    assert not _converged(_res([0.3, 0.4], [1e-3, 0.0]), 0.005, 1.0)
    assert not _converged(_res([0.005, 0.4], [-0.3, 0.0]), 0.005, 1.0)   # it could still move inward
    assert not _converged(_res([0.3, 0.4], [0.0, 0.0], "STOP: TOTAL NO. of ITERATIONS REACHED LIMIT"), 0.005, 1.0)
    assert not _converged(_res([0.3, 0.4], [np.nan, 0.0]), 0.005, 1.0)


def test_the_documented_example_fits_without_a_convergence_warning():
    """The module's example (psych::fa(x, 2)): on an AMD EPYC machine L-BFGS-B stops there with
    ABNORMAL at a projected gradient of 4.5e-10 and was reported as not converged."""
    rng = np.random.default_rng(1)
    f = rng.normal(size=(300, 2))
    x = pd.DataFrame(np.c_[f[:, [0]] * [.8, .7, .6], f[:, [1]] * [.8, .7, .6]] + rng.normal(scale=.6, size=(300, 6)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit_efa(x, 2)
    assert res.loadings.shape == (6, 2)
