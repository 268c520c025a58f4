"""The local web app with Starlette's TestClient: token, CSRF, upload limits, pages, persistence.

The browser journey (real Chromium, axe-core) is in test_web_browser.py.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mentorassess.config import load_config
from mentorassess.web import services
from mentorassess.web.app import create_app
from mentorassess.web.runs import RunBusy, RunManager

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TOKEN = "test-token-0123456789"
BASE = "http://127.0.0.1"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


@pytest.fixture()
def client(tmp_path):
    app = create_app(tmp_path / "ws", token=TOKEN, max_upload=300_000)
    c = TestClient(app, base_url=BASE)
    r = c.get(f"/?token={TOKEN}")
    assert r.status_code == 200
    c.csrf = _csrf(r.text)
    c.ws = tmp_path / "ws"
    c.app_ = app
    return c


def _program(c, **extra) -> str:
    data = {"csrf": c.csrf, "program": "Test program", "instrument": "mca-26", "min_raters": "3", "comments": "on",
            "wave_id_0": "pre", "wave_type_0": "pre", "wave_id_1": "post", "wave_type_1": "post", **extra}
    r = c.post("/programs", data=data)
    assert r.status_code == 200, r.text
    return str(r.url).rstrip("/").split("/")[-1]


def _upload(c, pid, name, content, **form):
    return c.post(f"/p/{pid}/exports", data={"csrf": c.csrf, **form}, files=[("exports", (name, content))])


# --- token ----------------------------------------------------------------------------------------

def test_nothing_is_served_without_the_token(tmp_path):
    c = TestClient(create_app(tmp_path, token=TOKEN), base_url=BASE)
    for path in ("/", "/static/app.css", "/static/app.js", "/p/p-00000000", "/nope"):
        r = c.get(path)
        assert r.status_code == 403, path
        assert "mentorassess serve" in r.text and "<form" not in r.text
    assert c.get("/?token=wrong").status_code == 403
    c.cookies.set("mentorassess_token", "wrong")
    assert c.get("/").status_code == 403
    assert c.post("/programs", data={"program": "x"}).status_code == 403


def test_token_in_the_url_sets_a_strict_httponly_cookie_and_is_dropped_from_the_url(tmp_path):
    c = TestClient(create_app(tmp_path, token=TOKEN), base_url=BASE, follow_redirects=False)
    r = c.get(f"/p/x?token={TOKEN}&a=1")
    assert r.status_code == 303 and r.headers["location"] == "/p/x?a=1"
    cookie = r.headers["set-cookie"]
    assert f"mentorassess_token={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    r = c.get("/")
    assert r.status_code == 200 and "Create a program" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_other_hosts_are_refused_against_dns_rebinding(client):
    assert client.get("/", headers={"host": "evil.example"}).status_code == 403
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200


# --- CSRF -------------------------------------------------------------------------------------------

def test_every_form_post_without_a_valid_csrf_token_is_refused(client):
    pid = _program(client)
    posts = ["/programs", f"/p/{pid}/settings", f"/p/{pid}/roster", f"/p/{pid}/exports", f"/p/{pid}/comments",
             f"/p/{pid}/run", f"/p/{pid}/history/forget"]
    routes = {r.path for r in client.app_.app.routes if "POST" in (getattr(r, "methods", None) or ())}
    # every POST route of the app is in the list (the export routes need an export; checked below)
    assert {p.replace(pid, "{pid}") for p in posts} | {"/p/{pid}/exports/{eid}/remove",
                                                       "/p/{pid}/exports/{eid}/mapping"} == routes
    before = sorted(p.name for p in client.ws.rglob("*"))
    for path in posts:
        for data in ({}, {"csrf": "forged"}, {"csrf": client.csrf[:-1] + "x"}):
            r = client.post(path, data={"program": "Forged", "min_raters": "3", **data})
            assert r.status_code == 403, (path, data)
            assert "expired or did not come from this app" in r.text
    assert sorted(p.name for p in client.ws.rglob("*")) == before  # nothing created or changed
    r = _upload(client, pid, "qualtrics_mentee.csv", b"x,y\n1,2\n", csrf=client.csrf)
    eid = re.search(r"/exports/(e-[0-9a-f]{8})", str(r.url)).group(1)
    for path in (f"/p/{pid}/exports/{eid}/remove", f"/p/{pid}/exports/{eid}/mapping"):
        assert client.post(path, data={"csrf": "forged"}).status_code == 403


def test_a_cross_site_post_is_refused_even_with_the_cookie(client):
    r = client.post("/programs", data={"csrf": client.csrf, "program": "X"}, headers={"origin": "https://evil.example"})
    assert r.status_code == 403


# --- uploads ----------------------------------------------------------------------------------------

def test_oversized_upload_is_refused_and_nothing_is_stored(client):
    pid = _program(client)
    big = b"a,b\n" + b"1,2\n" * 100_000  # 400 kB > the 300 kB limit of this app
    r = _upload(client, pid, "big.csv", big)
    assert r.status_code == 413
    assert "larger than the limit" in r.text
    assert list((client.ws / "programs" / pid / "inputs").iterdir()) == []


def test_a_file_just_over_the_per_file_limit_is_refused_while_it_is_written(client):
    pid = _program(client)
    r = _upload(client, pid, "big.csv", b"a" * 300_001)  # the request fits, the file does not
    assert r.status_code == 413
    assert list((client.ws / "programs" / pid / "inputs").iterdir()) == []


@pytest.mark.parametrize("name", ["../../evil.csv", "sub/dir.csv", "..\\evil.csv", "/etc/passwd.csv", ".hidden.csv",
                                  "C:evil.csv", "notes.exe"])
def test_path_like_or_foreign_file_names_are_refused(client, name):
    pid = _program(client)
    r = _upload(client, pid, name, b"x,y\n1,2\n")
    assert r.status_code == 400
    assert list((client.ws / "programs" / pid / "inputs").iterdir()) == []
    assert not (client.ws.parent / "evil.csv").exists()


@pytest.mark.parametrize("name", ["a\x00b.csv", "a\nb.csv", "x" * 300 + ".csv", "", "  "])
def test_control_characters_and_empty_or_long_names_are_refused(name):
    from mentorassess.web.workspace import UploadRefused, check_upload_name

    with pytest.raises(UploadRefused):
        check_upload_name(name)


def test_uploads_are_stored_under_generated_read_only_names_and_never_modified(client):
    pid = _program(client)
    data = (SAMPLE / "qualtrics_mentee.csv").read_bytes()
    r = _upload(client, pid, "qualtrics_mentee.csv", data, role="mentee")
    assert r.status_code == 200
    (stored,) = (client.ws / "programs" / pid / "inputs").iterdir()
    assert re.fullmatch(r"export-[0-9a-f]{16}\.csv", stored.name)
    assert stored.read_bytes() == data
    assert stored.stat().st_mode & 0o222 == 0
    assert "qualtrics_mentee.csv" in r.text and "328" in r.text  # the audit: rows read
    cfg = load_config(client.ws / "programs" / pid / "program.yaml")
    assert [e.path for e in cfg.exports] == [stored]
    assert cfg.exports[0].role == "mentee"


def test_every_path_stays_inside_the_workspace(client):
    assert client.get("/p/..%2F..%2Fetc").status_code == 404
    assert client.get("/p/p-00000000/exports").status_code == 404
    assert client.get("/static/../app.py").status_code == 404


# --- pages --------------------------------------------------------------------------------------------

def test_each_page_renders_with_language_heading_and_labels(client):
    pid = _program(client, contact="office@example.org")
    client.post(f"/p/{pid}/roster", data={"csrf": client.csrf},
                files={"roster": ("roster.csv", (SAMPLE / "roster.csv").read_bytes())})
    r = _upload(client, pid, "mentee.csv", (SAMPLE / "qualtrics_mentee.csv").read_bytes(), role="mentee")
    eid = str(r.url).split("/")[-1]
    pages = ["/", f"/p/{pid}", f"/p/{pid}/exports", f"/p/{pid}/exports/{eid}", f"/p/{pid}/exports/{eid}/mapping",
             f"/p/{pid}/preview", f"/p/{pid}/comments", f"/p/{pid}/run", f"/p/{pid}/download"]
    for path in pages:
        r = client.get(path)
        assert r.status_code == 200, path
        assert '<html lang="en">' in r.text and r.text.count("<h1>") == 1, path
        for m in re.finditer(r'<(input|select)\b([^>]*)>', r.text):
            attrs = m.group(2)
            if 'type="hidden"' in attrs:
                continue
            ident = re.search(r'id="([^"]+)"', attrs)
            assert ident and (f'for="{ident.group(1)}"' in r.text or "aria-label=" in attrs), (path, attrs)
    assert "fewer than 3 mentees counted" in client.get(f"/p/{pid}/preview").text
    assert client.get("/static/app.js").status_code == 200


def test_preview_never_shows_the_count_below_the_threshold(client):
    pid = _program(client)
    client.post(f"/p/{pid}/roster", data={"csrf": client.csrf},
                files={"roster": ("roster.csv", (SAMPLE / "roster.csv").read_bytes())})
    _upload(client, pid, "mentee.csv", (SAMPLE / "qualtrics_mentee.csv").read_bytes(), role="mentee")
    rows, _ = services.preview(client.ws / "programs" / pid / "program.yaml")
    withheld = [r for r in rows if not r.mentee_results]
    assert withheld and all(r.reason.startswith("fewer than 3 mentees counted") for r in withheld)
    html = client.get(f"/p/{pid}/preview").text
    for r in withheld:
        row = re.search(rf"\({r.mentor_id}\)</span></th>\s*<td>{r.wave}</td>(.*?)</tr>", html, re.S).group(1)
        assert not re.search(r"\d", row.replace("fewer than 3 mentee", "")), row  # only the threshold is a number


def test_settings_are_checked_by_load_config(client):
    r = client.post("/programs", data={"csrf": client.csrf, "program": "P", "instrument": "mca-26", "min_raters": "2"})
    assert r.status_code == 400 and "min_raters must be a whole number of at least 3" in r.text
    assert not any((client.ws / "programs").iterdir())


def test_comment_exclusions_persist_in_the_workspace_and_reach_the_config(client):
    pid = _program(client)
    _upload(client, pid, "mentee.csv", (SAMPLE / "qualtrics_mentee.csv").read_bytes(), role="mentee")
    page = client.get(f"/p/{pid}/comments").text
    shown = re.findall(r'name="shown" value="([^"]+)"', page)
    assert len(shown) > 5
    r = client.post(f"/p/{pid}/comments", data={"csrf": client.csrf, "shown": shown, "exclude": [shown[2]]})
    assert r.status_code == 200 and "Exclusions saved" in r.text
    assert re.search(rf'value="{shown[2]}" checked', r.text)
    assert load_config(client.ws / "programs" / pid / "program.yaml").exclude_comments == (shown[2],)
    client.post(f"/p/{pid}/comments", data={"csrf": client.csrf, "shown": shown, "exclude": []})
    assert load_config(client.ws / "programs" / pid / "program.yaml").exclude_comments == ()


def _renamed_self_export(path: Path) -> Path:
    """The sample's Qualtrics self export with item columns, texts and ImportIds that nothing recognises."""
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLE / "qualtrics_self.xlsx")
    ws = wb.active
    for cell in ws[1]:
        if str(cell.value).startswith("Q4_"):
            cell.value = "SR_" + cell.value[3:]
    for cell in ws[2]:
        if " - " in str(cell.value):
            cell.value = "Self-rating: " + str(cell.value).split(" - ", 1)[1].lower() + " (you)"
    for cell in ws[3]:
        cell.value = str(cell.value).replace("QID4_", "QID99_") if cell.value else cell.value
    wb.save(path)
    return path


def test_an_unrecognised_export_is_fixed_in_the_mapping_form(client, tmp_path):
    pid = _program(client)
    r = _upload(client, pid, "self.xlsx", _renamed_self_export(tmp_path / "self.xlsx").read_bytes())
    assert "Not recognised" in r.text and "none of the 26 items" in r.text
    eid = str(r.url).split("/")[-1]
    page = client.get(f"/p/{pid}/exports/{eid}/mapping").text
    assert sum(page.count(t) for t in ("sure</span>", "probably, check", "unsure, confirm", "not found")) >= 26  # per item
    form = {"csrf": client.csrf, "role": "self", "newcode_0": "8", "newvalue_0": "na"}
    for m in re.finditer(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        sel = re.search(r'<option value="([^"]*)" selected', m.group(2))
        form.setdefault(m.group(1), sel.group(1) if sel else "")
    r = client.post(f"/p/{pid}/exports/{eid}/mapping", data=form)
    assert r.status_code == 200 and "Rows kept" in r.text and "off the scale" not in r.text
    cfg = load_config(client.ws / "programs" / pid / "program.yaml")
    (spec,) = cfg.exports
    assert spec.role == "self" and spec.mapping.parent.name == "mappings"
    assert "SR_1" in spec.mapping.read_text() and "8: na" in spec.mapping.read_text()
    again = client.get(f"/p/{pid}/exports/{eid}/mapping").text  # the form shows the saved choices
    assert re.search(r'name="newcode_0"', again) and re.search(r'<option value="na" selected', again)


# --- runs ---------------------------------------------------------------------------------------------

def test_one_run_per_program_at_a_time(tmp_path, monkeypatch):
    gate = threading.Event()
    monkeypatch.setattr(services, "expected_steps", lambda config: 3)
    monkeypatch.setattr(services, "run", lambda config, out, progress: (progress("importing"), gate.wait(10)))
    runs = RunManager()
    lock = tmp_path / ".run.lock"
    runs.start("p-1", tmp_path / "program.yaml", tmp_path / "out", lock)
    with pytest.raises(RunBusy):
        runs.start("p-1", tmp_path / "program.yaml", tmp_path / "out", lock)
    assert lock.read_text() == str(os.getpid())
    gate.set()
    assert runs.wait("p-1", 10).status == "done" and not lock.exists()
    lock.write_text(str(os.getppid()))  # another live server holds this program
    with pytest.raises(RunBusy):
        RunManager().start("p-1", tmp_path / "program.yaml", tmp_path / "out", lock)
    lock.write_text("999999999")  # a server that is gone: stale, taken over
    other = RunManager()
    other.start("p-2", tmp_path / "program.yaml", tmp_path / "out", lock)  # no RunBusy
    assert other.wait("p-2", 10).status == "done"


def test_a_failed_run_shows_the_api_message(tmp_path, monkeypatch):
    from mentorassess.errors import DataError

    monkeypatch.setattr(services, "expected_steps", lambda config: 3)

    def fail(config, out, progress):
        raise DataError("2 responses share a response id", hint="check the exports")

    monkeypatch.setattr(services, "run", fail)
    runs = RunManager()
    runs.start("p-1", tmp_path / "p.yaml", tmp_path / "out", tmp_path / ".lock")
    state = runs.wait("p-1", 10)
    assert state.status == "failed" and "share a response id" in state.error and not (tmp_path / ".lock").exists()


def test_zip_of_the_outputs_is_deterministic(tmp_path):
    out = tmp_path / "output"
    (out / "feedback").mkdir(parents=True)
    (out / "feedback" / "a.pdf").write_bytes(b"%PDF a")
    (out / "program_summary.pdf").write_bytes(b"%PDF p")
    (out / ".hidden").write_text("temp")
    one = services.zip_outputs(out, tmp_path / "1.zip").read_bytes()
    two = services.zip_outputs(out, tmp_path / "2.zip").read_bytes()
    assert one == two
    assert zipfile.ZipFile(io.BytesIO(one)).namelist() == ["feedback/a.pdf", "program_summary.pdf"]


def test_download_before_a_run_is_refused(client):
    pid = _program(client)
    assert client.get(f"/p/{pid}/download/reports.zip").status_code == 409
    assert "run the program" in client.get(f"/p/{pid}/download").text


def test_the_program_cannot_change_while_its_run_reads_it(client, monkeypatch):
    pid = _program(client)
    gate = threading.Event()
    monkeypatch.setattr(services, "expected_steps", lambda config: 3)
    monkeypatch.setattr(services, "run", lambda config, out, progress: gate.wait(10))
    _upload(client, pid, "mentee.csv", (SAMPLE / "qualtrics_mentee.csv").read_bytes(), role="mentee")
    before = (client.ws / "programs" / pid / "program.yaml").read_bytes()
    assert client.post(f"/p/{pid}/run", data={"csrf": client.csrf}).status_code == 200
    assert "Running" in client.get(f"/p/{pid}/run").text
    assert client.post(f"/p/{pid}/run", data={"csrf": client.csrf}).status_code == 409
    assert client.post(f"/p/{pid}/comments", data={"csrf": client.csrf, "shown": ["x"], "exclude": ["x"]}).status_code == 409
    assert _upload(client, pid, "more.csv", b"a,b\n1,2\n").status_code == 409
    assert client.post(f"/p/{pid}/settings", data={"csrf": client.csrf, "program": "Renamed"}).status_code == 409
    assert client.get(f"/p/{pid}/download/reports.zip").status_code == 409
    assert (client.ws / "programs" / pid / "program.yaml").read_bytes() == before
    gate.set()
    assert client.app_.state.runs.wait(pid, 10).status == "done"


def test_the_contact_of_the_program_form_is_a_config_key(tmp_path):
    from mentorassess.errors import ConfigError

    (tmp_path / "a.csv").write_text("x\n1\n")
    base = "program: P\ninstrument: mca-26\nexports: [{path: a.csv, role: mentee, wave: pre}]\n"
    (tmp_path / "p.yaml").write_text(base + "contact: the mentoring office, mentoring@example.org\n")
    assert load_config(tmp_path / "p.yaml").contact == "the mentoring office, mentoring@example.org"
    (tmp_path / "p.yaml").write_text(base)
    assert load_config(tmp_path / "p.yaml").contact is None
    (tmp_path / "p.yaml").write_text(base + "contact: [1, 2]\n")
    with pytest.raises(ConfigError, match="contact must be a text"):
        load_config(tmp_path / "p.yaml")


def test_a_file_that_is_no_table_gets_a_message_not_a_crash(client):
    pid = _program(client)
    r = _upload(client, pid, "photo.xlsx", b"\x89PNG not a workbook at all")
    assert r.status_code == 200 and "Not recognised" in r.text
    eid = str(r.url).split("/")[-1]
    r = client.get(f"/p/{pid}/exports/{eid}/mapping")
    assert r.status_code == 400 and "cannot be read as a table" in r.text and "photo.xlsx" in r.text
