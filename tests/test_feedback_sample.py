"""Every sample mentor gets a feedback PDF; the CLI writes them and names the suppressed ones."""

from __future__ import annotations

import re
import time

import pytest
from pypdf import PdfReader

from mentorassess.aggregate import aggregate
from mentorassess.instruments import load_instrument
from mentorassess.reports.feedback import ReportOptions, render_all
from mentorassess.sample import _COMMENTS, generate
from mentorassess.scoring import score


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    inst = load_instrument("mca-26")
    prog = generate()
    profiles = aggregate(score(prog.responses, inst), roster=prog.roster)
    out = tmp_path_factory.mktemp("feedback")
    t = time.perf_counter()
    summary = render_all(profiles, inst, out, options=ReportOptions(report_date="2026-11-25"), jobs=2)
    return prog, profiles, summary, time.perf_counter() - t


def test_every_mentor_and_wave_gets_a_clean_pdf(sample_run):
    prog, profiles, summary, seconds = sample_run
    assert len(summary.written) == len(profiles.mentors) == 2 * len(prog.roster)
    assert seconds < 15
    names = dict(zip(prog.roster["mentor_id"], prog.roster["name"]))
    flagged = {f"{m} ({w})" for m, w, s in zip(profiles.mentors["mentor_id"], profiles.mentors["wave"],
                                               profiles.mentors["suppressed"]) if s}
    assert set(summary.suppressed) == flagged and flagged
    comments = [c for q in ("comment_strengths", "comment_growth") for c in _COMMENTS[q]]  # mentee forms
    pages = []
    for path in summary.written:
        reader = PdfReader(path)
        pages.append(len(reader.pages))
        text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in reader.pages))
        mid = re.match(r"(m\d+)_", path.name).group(1).upper()
        wave = path.stem.rsplit("_", 1)[1]
        name = names[mid]
        assert reader.metadata.title.startswith(f"Mentoring feedback for {name} (")
        if not any("\u0600" <= ch <= "\u06ff" for ch in name):
            assert f"Confidential: prepared for {name}" in text
        if f"{mid} ({wave})" in flagged:
            assert "Fewer than 3 of your mentees responded this round" in text
            assert "mentees' average" not in text and "plausibly" not in text
            assert not any(c in text for c in comments)
        elif "responded, but their averages are not shown" in text:   # counted, every average withheld
            assert "summarised here" not in text and "plausibly" not in text and "filled circle" not in text
        else:
            assert "mentees responded and their ratings are summarised here" in text
    assert max(pages) <= 4 and min(pages) >= 2


def test_cli_reports(tmp_path):
    from mentorassess.cli import main
    from mentorassess.sample import write_sample

    write_sample(generate(n_mentors=6), tmp_path / "sample")
    with pytest.raises(SystemExit) as exc:
        main(["reports", str(tmp_path / "sample" / "responses.csv"), "--instrument", "mca-26", "--roster",
              str(tmp_path / "sample" / "roster.csv"), "--out", str(tmp_path / "out"), "--wave", "post",
              "--date", "2026-11-25", "--jobs", "1"])
    assert exc.value.code in (0, None)
    files = sorted(p.name for p in (tmp_path / "out").glob("*.pdf"))
    assert len(files) == 6 and all(f.endswith("_post.pdf") for f in files)
    assert "m001_zofia-wisniewska_post.pdf" in files


def test_cli_refuses_low_threshold(tmp_path, capsys):
    from mentorassess.cli import main
    from mentorassess.sample import write_sample

    write_sample(generate(n_mentors=6), tmp_path / "s")
    with pytest.raises(SystemExit) as exc:
        main(["reports", str(tmp_path / "s" / "responses.csv"), "--instrument", "mca-26",
              "--out", str(tmp_path / "o"), "--min-raters", "2"])
    assert exc.value.code == 2
    assert "min_raters" in capsys.readouterr().err


def test_parallel_output_equals_in_process_output(sample_run, tmp_path):
    from mentorassess.reports.feedback import render_feedback

    prog, profiles, summary, _ = sample_run
    inst = load_instrument("mca-26")
    by_name = {p.name: p for p in summary.written}
    for mentor_id in ("M001", "M005", "M004"):
        path = next(p for name, p in by_name.items() if name.startswith(f"{mentor_id.lower()}_") and name.endswith("_post.pdf"))
        again = render_feedback(profiles.profile(mentor_id, "post"), inst, tmp_path / path.name,
                                options=ReportOptions(report_date="2026-11-25"),
                                previous=profiles.profile(mentor_id, "pre"),
                                name=prog.roster.set_index("mentor_id").loc[mentor_id, "name"])
        assert again.read_bytes() == path.read_bytes(), mentor_id
