"""The vectorised release tests give the same decisions as the one-cell functions."""

import numpy as np
import pytest

from mentorassess.release.feasible import mean_safe_rows, score_mean_safe


@pytest.mark.parametrize("n", [1, 2, 3, 5, 9, 12])
@pytest.mark.parametrize("grid,ell,decimals,iw", [(1, 3, 1, None), (4, 3, 1, 1.0), (26, 4, 2, 1.0), (1, 2, 0, None)])
def test_mean_safe_rows_equals_score_mean_safe(n, grid, ell, decimals, iw):
    rng = np.random.default_rng(n * 100 + grid)
    # values on the score grid (means of `grid` items), including ceiling and floor rows
    v = rng.integers(grid, 7 * grid + 1, size=(300, n)) / grid
    v[0], v[1] = 7.0, 1.0
    got = mean_safe_rows(v, lo=1.0, hi=7.0, ell=ell, decimals=decimals, grid=grid, insider_width=iw)
    want = [score_mean_safe(r, lo=1.0, hi=7.0, ell=ell, decimals=decimals, grid=grid, insider_width=iw) for r in v]
    assert got.tolist() == want
    if decimals and n > 2:  # both outcomes occur, so the comparison means something
        assert 0 < sum(want) < len(want)
