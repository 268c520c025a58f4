"""Report file names are unique by construction; files are never overwritten; the manifest is verified.

The collisions are the red-team's (issue 15): ids ``X-1``, ``X_1``, ``x 1``; two long ids sharing
their first 40 characters; two Chinese names; ids differing only in case. The old names
(``feedback_<name>_<id>_<wave>.pdf`` with a 40-character id slug, ``open(..., "wb")`` via replace)
gave one file for each of these groups, the last report overwriting the others.
"""

from __future__ import annotations

import dataclasses
import json
import os
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorassess.errors import ConfidentialityError, DataError, ReportError
from mentorassess.release.filenames import (ID_LIMIT, filename_key, is_reserved_name, plan_report_files,
                                            report_file_name, slugify, stable_hash, write_new)
from mentorassess.release.manifest import (MANIFEST_CSV, MANIFEST_JSON, Manifest, read_recipient,
                                           verify_manifest)

SAFE = set(string.ascii_lowercase + string.digits + "-_.")


def _files(entries):
    return [r.file for r in plan_report_files(entries).names]


def _assert_unique(files):
    assert len({filename_key(f) for f in files}) == len(files), files


@pytest.mark.parametrize("ids", [
    ["X-1", "X_1", "x 1"],
    ["A" * 40 + "-north", "A" * 40 + "-south", "A" * ID_LIMIT],
    ["王芳", "汪芳"],          # both transliterate to wang-fang
    ["张伟", "張偉"],          # simplified and traditional spelling of one name
    ["m001", "M001", "M\u200b001"],  # case only; a zero-width space
    ["ﬁ1", "fi1"],            # NFKC folds the ligature
])
def test_colliding_ids_get_distinct_names_with_a_hash(ids):
    files = _files([(i, "Ana Lee", "post") for i in ids])
    _assert_unique(files)
    plan = plan_report_files([(i, "Ana Lee", "post") for i in ids])
    assert all(r.hashed for r in plan.names)
    for r in plan.names:
        assert stable_hash(r.mentor_id) in r.file  # the hash is of the exact id
        assert set(r.file) <= SAFE


def test_two_chinese_names_keep_their_sound_not_mentor():
    files = _files([("M1", "王芳", "pre"), ("M2", "李娜", "pre")])
    assert files == ["m1_wang-fang_pre.pdf", "m2_li-na_pre.pdf"]


@pytest.mark.parametrize("name,slug", [
    ("Γιώργος Παπαδόπουλος", "giorgos-papadopoylos"),
    ("Ολυμπία Αντωνίου", "olympia-antonioy"),
    ("Ольга Иванова", "olga-ivanova"),
    ("Сергей Кузнецов", "sergey-kuznetsov"),
    ("Nguyễn Thị Hương", "nguyen-thi-huong"),
    ("Łukasz Żółkiewski", "lukasz-zolkiewski"),
    ("ليلى حداد", "lyla-hdd"),
])
def test_names_are_transliterated_from_every_script(name, slug):
    assert slugify(name) == slug
    assert report_file_name("M9", name, "post") == f"m9_{slug}_post.pdf"


def test_ordinary_ids_are_readable_and_unhashed():
    plan = plan_report_files([("M001", "Zofia Wiśniewska", "pre"), ("M001", "Zofia Wiśniewska", "post"),
                              ("M002", "Ольга Иванова", "post")])
    assert [r.file for r in plan.names] == ["m001_zofia-wisniewska_pre.pdf", "m001_zofia-wisniewska_post.pdf",
                                            "m002_olga-ivanova_post.pdf"]
    assert not any(r.hashed for r in plan.names)
    assert plan.file_for("M002", "post") == "m002_olga-ivanova_post.pdf"
    assert plan.to_frame().shape == (3, 5)


def test_an_id_that_looks_like_another_ids_hashed_name_stays_distinct():
    sneaky = f"x-1-{stable_hash('X-1')}"
    files = _files([("X-1", "A", "w"), ("x_1", "A", "w"), (sneaky, "A", "w")])
    _assert_unique(files)


def test_waves_that_collide_are_hashed_too():
    files = _files([("M1", "A", "Post"), ("M1", "A", "post"), ("M1", "A", "wave 1"), ("M1", "A", "wave-1")])
    _assert_unique(files)


@pytest.mark.parametrize("mid", ["CON", "nul", "COM1", "lpt9", "Aux", "con.txt"])
def test_windows_device_names_never_form_a_file_stem(mid):
    f = report_file_name(mid, "PRN", "NUL")
    assert not is_reserved_name(f) and not f.endswith((".", " ")) and set(f) <= SAFE
    assert is_reserved_name(f"{mid.split('.')[0]}.pdf")


def test_separators_dots_and_length_never_reach_the_name():
    f = report_file_name("../../etc/passwd", "a" * 300, "..\\..\\post. ")
    assert "/" not in f and "\\" not in f and ".." not in f and f.count(".") == 1
    assert len(f) <= 120


def test_unusable_ids_are_refused_naming_each_row():
    with pytest.raises(DataError) as err:
        plan_report_files([("M1", "A", "pre"), ("", "B", "pre"), ("M\x00", "C", "pre"), (None, "D", "pre"),
                           ("M5", "E", "\t")], file="roster.csv", rows=[2, 3, 4, 5, 6])
    rows = sorted(p.row for p in err.value.problems)
    assert rows == [3, 4, 5, 6]
    assert all(p.file == "roster.csv" for p in err.value.problems)
    assert "U+0000" in str(err.value) and "row 4" in str(err.value)


def test_a_report_listed_twice_is_refused():
    with pytest.raises(DataError, match="listed twice"):
        plan_report_files([("M1", "A", "pre"), ("M1", "A", "pre")])


_ids = st.text(min_size=1, max_size=60).filter(lambda s: s.strip() and not any(
    c in s for c in "\x00\x01\x1f\x7f\u2028\u2029"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(ids=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=12, unique=True),
       waves=st.lists(st.sampled_from(["pre", "Pre", "post", "POST", "wave 1", "wave_1", "Ω"]), min_size=1,
                      max_size=3, unique=True))
def test_property_names_unique_after_nfkc_casefold(ids, waves):
    from mentorassess.release.filenames import _unusable

    ids = [i for i in ids if _unusable(i) is None]
    entries = [(i, i[::-1], w) for i in ids for w in waves]
    if not entries:
        return
    plan = plan_report_files(entries)
    files = [r.file for r in plan.names]
    _assert_unique(files)
    for f in files:
        assert set(f) <= SAFE and f.endswith(".pdf") and not is_reserved_name(f)
        assert len(f.encode()) <= 200
    # deterministic, and a mentor's id part is the same in every wave
    assert [r.file for r in plan_report_files(entries).names] == files
    parts = {}
    for r in plan.names:
        parts.setdefault(r.mentor_id, set()).add(r.file.split("_")[0])
    assert all(len(p) == 1 for p in parts.values())


# --- writing ----------------------------------------------------------------------------------------------
def test_write_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "m1_ana_post.pdf"
    write_new(target, b"first")
    with pytest.raises(ReportError, match="already exists; nothing was overwritten"):
        write_new(target, b"second")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m1_ana_post.pdf"]  # no temporary file left


def test_write_new_without_hard_links_still_refuses(tmp_path, monkeypatch):
    def no_links(*a, **k):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    write_new(tmp_path / "a.pdf", b"one")
    with pytest.raises(ReportError):
        write_new(tmp_path / "a.pdf", b"two")
    assert (tmp_path / "a.pdf").read_bytes() == b"one"
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"]


# --- render_all, manifest, verification --------------------------------------------------------------------
@pytest.fixture(scope="module")
def release(tmp_path_factory):
    import pandas as pd

    from mentorassess.reports.feedback import ReportOptions, render_all
    from tests._feedback_helpers import make_data

    base = make_data(n=2, change=False)  # below the threshold: short and quick to render
    people = [("X-1", "王芳"), ("X_1", "汪芳"), ("x 1", "Ольга Иванова")]
    data = [dataclasses.replace(base, mentor_id=m, mentor_name=n) for m, n in people]
    roster = pd.DataFrame({"mentor_id": [m for m, _ in people], "name": [n for _, n in people],
                           "email": pd.array(["a@example.org", "b@example.org", pd.NA], dtype="string")})
    out = tmp_path_factory.mktemp("release") / "feedback"
    summary = render_all(data, None, out, options=ReportOptions(report_date="2026-11-25"), jobs=1, roster=roster)
    return out, summary


def test_colliding_ids_give_three_reports_each_for_its_mentor(release):
    out, summary = release
    pdfs = sorted(p.name for p in out.glob("*.pdf"))
    assert len(pdfs) == 3 == len(summary.written)  # the old names gave one file, counted as three
    by_id = {e.mentor_id: e for e in summary.manifest.entries if e.file.endswith(".pdf")}
    assert set(by_id) == {"X-1", "X_1", "x 1"}
    for mid, e in by_id.items():
        assert read_recipient((out / e.file).read_bytes()) == mid
    assert by_id["X-1"].email == "a@example.org" and by_id["x 1"].email == ""
    assert {e.file for e in summary.manifest.entries if e.file.endswith(".pdf")} == set(pdfs)
    assert {e.file for e in summary.manifest.entries if e.file.endswith(".html")} == {
        n.replace(".pdf", ".html") for n in pdfs}  # the HTML twins (issue 18) are listed and hashed too
    assert verify_manifest(out).verified == 6


def test_manifest_csv_and_json_agree(release):
    out, summary = release
    frame = summary.manifest.to_frame()
    assert list(frame.columns) == ["mentor_id", "name", "email", "wave", "file", "sha256", "bytes"]
    assert Manifest.from_json((out / MANIFEST_JSON).read_text(encoding="utf-8")) == summary.manifest
    assert (out / MANIFEST_CSV).read_text(encoding="utf-8") == summary.manifest.to_csv()


def test_a_second_release_into_the_same_folder_is_refused(release):
    from mentorassess.reports.feedback import render_all
    from tests._feedback_helpers import make_data

    out, _ = release
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(ReportError, match="nothing was overwritten"):
        render_all([make_data(n=2, change=False)], None, out, jobs=1)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def _copy(src, dst):
    dst.mkdir()
    for p in src.iterdir():
        (dst / p.name).write_bytes(p.read_bytes())
    return dst


def _codes(folder):
    return sorted(p.code for p in verify_manifest(folder, strict=False).problems)


def test_tampered_file_is_detected(release, tmp_path):
    out, summary = release
    d = _copy(out, tmp_path / "f")
    victim = d / summary.manifest.entries[0].file
    victim.write_bytes(victim.read_bytes().replace(b"%%EOF", b"%%EOF\n% edited"))
    with pytest.raises(ConfidentialityError, match="has changed since it was written"):
        verify_manifest(d)


def test_report_addressed_to_someone_else_is_detected(release, tmp_path):
    out, _ = release
    d = _copy(out, tmp_path / "f")
    doc = json.loads((d / MANIFEST_JSON).read_text(encoding="utf-8"))
    a, b = [i for i, f in enumerate(doc["files"]) if f["file"].endswith(".pdf")][:2]  # two PDFs (HTML twins between)
    doc["files"][a]["mentor_id"], doc["files"][b]["mentor_id"] = doc["files"][b]["mentor_id"], doc["files"][a]["mentor_id"]
    (d / MANIFEST_JSON).write_text(json.dumps(doc), encoding="utf-8")
    (d / MANIFEST_CSV).write_text(Manifest.from_json(json.dumps(doc)).to_csv(), encoding="utf-8")
    assert _codes(d) == ["manifest-recipient", "manifest-recipient"]


def test_missing_unlisted_and_csv_edits_are_detected(release, tmp_path):
    out, summary = release
    d = _copy(out, tmp_path / "f")
    (d / summary.manifest.entries[2].file).unlink()
    (d / "stray_report_post.pdf").write_bytes(b"%PDF-1.4")
    csv_text = (d / MANIFEST_CSV).read_text(encoding="utf-8").replace("a@example.org", "attacker@example.org")
    (d / MANIFEST_CSV).write_text(csv_text, encoding="utf-8")
    assert _codes(d) == ["manifest-csv-changed", "manifest-missing", "manifest-unlisted"]


def test_recipient_survives_non_ascii_keywords():
    pdf = b"<< /Keywords (\xfe\xff\x00r\x00e\x00c\x00i\x00p\x00i\x00e\x00n\x00t\x00=\x00M\x001) >>"
    assert read_recipient(pdf) == "M1"
    assert read_recipient(b"/Keywords (recipient=A) /Keywords (recipient=B)") is None  # two answers: none
    assert read_recipient(b"/Keywords <726563697069656e743d4d32>") == "M2"
    assert read_recipient(b"/Keywords (a\\(b\\), recipient=M\\0633)") == "M33"


def test_cli_reports_twice_into_one_folder_exits_2_and_keeps_the_first_set(tmp_path, capsys):
    from mentorassess.cli import main
    from mentorassess.sample import generate, write_sample

    write_sample(generate(n_mentors=3), tmp_path / "s")
    args = ["reports", str(tmp_path / "s" / "responses.csv"), "--instrument", "mca-26", "--roster",
            str(tmp_path / "s" / "roster.csv"), "--out", str(tmp_path / "out"), "--wave", "post",
            "--date", "2026-11-25", "--jobs", "1"]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None)
    first = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert len([n for n in first if n.endswith(".pdf")]) == 3 and MANIFEST_CSV in first
    assert "mentor001@example.edu" in first[MANIFEST_CSV].decode()
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert "nothing was overwritten" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == first


def _many_files(folder, n=70):
    """``n`` small files listed in a manifest (enough for verify_manifest's two-thread path)."""
    from mentorassess.release.filenames import ReportName
    from mentorassess.release.manifest import build_manifest, write_manifest

    folder.mkdir()
    names = [ReportName(mentor_id=f"M{i}", name=f"Mentor {i}", wave="post", file=f"m{i:03d}_post.html", hashed=False)
             for i in range(n)]
    for i, r in enumerate(names):
        (folder / r.file).write_bytes(f"<p>report {i}</p>".encode())
    return names, build_manifest, write_manifest


def test_digests_from_the_writer_are_checked_against_the_files(tmp_path):
    """build_manifest(digests=...) takes the writers' hashes; verify_manifest still reads every file
    back: a digest that does not match the bytes on disk is refused (row and file named)."""
    from mentorassess.release.manifest import digest

    names, build_manifest, write_manifest = _many_files(tmp_path / "f")
    digests = {r.file: digest((tmp_path / "f" / r.file).read_bytes()) for r in names}
    good = build_manifest(tmp_path / "f", names)
    assert build_manifest(tmp_path / "f", names, digests=digests) == good   # same entries either way
    digests[names[40].file] = digest(b"what the worker meant to write")
    write_manifest(build_manifest(tmp_path / "f", names, digests=digests), tmp_path / "f")
    check = verify_manifest(tmp_path / "f", strict=False)
    assert [(p.code, p.row) for p in check.problems] == [("manifest-changed", 41)]
    assert check.verified == len(names) - 1


def test_many_files_problems_keep_their_rows(tmp_path):
    """On the two-thread path each result stays with its row: a duplicate listing, a missing file and
    an edited file are reported at their own rows, in row order."""
    names, build_manifest, write_manifest = _many_files(tmp_path / "f")
    manifest = build_manifest(tmp_path / "f", names)
    entries = list(manifest.entries)
    entries.insert(10, entries[3])                     # row 11 repeats row 4
    write_manifest(Manifest(tuple(entries)), tmp_path / "f")
    (tmp_path / "f" / names[20].file).unlink()         # row 22 (after the inserted row)
    (tmp_path / "f" / names[60].file).write_bytes(b"<p>edited</p>")   # row 62
    check = verify_manifest(tmp_path / "f", strict=False)
    assert [(p.code, p.row) for p in check.problems] == [
        ("manifest-duplicate", 11), ("manifest-missing", 22), ("manifest-changed", 62)]
    assert check.verified == len(names) - 2


def test_an_unreadable_listed_file_is_named_not_called_missing(tmp_path, monkeypatch):
    """A listed file that exists but cannot be read is reported as unreadable (row, file, reason),
    without a traceback, and the other files are still verified."""
    names, build_manifest, write_manifest = _many_files(tmp_path / "f", n=5)
    write_manifest(build_manifest(tmp_path / "f", names), tmp_path / "f")
    import builtins

    import mentorassess.release.manifest as manifest_module

    locked = str(tmp_path / "f" / names[2].file)

    def guarded_open(file, *args, **kwargs):   # root reads a chmod 000 file, so the refusal is simulated
        if str(file) == locked:
            raise PermissionError(13, "Permission denied")
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(manifest_module, "open", guarded_open, raising=False)
    check = verify_manifest(tmp_path / "f", strict=False)
    assert [(p.code, p.row) for p in check.problems] == [("manifest-unreadable", 3)]
    assert "Permission denied" in check.problems[0].message and check.verified == 4
