"""The committed data/sample files equal fresh generator output; every sample import balances."""

from __future__ import annotations

import pytest

from mentorassess.cli import main
from mentorassess.io import read_export
from mentorassess.sample import generate, write_sample

SAMPLES = [
    ("qualtrics_mentee.csv", None),
    ("qualtrics_self.xlsx", "qualtrics_self.mapping.yaml"),
    ("redcap_mentee_DATA_LABELS.csv", "redcap_mentee.mapping.yaml"),
    ("spss_post.sav", None),
    ("generic_pre.csv", None),
]


def test_committed_sample_matches_generator(root, tmp_path):
    written = write_sample(generate(), tmp_path)
    committed = root / "data" / "sample"
    for path in written:
        assert (committed / path.name).read_bytes() == path.read_bytes(), f"{path.name} differs: run " \
            "python -m mentorassess sample --out data/sample"


@pytest.mark.parametrize("name,mapping", SAMPLES)
def test_sample_audit_balances(root, name, mapping):
    d = root / "data" / "sample"
    before = (d / name).read_bytes()
    res = read_export(d / name, "mca-26", mapping=d / mapping if mapping else None, roster=d / "roster.csv")
    rep = res.report
    assert rep.rows_read == rep.rows_kept + sum(rep.rows_excluded.values())
    assert rep.responses_produced == rep.responses_kept + sum(rep.responses_excluded.values())
    assert len(res.responses) == rep.responses_kept
    assert res.responses["source_row"].is_unique
    assert (d / name).read_bytes() == before  # input untouched


@pytest.mark.parametrize("name,mapping", SAMPLES)
def test_cli_import_sample(root, tmp_path, capsys, name, mapping):
    d = root / "data" / "sample"
    args = ["import", str(d / name), "--instrument", "mca-26", "--roster", str(d / "roster.csv"),
            "-o", str(tmp_path / "out.csv"), "--report", str(tmp_path / "rep.json")]
    if mapping:
        args += ["--mapping", str(d / mapping)]
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code in (0, None)
    out = capsys.readouterr().out
    assert "rows read" in out and "rows kept" in out
    header = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:6] == ["response_id", "mentor_id", "rater_role", "wave", "rater_id", "submitted_at"]
    assert header[-1] == "source_row"
