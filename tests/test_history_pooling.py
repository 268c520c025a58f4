"""Pooling over fixed blocks (issue 22): coverage on a small-n program, exhaustive differencing audit."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from tests._history_helpers import CYCLES, program, record


@pytest.fixture(scope="module")
def pooled_store(tmp_path_factory):
    from mentorassess.history.store import open_store

    s = open_store(tmp_path_factory.mktemp("h") / "history.sqlite")
    prog = program(n_mentors=40)
    results = [record(s, c, *prog[c]) for c in CYCLES]
    yield s, prog, results
    s.close()


def _released_sets(store):
    from sqlalchemy import select

    from mentorassess.history import schema as S

    with store.read() as conn:
        rows = conn.execute(select(S.ledger.c.id, S.ledger.c.unit, S.ledger.c.window, S.ledger.c.wave,
                                   S.ledger.c.statistic, S.contributors.c.rater_hash, S.contributors.c.cycle,
                                   S.contributors.c.wave)
                            .join(S.contributors, S.contributors.c.set_id == S.ledger.c.set_id)
                            .where(S.ledger.c.status == "released")).all()
    by: dict = {}
    for lid, unit, window, wave, stat, h, c, w in rows:
        by.setdefault((lid, unit, window, wave, stat), set()).add((h, c, w))
    return by


def test_pooling_raises_the_share_of_mentors_with_results(pooled_store):
    from mentorassess.history.coverage import coverage

    s, _, results = pooled_store
    cov = coverage(s)
    assert [c["cycle"] for c in cov] == list(CYCLES)
    for c in cov:
        assert c["mentors"] == 40
        # the simulated design (mostly one or two mentees a mentor): few single-cycle results
        assert c["share"] <= 0.25, "most mentors have one or two mentees: few single-cycle results"
        assert c["share_pooling"] >= c["share"] + 0.25
    pooled = results[-1].pooled
    assert results[-1].block == CYCLES and all(p["cycles"] == list(CYCLES) for p in pooled)
    assert {p["status"] for p in pooled} == {"released", "not_shown"}
    print("coverage", cov)


def test_no_block_before_it_closes(pooled_store):
    _, _, results = pooled_store
    assert results[0].pooled == [] and results[1].pooled == []


def test_no_rater_recoverable_by_differencing_any_two_releases(pooled_store):
    """Exhaustive: every mentor, every pair of released figures (any window, wave, statistic)."""
    s, _, _ = pooled_store
    by = _released_sets(s)
    per_unit: dict = {}
    for (lid, unit, window, wave, stat), members in by.items():
        per_unit.setdefault(unit, []).append((window, wave, stat, frozenset(members)))
    pairs = 0
    for unit, entries in per_unit.items():
        for (w1, v1, s1, a), (w2, v2, s2, b) in itertools.combinations(entries, 2):
            if w1 == w2:
                continue  # inside one release: the release layer's rules (R5, R7) apply
            pairs += 1
            # The difference of two sums isolates |a - b| and |b - a| contributions: never 1..k-1.
            assert a == b or (len(a - b) not in (1, 2) and len(b - a) not in (1, 2)) or a.isdisjoint(b), \
                (unit, w1, w2, s1, s2)
            assert a == b or (len(a - b) >= 3 and len(b - a) >= 3), (unit, w1, w2)
    assert pairs > 0


def test_a_mentor_released_in_one_cycle_gets_no_pooled_figure(pooled_store):
    """Rolling/cumulative windows: a block containing a released cycle differs from it by the new raters."""
    from mentorassess.history.ledger import ledger_frame

    s, _, results = pooled_store
    with s.read() as conn:
        led = ledger_frame(conn)
    o = led[led["statistic"] == "competency:overall:mean"]
    single = set(o.loc[~o["window"].str.contains("..", regex=False) & (o["status"] == "released"), "unit"])
    pooled = {p["mentor_id"]: p for p in results[-1].pooled}
    both = single & set(pooled)
    assert both, "the simulation has a mentor released in one cycle and withheld in another"
    assert all(pooled[m]["status"] == "not_shown" for m in both)
    assert all("competencies" not in pooled[m] for m in both)


def test_pooled_values_are_the_means_of_the_block_responses(pooled_store):
    from mentorassess.instruments import load_instrument
    from mentorassess.scoring import score

    s, prog, results = pooled_store
    ok = [p for p in results[-1].pooled if p["status"] == "released"]
    allr = pd.concat([prog[c][0] for c in CYCLES], ignore_index=True)
    sc = score(allr, load_instrument("mca-26")).scores
    for p in ok[:5]:
        m = sc[(sc["mentor_id"] == p["mentor_id"]) & (sc["rater_role"] == "mentee") & sc["overall"].notna()]
        assert p["competencies"]
        for comp, value in p["competencies"].items():
            assert value == pytest.approx(m[comp].mean(), abs=1e-12), (p["mentor_id"], comp)


def test_trajectory_uses_released_figures_and_compares_with_the_previous_window(tmp_path):
    """Two cycles of mentors with up to 4 mentees: change = difference of the released means."""
    from mentorassess.history.queries import mentor_history
    from mentorassess.history.store import open_store
    from tests._history_helpers import cycle_data

    s = open_store(tmp_path / "h.sqlite")
    data = {c: cycle_data(c, seed=3 + i, n_mentors=12, weights=(0, 0, 0, 0, 1.0)) for i, c in
            enumerate(("2024", "2025"))}
    for c, (r, roster) in data.items():
        record(s, c, r, roster, block=0)
    from mentorassess.instruments import load_instrument
    from mentorassess.scoring import score

    both = []
    for m in sorted(set(data["2024"][0]["mentor_id"])):
        t = mentor_history(s, m)
        o = t[t["competency"] == "overall"]
        if set(o["window"]) == {"2024", "2025"}:
            both.append((m, t))
    s.close()
    assert both, "some mentor is released in both cycles"
    mentor, t = both[0]
    assert set(t["window"]) == {"2024", "2025"} and list(t["cycles"].iloc[0]) in (["2024"], ["2025"])
    row = t[(t["competency"] == "overall") & (t["window"] == "2025")].iloc[0]
    means = {}
    for c, (r, _) in data.items():
        sc = score(r, load_instrument("mca-26")).scores
        means[c] = sc[(sc["mentor_id"] == mentor) & (sc["rater_role"] == "mentee")]["overall"].mean()
    assert row["previous"] == "2024"
    assert row["change"] == pytest.approx(means["2025"] - means["2024"], abs=1e-12)
    assert row["change_low"] < row["change"] < row["change_high"]
    first = t[(t["competency"] == "overall") & (t["window"] == "2024")].iloc[0]
    assert first["previous"] is None and pd.isna(first["change"])
