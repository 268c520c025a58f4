"""The exclusion rules group rows by the import's own label codes (issue 24, round 11): the same
exclusions as grouping by the cells.

``read_export`` hands ``decide`` and ``_check_kept`` the codes of its per-distinct lookups of
mentors, roles and waves (``groups``); without them both hash the cells again. On exports with
repeated raters under several spellings of a wave and a role, mentors written with spaces, case
and leading zeros against a roster, unmatched mentors and missing waves, every option of
``duplicates`` must give the same responses and the same report either way.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest

from mentorassess.io import api, read_export, rows
from tests.test_import_units import ITEMS


def _export(tmp_path, seed: int):
    rng = random.Random(seed)
    roster = tmp_path / "roster.csv"
    roster.write_text("mentor_id,name\n0001,Jordan Smith\n0002,Ana Lee\nM3,Kofi Mensah\n", encoding="utf-8")
    waves = ["pre", "Pre", " PRE", "post", "Post ", "post"]
    roles = ["mentee", "Mentee", "MENTEE "]
    mentors = ["0001", "1", " 0001", "0002", "2", "M3", "m3", "M9"]
    out = []
    for i in range(300):
        day = rng.randint(1, 9)
        out.append([f"R{i}", rng.choice(mentors), rng.choice(roles), rng.choice(waves), f"E{rng.randint(1, 25)}",
                    f"2025-01-0{day}T10:00:00"] + [str(rng.randint(1, 7)) for _ in ITEMS])
    path = tmp_path / f"export{seed}.csv"
    pd.DataFrame(out, columns=["response_id", "mentor", "rater_role", "wave", "rater_id", "submitted_at",
                               *ITEMS]).to_csv(path, index=False)
    return path, roster


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("duplicates", ["keep_latest", "keep_first"])
def test_grouping_by_codes_equals_grouping_by_cells(tmp_path, monkeypatch, seed, duplicates):
    path, roster = _export(tmp_path, seed)
    with_codes = read_export(path, "mca-26", roster=roster, options={"duplicates": duplicates})
    seen = []
    decide, check = rows.decide, api._check_kept

    def by_cells(*a, groups=None, **k):
        seen.append(sorted(groups or {}))
        return decide(*a, **k)

    monkeypatch.setattr(api, "decide", by_cells)
    monkeypatch.setattr(api, "_check_kept", lambda resp, kept, table, groups: check(resp, kept, table, {}))
    with_cells = read_export(path, "mca-26", roster=roster, options={"duplicates": duplicates})
    assert seen == [["mentor_id", "rater_role", "wave"]]  # the codes were there to be used
    pd.testing.assert_frame_equal(with_codes.responses, with_cells.responses)
    assert with_codes.report.excluded == with_cells.report.excluded
    assert dict(with_codes.report.rows_excluded) == dict(with_cells.report.rows_excluded)
    assert with_codes.report.rows_excluded["duplicate"] > 10
    assert with_codes.report.rows_excluded["unmatched_mentor"] > 10
