"""Limits: very wide files, very long comments, exports too large for memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from mentorassess.errors import ImportFormatError


def _cli(argv, capsys):
    from mentorassess.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr()


def test_ten_thousand_columns_clear_message(tmp_path, capsys):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.integers(1, 8, (20, 10_000)), columns=[f"c{i}" for i in range(10_000)])
    df.insert(0, "mentor_id", "M001")
    path = tmp_path / "wide.csv"
    df.to_csv(path, index=False)
    before = path.read_bytes()
    code, cap = _cli(["import", str(path), "--instrument", "mca-26", "--role", "mentee", "--wave", "pre",
                      "-o", str(tmp_path / "out.csv")], capsys)
    assert code == 2
    assert "none of the 26 items" in cap.err and "wide.csv" in cap.err and "Traceback" not in cap.err
    assert path.read_bytes() == before and not (tmp_path / "out.csv").exists()


def test_hundred_thousand_character_comment(tmp_path, sample_program):
    from mentorassess.aggregate import aggregate
    from mentorassess.io import read_export
    from mentorassess.reports.feedback import render_feedback
    from mentorassess.scoring import score

    r = sample_program.responses.drop(columns=["source_row"]).copy()
    row = r.index[(r["rater_role"] == "mentee")][0]
    long = "Always makes time for me. " * 3_900  # about 100,000 characters
    r.loc[row, "comment_strengths"] = long
    path = tmp_path / "long.csv"
    r.to_csv(path, index=False)
    res = read_export(path, "mca-26", roster=sample_program.roster)
    kept = res.responses.loc[res.responses["comment_strengths"].str.len() > 90_000, "comment_strengths"]
    assert len(kept) == 1 and kept.iloc[0].strip() == long.strip()  # the import keeps the whole comment
    profiles = aggregate(score(res.responses, "mca-26"), roster=sample_program.roster)
    mid, wave = r.loc[row, "mentor_id"], r.loc[row, "wave"]
    profile = profiles.profile(mid, wave)
    assert profile.comments_shown  # the sample mentor has enough mentees
    out = render_feedback(profile, sample_program.instrument, tmp_path / "fb.pdf")
    reader = PdfReader(out)
    text = "".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) <= 4
    assert "[...]" in text and "shortened" in text


def test_export_too_large_for_memory(tmp_path, monkeypatch):
    from mentorassess.io import read_export, tables

    path = tmp_path / "export.csv"
    pd.DataFrame({"mentor_id": ["M001"] * 2000, "mca01": [5] * 2000}).to_csv(path, index=False)
    monkeypatch.setattr(tables, "available_memory", lambda: 10_000)  # pretend 10 kB are free
    with pytest.raises(ImportFormatError) as info:
        read_export(path, "mca-26", role="mentee", wave="pre")
    assert "needs about" in str(info.value) and "split the export" in str(info.value)
