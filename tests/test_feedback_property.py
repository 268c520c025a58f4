"""Property: a below-threshold report's data with any mentee value in it is refused before rendering."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorassess.errors import ConfidentialityError
from mentorassess.reports import wording as W
from tests._feedback_helpers import make_data

BASE = make_data(n=2)
FIELDS = ("mean", "n", "low", "high", "gap", "gap_class")


@settings(max_examples=60, deadline=None)
@given(index=st.integers(0, len(BASE.competencies) - 1), name=st.sampled_from(FIELDS),
       value=st.one_of(st.floats(1, 7), st.integers(0, 2), st.just("blind_spot")))
def test_any_leaked_mentee_field_is_refused(index, name, value):
    comps = list(BASE.competencies)
    comps[index] = dataclasses.replace(comps[index], **{name: value})
    with pytest.raises(ConfidentialityError):
        dataclasses.replace(BASE, competencies=tuple(comps)).check()


def test_clean_suppressed_data_passes():
    assert BASE.check() is BASE


@given(m=st.integers(3, 9), self_done=st.booleans())
def test_suppressed_participation_line_holds_only_the_threshold(m, self_done):
    import re

    text = W.participation(self_done, False, None, m)
    assert re.findall(r"\d+", text) == [str(m)]


@given(x=st.floats(-10, 10, allow_nan=False))
def test_fmt_one_decimal_no_negative_zero(x):
    s = W.fmt(x)
    assert s != "-0.0" and len(s.split(".")[1]) == 1
