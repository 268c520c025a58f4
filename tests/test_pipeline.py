"""End to end: `run` on the sample config, `demo`, determinism, output-folder safety."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from mentorassess.errors import ConfigError
from mentorassess.pipeline import MARKER, run_program, sample_config_path, sample_data_dir

ROOT = Path(__file__).resolve().parent.parent


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    return run_program(sample_config_path(), out=out, jobs=2)


def test_sample_config_is_the_committed_one():
    assert sample_data_dir() == ROOT / "data" / "sample"  # source checkout
    assert sample_config_path().is_file()


def test_every_output_exists_and_is_listed(demo_run):
    out = demo_run.out
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    listed = {str(p) for p in demo_run.outputs}
    assert files == listed
    assert MARKER in files
    assert len([f for f in files if f.startswith("feedback/") and f.endswith(".pdf")]) == 80
    for form in ("self", "mentee"):
        for wave in ("pre", "post"):
            assert f"psychometrics/psychometrics_{form}_{wave}.pdf" in files
            assert f"psychometrics/psychometrics_{form}_{wave}.json" in files
    assert {"program_summary.pdf", "staff_workbook.xlsx"} <= files
    assert {"audit/qualtrics_mentee.json", "audit/qualtrics_self.json"} <= files


def test_feedback_manifest_lists_every_report_written(demo_run):
    from mentorassess.release.manifest import read_manifest, verify_manifest

    folder = demo_run.out / "feedback"
    pdfs = sorted(p.name for p in folder.glob("*.pdf"))
    summary = json.loads((demo_run.out / MARKER).read_text(encoding="utf-8"))
    assert summary["counts"]["feedback_reports"] == len(pdfs) == 80
    twins = sorted(p.name for p in folder.glob("*.html"))  # each PDF's HTML twin is listed too (issue 18)
    assert sorted(e.file for e in read_manifest(folder).entries if e.file.endswith(".pdf")) == pdfs
    assert sorted(e.file for e in read_manifest(folder).entries if e.file.endswith(".html")) == twins
    assert twins == sorted(n.replace(".pdf", ".html") for n in pdfs)
    assert verify_manifest(folder).verified == 160
    assert {"feedback/manifest.csv", "feedback/manifest.json"} <= {str(p) for p in demo_run.outputs}


def test_summary_agrees_with_the_api(demo_run):
    from mentorassess.aggregate import aggregate
    from mentorassess.io import read_export, read_roster
    from mentorassess.scoring import score

    summary = json.loads((demo_run.out / MARKER).read_text(encoding="utf-8"))
    data = sample_data_dir()
    roster = read_roster(data / "roster.csv")
    a = read_export(data / "qualtrics_mentee.csv", "mca-26", roster=roster, role="mentee")
    b = read_export(data / "qualtrics_self.xlsx", "mca-26", roster=roster, role="self",
                    mapping=data / "qualtrics_self.mapping.yaml")
    assert summary["imports"][0]["rows_read"] == a.report.rows_read
    assert summary["imports"][0]["rows_kept"] == a.report.rows_kept
    assert summary["counts"]["responses"] == len(a.responses) + len(b.responses)
    import pandas as pd

    profiles = aggregate(score(pd.concat([a.responses, b.responses], ignore_index=True), "mca-26"), roster=roster)
    m = profiles.mentors
    expected = sorted(zip(m.loc[m["suppressed"].astype(bool), "mentor_id"], m.loc[m["suppressed"].astype(bool), "wave"]))
    assert [(s["mentor_id"], s["wave"]) for s in summary["suppressed_reports"]] == [list(x) for x in expected] or \
        [tuple(x.values()) for x in summary["suppressed_reports"]] == expected
    for entry in summary["outputs"]:
        assert hashlib.sha256((demo_run.out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    for entry in summary["inputs"]:
        assert len(entry["sha256"]) == 64
    text = (demo_run.out / MARKER).read_text(encoding="utf-8")
    assert "E0001" not in text  # no rater ids in the run summary


def test_two_runs_are_byte_identical(demo_run, tmp_path):
    again = run_program(sample_config_path(), out=tmp_path / "again", jobs=1)
    assert _digest(demo_run.out) == _digest(again.out)


def test_inputs_unchanged(tmp_path):
    data = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), data)
    before = _digest(data)
    run_program(data / "program.yaml", out=tmp_path / "out", jobs=1)
    assert _digest(data) == before


def test_refuses_to_replace_a_foreign_folder(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("precious")
    with pytest.raises(ConfigError, match="not written by mentorassess"):
        run_program(sample_config_path(), out=out)
    assert (out / "thesis.docx").read_text() == "precious"


def test_failed_run_keeps_previous_outputs(demo_run, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(demo_run.out, out)
    before = _digest(out)
    import mentorassess.pipeline as pipeline

    def boom(ctx):
        raise RuntimeError("simulated crash in the middle of the run")

    monkeypatch.setattr(pipeline, "_STEPS", [pipeline._STEPS[0], boom])
    with pytest.raises(RuntimeError):
        run_program(sample_config_path(), out=out)
    assert _digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary folder left behind


def test_overlapping_exports_are_refused(tmp_path):
    """REDCap (mentees, both waves) + SPSS (both forms, post) would count mentee post twice."""
    data = tmp_path / "sample"
    shutil.copytree(sample_data_dir(), data)
    (data / "overlap.yaml").write_text(
        "program: P\ninstrument: mca-26\nroster: roster.csv\nexports:\n"
        "  - {path: redcap_mentee_DATA_LABELS.csv, mapping: redcap_mentee.mapping.yaml}\n"
        "  - {path: spss_post.sav}\n", encoding="utf-8")
    from mentorassess.errors import DataError

    with pytest.raises(DataError, match="more than one export") as info:
        run_program(data / "overlap.yaml", out=tmp_path / "out")
    assert "spss_post.sav" in str(info.value) and "redcap_mentee_DATA_LABELS.csv" in str(info.value)
    assert not (tmp_path / "out").exists()
