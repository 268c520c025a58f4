"""Trajectories and pooled results in the reports (issue 22): a three-cycle program through the pipeline.

Every figure a report shows across cycles must be a released ledger entry: numbers in the rendered
text are compared with the ledger, a withheld cycle reads "not shown", a pooled report names the
cycles its figures cover, and the program summary's cells are in the ledger.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re

import pytest

from tests._history_helpers import CYCLES, cycle_data, fresh_pg_database, stop_local_pg

#: Mentees per mentor per cycle (0..4): a mix of released, withheld and pooled mentors.
MIX = (0.0, 0.3, 0.25, 0.15, 0.3)


@pytest.fixture(scope="module", autouse=True)
def _pg_cleanup():
    yield
    stop_local_pg()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh store on each backend (PostgreSQL: MENTORASSESS_TEST_PG_URL or a local cluster)."""
    from mentorassess.history.store import open_store

    if request.param == "sqlite":
        s = open_store(tmp_path / "h.sqlite")
        yield s
        s.close()
    else:
        url, drop = fresh_pg_database()
        s = open_store(url, secret=tmp_path / "p.secret")
        yield s
        s.close()
        drop()


def _text(path) -> str:
    t = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return html.unescape(re.sub(r"\s+", " ", t))


@pytest.fixture(scope="module")
def three_cycles(tmp_path_factory):
    """Three cycles of a 24-mentor program through ``run_program`` (feedback reports in the last)."""
    from mentorassess.pipeline import run_program

    base = tmp_path_factory.mktemp("three")
    results = {}
    for i, c in enumerate(CYCLES):
        r, roster = cycle_data(c, seed=200 + i, n_mentors=24, weights=MIX)
        d = base / c
        d.mkdir()
        r.to_csv(d / "responses.csv", index=False)
        roster.to_csv(d / "roster.csv", index=False)
        outs = "[feedback, program]" if c == CYCLES[-1] else "[program]"
        (d / "program.yaml").write_text(
            f"program: P\ninstrument: mca-26\nroster: roster.csv\nreport_date: {c}-06-30\nwaves: [{{id: cycle}}]\n"
            f"exports: [{{path: responses.csv, format: canonical}}]\noutputs: {outs}\n"
            f"history: {{store: ../history.sqlite, pool: {{block: 3}}}}\ncycle: '{c}'\n")
        results[c] = run_program(d / "program.yaml", out=d / "out", jobs=1)
    from mentorassess.history.ledger import ledger_frame
    from mentorassess.history.store import open_store

    s = open_store(base / "history.sqlite")
    with s.read() as conn:
        led = ledger_frame(conn)
    s.close()
    return base, results, led


def _report(base, mentor: str):
    hits = list((base / CYCLES[-1] / "out" / "feedback").glob(f"{mentor.lower()}_*.html"))
    assert len(hits) == 1, mentor
    return _text(hits[0])


def _released(led, mentor, comp):
    sel = led[(led["unit"] == mentor) & (led["statistic"] == f"competency:{comp}:mean")]
    return {w: (st, v) for w, st, v in zip(sel["window"], sel["status"], sel["value"])}


def _section(text: str) -> str:
    i = text.index("Your mentees' average in each cycle, with its plausible range")
    return text[i:text.index("Only results released in their own cycle", i)]


def test_a_mentor_released_in_three_cycles_sees_each_with_its_interval(three_cycles):
    from mentorassess.reports.wording import fmt

    base, _, led = three_cycles
    found = None
    for m in sorted(set(led["unit"]) - {"*program*"}):
        for comp in ("communication", "understanding", "expectations", "independence", "diversity",
                     "professional_development"):
            rel = _released(led, m, comp)
            if all(rel.get(c, ("", None))[0] == "released" for c in CYCLES):
                found = (m, comp, rel)
                break
        if found:
            break
    assert found, "the simulation has a competency released in all three cycles"
    m, comp, rel = found
    sec = _section(_report(base, m))
    assert "Competency 2024 2025 2026" in sec
    from mentorassess.instruments import load_instrument

    title = load_instrument("mca-26").competency(comp).title
    row = sec[sec.index(title):]
    cells = re.findall(r"(\d\.\d) \((\d\.\d) to (\d\.\d)\)", row)[:3]
    assert [c[0] for c in cells] == [fmt(rel[c][1]) for c in CYCLES]
    # the comparison names 2026 and the previous released cycle, in words that follow the numbers
    assert re.search(r"in 2025 to \d\.\d in 2026|in 2026 differ from those in 2025", sec), sec


def test_a_withheld_cycle_is_not_shown_as_a_number(three_cycles):
    base, _, led = three_cycles
    cases = 0
    for m in sorted(set(led["unit"]) - {"*program*"}):
        rel = _released(led, m, "overall")
        for comp in ("communication", "expectations", "understanding"):
            r = _released(led, m, comp)
            if r.get("2026", ("",))[0] != "released" or not any(r.get(c, ("",))[0] == "released"
                                                                 for c in CYCLES[:2]):
                continue
            withheld = [c for c in CYCLES[:2] if r.get(c, ("", None))[0] != "released"]
            if not withheld:
                continue
            from mentorassess.instruments import load_instrument

            title = load_instrument("mca-26").competency(comp).title
            sec = _section(_report(base, m))
            row = sec[sec.index(title) + len(title):]
            cells = re.findall(r"not shown|\d\.\d \(\d\.\d to \d\.\d\)", row)[:3]
            for c, cell in zip(CYCLES, cells):
                assert (cell == "not shown") == (c in withheld), (m, comp, c, cell)
            cases += 1
        del rel
    assert cases > 0, "the simulation has a competency withheld in an earlier cycle"


def test_a_pooled_report_states_its_cycles_and_shows_the_pooled_figures(three_cycles):
    from mentorassess.reports.wording import fmt

    base, results, _ = three_cycles
    doc = json.loads((base / CYCLES[-1] / "out" / "pooled-results.json").read_text())
    released = [p for p in doc["mentors"] if p["status"] == "released"]
    refused = [p for p in doc["mentors"] if p["status"] != "released"]
    assert released and refused
    for p in released[:4]:
        text = _report(base, p["mentor_id"])
        assert "Based on mentees' ratings from 2024-2026." in text
        assert "Your mentees' ratings from 2024-2026, combined over these cycles" in text  # at a glance
        sec = _section(text)
        assert "2024-2026 (combined)" in sec
        for comp, value in p["competencies"].items():
            if comp != "overall":
                assert fmt(value) in sec
    for p in refused[:6]:
        text = _report(base, p["mentor_id"])
        assert "Based on mentees' ratings" not in text and "(combined)" not in text
    assert results[CYCLES[-1]].summary["history"]["pooled_released"] == len(released)


def test_the_program_summary_shows_each_cycle_from_the_ledger(three_cycles):
    from tests._program_helpers import pdf_text

    base, _, led = three_cycles
    prog = led[led["unit"] == "*program*"]
    assert set(prog["window"]) == set(CYCLES)
    text = re.sub(r"\s+", " ", pdf_text((base / CYCLES[-1] / "out" / "program_summary.pdf").read_bytes()))
    i = text.index("Across cycles")
    sec = text[i:]
    means = prog[prog["statistic"] == "program:overall:mean"].set_index("window")["value"]
    n = prog[prog["statistic"] == "program:overall:mentors"].set_index("window")["value"]
    got = re.findall(r"Overall (\d\.\d) \([^)]*\), n=(\d+) (\d\.\d) \([^)]*\), n=(\d+) (\d\.\d) \([^)]*\), n=(\d+)",
                     sec)
    assert got, sec[:600]
    vals = got[0]
    assert [vals[0], vals[2], vals[4]] == [f"{means[c]:.1f}" for c in CYCLES]
    assert [int(vals[1]), int(vals[3]), int(vals[5])] == [int(n[c]) for c in CYCLES]
    assert "Overall: the program mean" in sec and "from 2025 to 2026" in sec


def test_program_cells_carry_their_mentors_and_a_changed_rerun_is_refused(store):
    """Program cells in the ledger: contribution set = the mentors behind the cell; differencing checked."""
    from sqlalchemy import select

    from mentorassess.errors import ConfidentialityError
    from mentorassess.history import schema as S
    from tests._history_helpers import record

    r, roster = cycle_data("2024", seed=7, n_mentors=16, weights=(0, 0, 0, 0.3, 0.7))
    s = store
    record(s, "2024", r, roster, program=True)
    with s.read() as conn:
        rows = conn.execute(select(S.ledger.c.statistic, S.ledger.c.value, S.ledger.c.set_id)
                            .where(S.ledger.c.unit == "*program*")).all()
        sizes = dict(conn.execute(select(S.contributors.c.set_id, S.contributors.c.set_id)).all())
        members = {sid: conn.execute(select(S.contributors.c.rater_hash).where(S.contributors.c.set_id == sid))
                   .scalars().all() for sid in sizes}
    stats = {st: (v, sid) for st, v, sid in rows}
    v, sid = stats["program:overall:mentors"]
    assert len(members[sid]) == int(v) >= 3
    assert set(members[sid]) <= {s.rater_hash(m) for m in set(r["mentor_id"])}
    # the same cycle again without one released mentor: the two program means would give that mentor's mean
    with s.read() as conn:
        out = conn.execute(select(S.ledger.c.unit).where(S.ledger.c.statistic == "competency:overall:mean",
                                                          S.ledger.c.status == "released")).scalars().all()
    with pytest.raises(ConfidentialityError) as e:
        record(s, "2024", r[r["mentor_id"] != sorted(out)[0]], roster, program=True)
    assert {p.message.split(",")[0] for p in e.value.problems} == {"program"}
    # the same inputs again are accepted (nothing new is released)
    record(s, "2024", r, roster, program=True)


def test_a_plan_made_before_another_run_was_recorded_is_refused(store):
    from mentorassess.errors import ConfidentialityError
    from tests._history_helpers import record

    data = {c: cycle_data(c, seed=11 + i, n_mentors=8) for i, c in enumerate(CYCLES[:2])}
    s = store
    plan = record(s, "2025", *data["2025"], plan_only=True)
    record(s, "2024", *data["2024"])  # another writer records a cycle meanwhile
    with pytest.raises(ConfidentialityError, match="history changed"):
        record(s, "2025", *data["2025"], plan=plan)
    record(s, "2025", *data["2025"])  # a fresh plan is fine


# --- the trajectory objects and the rules (no pipeline) -----------------------------------------------
def test_trajectories_are_built_from_released_entries_only():
    from mentorassess.history.ledger import Entry
    from mentorassess.history.trajectory import build_trajectories

    earlier = [Entry("M1", "2024", "c", "competency:overall:mean", 5.0, "released", None),
               Entry("M1", "2024", "c", "competency:overall:se", 0.3, "released", None),
               Entry("M1", "2025", "c", "competency:overall:mean", 4.0, "withheld", None),
               Entry("M1", "2027", "c", "competency:overall:mean", 6.0, "released", None)]
    current = [Entry("M1", "2026", "c", "competency:overall:mean", 5.5, "released", None)]
    t = build_trajectories("2026", ["2024", "2025", "2026", "2027"], earlier, current)
    pts = t.for_mentor("M1", "c")
    assert [(p.window, p.mean, p.current) for p in pts] == [("2024", 5.0, False), ("2026", 5.5, True)]
    assert t.order == ("2024", "2025", "2026")  # a later cycle (re-running an old one) is never shown


def test_this_cycles_range_is_the_one_the_reports_own_table_prints():
    """The across-cycles table takes this cycle's range from the report's numbers table (t-based), so one
    report never prints two ranges for one average; earlier cycles use their recorded SE."""
    from mentorassess.history.trajectory import TrajectoryPoint
    from mentorassess.instruments import load_instrument
    from mentorassess.reports._trajectory import trajectory_views

    ins = load_instrument("mca-26")
    pts = [TrajectoryPoint("2025", ("2025",), "communication", 5.0, 0.3),
           TrajectoryPoint("2026", ("2026",), "communication", 5.4, 0.7, current=True)]
    rows, _ = trajectory_views(pts, ["2025", "2026"], "2026", ins, shown=True,
                               current={"communication": (4.0, 6.8)})
    (row,) = [r for r in rows if r.id == "communication"]
    before, now = row.values
    assert (now.low, now.high) == (4.0, 6.8)
    assert before.low == pytest.approx(5.0 - 1.96 * 0.3, abs=1e-3) and before.high == pytest.approx(5.0 + 1.96 * 0.3, abs=1e-3)


def _with_trajectory(values, *, shown=True, pooled=None):
    from mentorassess.reports._view import CycleValue, TrajectoryView
    from tests._feedback_helpers import make_data

    d = make_data(n=5 if shown else 1)
    vals = tuple(CycleValue(window=w, first=i if w != "2024-2026" else 0, last=i if w != "2024-2026" else 2,
                            mean=m, se=se, low=None if m is None else m - 1.96 * se,
                            high=None if m is None else m + 1.96 * se, pooled=w == "2024-2026",
                            current=w in ("2026", "2024-2026"))
                 for i, (w, m, se) in enumerate(values))
    return dataclasses.replace(d, cycle="2026", pooled_cycles=pooled,
                               trajectory=(TrajectoryView("overall", "Overall", vals),))


def test_rule_10_the_words_follow_the_numbers():
    from mentorassess.reports._claims import trend
    from mentorassess.reports.feedback import checked_document
    from mentorassess.reports.rules import Claim, check_report

    clear = _with_trajectory([("2024", 4.0, 0.2), ("2025", None, None), ("2026", 5.5, 0.2)])
    (cl,) = trend(clear)
    assert cl.kind == "trend_change" and "rose from 4.0 in 2024 to 5.5 in 2026" in cl.text and "+1.5" in cl.text
    same = _with_trajectory([("2024", 5.2, 0.3), ("2025", 5.0, 0.3), ("2026", 5.4, 0.3)])
    (cs,) = trend(same)
    assert cs.kind == "trend_same" and "from 5.0 in 2025 to 5.4 in 2026" in cs.text
    doc = checked_document(same)  # the whole report passes the checker and renders the sentence
    assert cs.text in [p.text for p in doc._paras()]
    # a sentence claiming a clear change where there is none, or naming the wrong window, is refused
    wrong = Claim("trend_change", cs.text.replace("a change within the uncertainty", "more than the uncertainty"),
                  (), cs.numbers, cs.detail)
    assert any("less than the uncertainty" in b for b in check_report(same, [wrong]))
    skip = Claim(cs.kind, cs.text.replace("2025", "2024"), (), cs.numbers,
                 (("ids", ("overall",)), ("from", ("2024",)), ("to", ("2026",))))
    assert any("compares" in b for b in check_report(same, [skip]))
    assert any("no sentence compares overall" in b for b in check_report(same, []))


def test_a_withheld_cycle_value_in_the_trajectory_is_refused():
    from mentorassess.errors import ConfidentialityError

    d = _with_trajectory([("2025", 5.0, 0.3), ("2026", 5.4, 0.3)], shown=False)
    with pytest.raises(ConfidentialityError, match="withheld cycle"):
        d.check()
    p = _with_trajectory([("2025", None, None), ("2024-2026", 5.4, 0.3)], shown=False)
    with pytest.raises(ConfidentialityError, match="which cycles"):
        p.check()
    ok = dataclasses.replace(p, pooled_cycles="2024-2026").check()
    from mentorassess.reports.feedback import checked_document

    text = " ".join(checked_document(ok).sentences() + [x.text for x in checked_document(ok)._paras()])
    assert "Based on mentees' ratings from 2024-2026." in text


def test_program_change_words_follow_the_interval():
    from mentorassess.history.trajectory import ProgramPoint, Trajectories
    from mentorassess.instruments import load_instrument
    from mentorassess.reports._program_history import program_trajectory_blocks

    ins = load_instrument("mca-26")
    pts = []
    for c, m in (("2025", 4.0), ("2026", 5.0)):
        pts += [ProgramPoint(c, "w", comp, m, m - 0.2, m + 0.2, 12) for comp in ["overall"] + [x.id for x in
                                                                                         ins.competencies]]
    t = Trajectories(cycle="2026", order=("2025", "2026"), program=tuple(pts))
    blocks = program_trajectory_blocks(t, ins, "w")
    text = " ".join(b.text for b in blocks)
    assert "Overall: the program mean rose from 4.0 in 2025 to 5.0 in 2026 (+1.0, 95% interval 0.7 to 1.3)" in text
    flat = Trajectories(cycle="2026", order=("2025", "2026"),
                        program=tuple(dataclasses.replace(p, mean=4.0 + (p.cycle == "2026") * 0.1,
                                                          ci_low=3.0, ci_high=5.2) for p in pts))
    text = " ".join(b.text for b in program_trajectory_blocks(flat, ins, "w"))
    assert "there is no clear change" in text and "rose" not in text
    assert program_trajectory_blocks(Trajectories(cycle="2026", order=("2026",), program=tuple(pts[:7])), ins,
                                     "w") == []


def test_rerunning_the_closing_cycle_gives_the_same_reports(three_cycles):
    """The plan excludes the cycle's own earlier entries: a re-run reproduces trajectories and pooled text."""
    from mentorassess.pipeline import run_program

    base, results, _ = three_cycles
    d = base / CYCLES[-1]
    again = run_program(d / "program.yaml", out=d / "out-again", jobs=1)
    assert again.summary["history"]["pooled_released"] == results[CYCLES[-1]].summary["history"]["pooled_released"]
    first = {p.name: p.read_bytes() for p in (d / "out" / "feedback").glob("*.html")}
    second = {p.name: p.read_bytes() for p in (d / "out-again" / "feedback").glob("*.html")}
    assert first == second and any(b"Based on mentees" in v for v in first.values())
    assert (d / "out" / "program_summary.pdf").read_bytes() == (d / "out-again" / "program_summary.pdf").read_bytes()
