"""Regression tests for defects the hardening pass found (one test per defect)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mentorassess.cli import main

BAD = Path(__file__).resolve().parent / "data" / "bad"


def test_config_format_canonical_reads_a_canonical_file(tmp_path):
    """config.py accepted `format: canonical` but read_export refused it ("unknown format")."""
    from mentorassess.io import read_export

    shutil.copy(BAD / "resp_ok.csv", tmp_path / "responses.csv")
    res = read_export(tmp_path / "responses.csv", "mca-26", format="canonical")
    assert res.report.rows_read == res.report.rows_kept == 8


@pytest.mark.parametrize("command", ["score", "reports", "program", "psychometrics"])
def test_canonical_responses_are_checked_by_every_command(command, tmp_path, capsys):
    """Unknown roles, duplicate columns and header-only files were accepted (exit 0) or crashed (exit 1)."""
    for name, expected in [("resp_unknown_role.csv", "'boss' are not forms of mca-26"),
                           ("resp_duplicate_column.csv", "column name appears twice"),
                           ("resp_header_only.csv", "no responses"),
                           ("resp_off_scale.csv", "not codes of the scale 1-7")]:
        out = tmp_path / name
        argv = {"score": ["score", str(BAD / name), "-i", "mca-26", "-o", str(out / "s.csv")],
                "reports": ["reports", str(BAD / name), "-i", "mca-26", "--out", str(out)],
                "program": ["program", str(BAD / name), "--instrument", "mca-26", "--out", str(out)],
                "psychometrics": ["psychometrics", str(BAD / name), "--instrument", "mca-26"]}[command]
        with pytest.raises(SystemExit) as exc:
            main(argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2, (name, err)
        assert expected in err and name in err
        assert not out.exists()


def test_canonical_csv_quotes_a_bare_carriage_return(tmp_path):
    """A comment holding a bare CR was written unquoted; reading it back split the row (values shifted)."""
    import pandas as pd

    from mentorassess.io.canonical import read_csv, write_csv

    df = pd.DataFrame({"response_id": ["a", "b", "c"], "wave": ["pre"] * 3, "text": ["x", "\rCR", "y\r\nz\r"],
                       "n": [1, 2, 3]})
    write_csv(df, tmp_path / "c.csv")
    back = read_csv(tmp_path / "c.csv")
    assert len(back) == 3 and back["text"].tolist() == df["text"].tolist() and back["n"].tolist() == [1, 2, 3]
