"""Property tests: label normalisation and the audit invariant on random exports."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorassess.instruments import load_instrument
from mentorassess.io import read_export
from mentorassess.io.values import ValueRules, convert_column

MCA = load_instrument("mca-26")
ITEMS = list(MCA.item_ids)
RULES = ValueRules.build(MCA)
SPACE = st.sampled_from(["", " ", "  ", "\u00a0", "\t"])


@given(code=st.sampled_from([1, 4, 7]), pre=SPACE, post=SPACE, upper=st.booleans(), style=st.integers(0, 2))
def test_anchor_labels_map_to_their_code(code, pre, post, upper, style):
    label = MCA.scale.labels[code]
    text = [label, f"{code} - {label}", f"{code} = {label}"][style]
    text = pre + (text.upper() if upper else text) + post
    cv = convert_column(pd.Series([text]), RULES)
    assert cv.codes[0] == code


row = st.fixed_dictionaries({
    "mentor": st.sampled_from(["M001", "M002", "m001", "", "M999", "Jordan Smith"]),
    "rater": st.sampled_from(["E1", "E2", "E3", ""]),
    "wave": st.sampled_from(["pre", "post"]),
    "finished": st.sampled_from(["1", "0"]),
    "answered": st.integers(0, 26),
    "value": st.sampled_from(["1", "4", "7", "N/A", "Don't know"]),
    "day": st.integers(1, 9),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=25))
def test_audit_balances_on_random_exports(rows, tmp_path_factory):
    d = tmp_path_factory.mktemp("p")
    roster = d / "roster.csv"
    roster.write_text("mentor_id,name\nM001,Jordan Smith\nM002,Ana Lima\n", encoding="utf-8")
    records = []
    for i, r in enumerate(rows):
        items = [r["value"] if k < r["answered"] else "" for k in range(26)]
        records.append([f"r{i}", r["mentor"], "mentee", r["wave"], r["rater"], f"2025-01-0{r['day']}T10:00:00",
                        r["finished"], *items])
    cols = ["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at", "Finished", *ITEMS]
    path = d / "x.csv"
    pd.DataFrame(records, columns=cols).to_csv(path, index=False)
    if all(r["mentor"] == "" for r in rows):  # issue 16: an entirely empty mentor column is refused
        import pytest

        from mentorassess.errors import DataError

        with pytest.raises(DataError, match="is empty in all"):
            read_export(path, "mca-26", roster=roster)
        return
    res = read_export(path, "mca-26", roster=roster)
    rep = res.report
    assert rep.rows_read == len(rows) == rep.rows_kept + sum(rep.rows_excluded.values())
    assert len(res.responses) == rep.rows_kept
    kept = res.responses.dropna(subset=["rater_id"])
    assert not kept.duplicated(["rater_id", "mentor_id", "rater_role", "wave"]).any()
    assert set(res.responses["mentor_id"]) <= {"M001", "M002"}
