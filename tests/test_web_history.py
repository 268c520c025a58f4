"""The web app's history pages: cycles, a mentor across cycles, the export and the forget action.

The program's store is filled through the history API (three simulated cycles with pooling, as in
test_history_store.py) and copied into each test's program folder, where ``history:`` in its
``program.yaml`` points.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from mentorassess.web import services
from mentorassess.web.app import create_app
from mentorassess.web.workspace import HISTORY_FILE
from tests._history_helpers import CYCLES, program, record
from tests.test_web import BASE, TOKEN, _csrf, _program


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory):
    """A store with three cycles (pooling over blocks of three): its file and secret."""
    from mentorassess.history.store import open_store

    folder = tmp_path_factory.mktemp("hist")
    store = open_store(folder / HISTORY_FILE)
    try:
        for cycle, (responses, roster) in program(n_mentors=20).items():
            record(store, cycle, responses, roster)
    finally:
        store.close()
    return folder / HISTORY_FILE


@pytest.fixture()
def client(tmp_path):
    app = create_app(tmp_path / "ws", token=TOKEN, max_upload=300_000)
    c = TestClient(app, base_url=BASE)
    r = c.get(f"/?token={TOKEN}")
    c.csrf = _csrf(r.text)
    c.app_ = app
    return c


def _with_history(c, filled_store) -> tuple[str, object]:
    pid = _program(c, cycle="2027")
    prog = c.app_.state.workspace.get(pid)
    shutil.copy(filled_store, prog.folder / HISTORY_FILE)
    shutil.copy(str(filled_store) + ".secret", str(prog.folder / HISTORY_FILE) + ".secret")
    return pid, prog


def _store(prog):
    from mentorassess.history.store import open_store

    return open_store(prog.folder / HISTORY_FILE)


def _ledger(prog):
    from mentorassess.history.ledger import ledger_frame

    s = _store(prog)
    try:
        with s.read() as conn:
            return ledger_frame(conn)
    finally:
        s.close()


def _mixed_mentor(prog) -> str:
    """A mentor with both released and withheld competency means in the ledger."""
    led = _ledger(prog)
    comp = led[led["statistic"].str.endswith(":mean") & led["statistic"].str.startswith("competency:")]
    both = comp.groupby("unit")["status"].agg(set)
    return str(sorted(u for u, s in both.items() if {"released", "withheld"} <= s)[0])


def test_the_history_cycle_becomes_history_and_cycle_in_program_yaml(client):
    pid = _program(client, cycle="2026")
    prog = client.app_.state.workspace.get(pid)
    text = prog.config.read_text()
    assert 'history: "history.sqlite"' in text and 'cycle: "2026"' in text
    spec = services.history_spec(prog.config)
    assert spec.cycle == "2026" and spec.store == str((prog.folder / HISTORY_FILE).resolve())
    r = client.post(f"/p/{pid}/settings", data={"csrf": client.csrf, "program": "Test program", "min_raters": "3",
                                                 "cycle": "../x"})
    assert r.status_code == 400 and "History cycle" in r.text
    plain = _program(client)
    assert "history:" not in client.app_.state.workspace.get(plain).config.read_text()


def test_the_history_page_without_history_or_runs_says_so_and_creates_nothing(client):
    pid = _program(client)
    r = client.get(f"/p/{pid}/history")
    assert r.status_code == 200 and "keeps no history" in r.text
    pid2 = _program(client, cycle="2026")
    r = client.get(f"/p/{pid2}/history")
    assert r.status_code == 200 and "No cycle is recorded yet" in r.text and "cycle <strong>2026" in r.text
    folder = client.app_.state.workspace.get(pid2).folder
    assert not (folder / HISTORY_FILE).exists() and not (folder / (HISTORY_FILE + ".secret")).exists()
    assert client.get(f"/p/{pid2}/history/export.json").status_code == 409


def test_the_history_page_lists_each_recorded_cycle_with_its_coverage(client, filled_store):
    from mentorassess.history.coverage import coverage
    from mentorassess.history.queries import list_runs

    pid, prog = _with_history(client, filled_store)
    r = client.get(f"/p/{pid}/history")
    assert r.status_code == 200
    s = _store(prog)
    try:
        runs, cov = list_runs(s), {c["cycle"]: c for c in coverage(s)}
    finally:
        s.close()
    rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>(.*?)</tr>', r.text, re.S)
    assert [c for c, _ in rows] == list(CYCLES)
    for (cycle, cells), run in zip(rows, runs):
        tds = [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        c = cov[cycle]
        assert tds[1] == str(run["responses"]) and tds[2] == str(run["figures_released"])
        assert tds[3] == f"{c['with_results']} of {c['mentors']}" and tds[4] == f"{c['with_pooling']} of {c['mentors']}"
    assert "2024..2026" in r.text  # the pooled block
    assert 'href="/p/%s/history/export.json"' % pid in r.text
    assert len(re.findall(r"/history/mentor\?id=", r.text)) == 20
    assert "records cycle <strong>2027</strong>." in r.text and "again" not in r.text
    r = client.post(f"/p/{pid}/settings", data={"csrf": client.csrf, "program": "Test program", "min_raters": "3",
                                                 "cycle": "2026"})
    assert r.status_code == 200 and 'cycle: "2026"' in prog.config.read_text()
    assert "records cycle <strong>2026</strong> again" in client.get(f"/p/{pid}/history").text


def test_the_mentor_page_shows_released_means_and_withheld_ones_only_as_hidden(client, filled_store):
    from mentorassess.history.queries import mentor_history

    pid, prog = _with_history(client, filled_store)
    mid = _mixed_mentor(prog)
    # plant a value on every withheld entry: the page must not show it even if the ledger held one
    s = _store(prog)
    try:
        from mentorassess.history import schema as S

        with s.write() as conn:
            conn.execute(S.ledger.update().where(S.ledger.c.status == "withheld").values(value=9.87654))
        released = mentor_history(s, mid)
    finally:
        s.close()
    r = client.get(f"/p/{pid}/history/mentor", params={"id": mid})
    assert r.status_code == 200 and f"Mentor {mid} across cycles" in r.text
    assert "9.87" not in r.text and "9.88" not in r.text
    from mentorassess.release.rules import HIDDEN

    assert services.HIDDEN_TEXT == HIDDEN and HIDDEN in r.text
    body = r.text.split("<tbody>", 1)[1]
    hidden_rows = [row for row in re.findall(r"<tr>(.*?)</tr>", body, re.S) if services.HIDDEN_TEXT in row]
    assert hidden_rows
    for row in hidden_rows:  # the competency and the window only; no mean, change or interval
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert len(cells) == 2 and not re.search(r"\d\.\d", row)
    for rec in released.to_dict("records"):
        assert f"{rec['mean']:.2f}" in r.text
    assert len(re.findall(r'class="num">\d\.\d\d<', r.text)) == len(released)
    missing = client.get(f"/p/{pid}/history/mentor", params={"id": "M-nobody"})
    assert missing.status_code == 200 and "No mentee result is recorded" in missing.text
    assert client.get(f"/p/{pid}/history/mentor").status_code == 400


def test_the_export_download_is_the_cli_export(client, filled_store, tmp_path):
    from typer.testing import CliRunner

    from mentorassess.cli import app as cli

    pid, prog = _with_history(client, filled_store)
    r = client.get(f"/p/{pid}/history/export.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert 'filename="test-program-history.json"' in r.headers["content-disposition"]
    doc = json.loads(r.content)
    out = tmp_path / "cli.json"
    res = CliRunner().invoke(cli, ["history", "export", "--store", str(prog.folder / HISTORY_FILE), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert doc == json.loads(out.read_text())
    assert {e["status"] for e in doc["ledger"]} == {"released"} and "responses" not in json.dumps(doc["ledger"])
    assert client.get(f"/p/{pid}/history/export.json").content == r.content  # deterministic


def test_forget_needs_csrf_and_a_confirmation_and_reports_counts_only(client, filled_store):
    from mentorassess.history import schema as S

    pid, prog = _with_history(client, filled_store)
    mid = _mixed_mentor(prog)
    before = prog.folder.joinpath(HISTORY_FILE).read_bytes()
    url = f"/p/{pid}/history/forget"
    assert client.get(url).status_code == 200
    for data in ({}, {"csrf": "forged"}, {"csrf": client.csrf[:-1] + "x"}):
        r = client.post(url, data={"kind": "mentor", "person": mid, "confirm": "yes", **data})
        assert r.status_code == 403
    assert prog.folder.joinpath(HISTORY_FILE).read_bytes() == before
    # first post: the confirmation page, nothing deleted
    r = client.post(url, data={"csrf": client.csrf, "kind": "mentor", "person": mid})
    assert r.status_code == 200 and "cannot be undone" in r.text and 'name="confirm" value="yes"' in r.text
    assert mid in set(_ledger(prog)["unit"])
    bad = client.post(url, data={"csrf": client.csrf, "kind": "someone", "person": ""})
    assert bad.status_code == 400 and "Choose whether" in bad.text and "Id: enter" in bad.text
    # confirmed: the mentor is gone from the ledger, the responses and the pages
    s = _store(prog)
    try:
        with s.read() as conn:
            n_resp = conn.execute(select(S.responses.c.response_id).where(
                (S.responses.c.mentor_id == mid) | (S.responses.c.rater_hash == s.rater_hash(mid)))).all()
    finally:
        s.close()
    n_ledger = int((_ledger(prog)["unit"] == mid).sum())
    r = client.post(url, data={"csrf": _csrf(r.text), "kind": "mentor", "person": mid, "confirm": "yes"})
    assert r.status_code == 200 and "Done." in r.text
    assert f"{n_ledger} ledger entries" in r.text and re.search(rf"Deleted {len(n_resp)}\b", r.text)
    assert mid not in r.text.split("<main", 1)[1]  # counts only: the id is not repeated
    assert mid not in set(_ledger(prog)["unit"])
    assert "No mentee result is recorded" in client.get(f"/p/{pid}/history/mentor", params={"id": mid}).text
    assert f"?id={mid}\"" not in client.get(f"/p/{pid}/history").text
    s = _store(prog)
    try:
        with s.read() as conn:
            assert conn.execute(select(S.responses.c.response_id).where(S.responses.c.mentor_id == mid)).all() == []
            audit = conn.execute(select(S.audit.c.action, S.audit.c.subject, S.audit.c.detail)).all()
    finally:
        s.close()
    assert audit[-1][:2] == ("forget", "mentor") and mid not in audit[-1][2]


def test_forget_a_rater_removes_their_responses(client, filled_store):
    from mentorassess.history import schema as S

    pid, prog = _with_history(client, filled_store)
    s = _store(prog)
    try:
        first = program(n_mentors=20)[CYCLES[0]][0]
        rater = str(first.loc[first["rater_role"] == "mentee", "rater_id"].iloc[0])
        h = s.rater_hash(rater)
        with s.read() as conn:
            n = len(conn.execute(select(S.responses.c.response_id).where(S.responses.c.rater_hash == h)).all())
    finally:
        s.close()
    assert n >= 1
    r = client.post(f"/p/{pid}/history/forget", data={"csrf": client.csrf, "kind": "rater", "person": rater,
                                                       "confirm": "yes"})
    assert r.status_code == 200 and re.search(rf"Deleted {n} response", r.text)
    s = _store(prog)
    try:
        with s.read() as conn:
            assert conn.execute(select(S.responses.c.response_id).where(S.responses.c.rater_hash == h)).all() == []
            assert conn.execute(select(S.contributors.c.set_id).where(S.contributors.c.rater_hash == h)).all() == []
    finally:
        s.close()


def test_forget_is_refused_while_a_run_of_the_program_is_going(client, filled_store, monkeypatch):
    pid, prog = _with_history(client, filled_store)
    monkeypatch.setattr(client.app_.state.runs, "running", lambda p: p == pid)
    r = client.post(f"/p/{pid}/history/forget", data={"csrf": client.csrf, "kind": "rater", "person": "x",
                                                       "confirm": "yes"})
    assert r.status_code == 409


def test_history_pages_render_with_language_heading_and_labels(client, filled_store):
    pid, prog = _with_history(client, filled_store)
    mid = _mixed_mentor(prog)
    pages = [f"/p/{pid}/history", f"/p/{pid}/history/mentor?id={mid}", f"/p/{pid}/history/forget"]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="en">' in r.text and r.text.count("<h1>") == 1, path
        assert 'aria-current="step"' in r.text and ">7. History</a>" in r.text
        for m in re.finditer(r'<(input|select)\b([^>]*)>', r.text):
            attrs = m.group(2)
            if 'type="hidden"' in attrs:
                continue
            ident = re.search(r'id="([^"]+)"', attrs)
            assert ident and f'for="{ident.group(1)}"' in r.text, (path, attrs)


# --- the store and pooling set from the program form ----------------------------------------------

def _settings(c, pid, **fields):
    return c.post(f"/p/{pid}/settings", data={"csrf": c.csrf, "program": "Test program", "min_raters": "3",
                                              "cycle": "2026", **fields})


def test_the_form_sets_pooling_and_fingerprint_only_and_shows_them_again(client):
    pid = _program(client, cycle="2026")
    prog = client.app_.state.workspace.get(pid)
    r = _settings(client, pid, pool_block="3", pool_cycles="2024, 2025 2026,2027", history_hash_only="on")
    assert r.status_code == 200, r.text
    spec = services.history_spec(prog.config)
    assert spec.pool.block == 3 and spec.pool.cycles == ("2024", "2025", "2026", "2027")
    assert spec.store_responses is False and spec.store == str((prog.folder / HISTORY_FILE).resolve())
    page = client.get(f"/p/{pid}").text
    assert 'id="pool_block" name="pool_block" inputmode="numeric" size="4" value="3"' in page
    assert 'value="2024, 2025, 2026, 2027"' in page and 'id="history_hash_only" name="history_hash_only" value="on" checked' in page
    # turning them off again leaves the plain form of history:
    assert _settings(client, pid).status_code == 200
    assert 'history: "history.sqlite"' in prog.config.read_text()
    spec = services.history_spec(prog.config)
    assert not spec.pool.enabled and spec.store_responses is True


@pytest.mark.parametrize("fields, message", [
    ({"history_store": "postgresql://staff:hunter2@db.example.org/mentoring", "history_secret": "/etc/p.secret"},
     "leave the password out of the address"),
    ({"history_store": "postgresql://staff@db.example.org/mentoring"}, "needs the full path of the program"),
    ({"history_store": "../../elsewhere.sqlite"}, "a file name in the program"),
    ({"history_store": "mysql://db/x"}, "a PostgreSQL address"),
    ({"history_secret": "relative.secret"}, "full path of the secret file"),
    ({"pool_block": "three"}, "Pool cycles in blocks of"),
    ({"pool_cycles": "2024; DROP"}, "Cycles in order"),
    ({"pool_block": "3", "pool_cycles": "2023, 2024, 2025"}, "is not listed in history.pool.cycles"),
])
def test_the_form_refuses_a_bad_store_or_pooling_and_keeps_program_yaml(client, fields, message):
    pid = _program(client, cycle="2026")
    prog = client.app_.state.workspace.get(pid)
    before = prog.config.read_bytes()
    r = _settings(client, pid, **fields)
    assert r.status_code == 400 and message in r.text.replace("&#39;", "'")
    assert "hunter2" not in r.text
    assert prog.config.read_bytes() == before


def test_a_postgresql_store_set_on_the_form_serves_the_history_pages(client, tmp_path):
    from mentorassess.history.store import open_store
    from tests._history_helpers import fresh_pg_database, stop_local_pg

    url, drop = fresh_pg_database()
    try:
        secret = tmp_path / "shared" / "program.secret"
        secret.parent.mkdir()
        pid = _program(client, cycle="2027")
        r = _settings(client, pid, cycle="2027", history_store=url, history_secret=str(secret), pool_block="3",
                      pool_cycles=", ".join([*CYCLES, "2027"]))
        assert r.status_code == 200, r.text
        prog = client.app_.state.workspace.get(pid)
        spec = services.history_spec(prog.config)
        assert spec.store == url and spec.secret == str(secret) and spec.pool.block == 3
        assert "No cycle is recorded yet" in client.get(f"/p/{pid}/history").text
        store = open_store(url, secret=secret)  # another machine's run, with the shared secret
        try:
            for cycle, (responses, roster) in program(n_mentors=8).items():
                record(store, cycle, responses, roster)
        finally:
            store.close()
        page = client.get(f"/p/{pid}/history").text
        rows = re.findall(r'<tr>\s*<th scope="row">([^<]+)</th>', page)
        assert rows == list(CYCLES) and "records cycle <strong>2027</strong>." in page
        assert not (prog.folder / HISTORY_FILE).exists()  # nothing was written beside program.yaml
    finally:
        drop()
        stop_local_pg()
