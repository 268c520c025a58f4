"""Program configuration: validation reports every problem at once, paths relative to the file."""

from __future__ import annotations

import datetime as dt

import pytest

from mentorassess.config import load_config
from mentorassess.scoring import order_waves
from mentorassess.errors import ConfigError


def _write(tmp_path, text, files=("mentee_pre.csv", "self_pre.csv", "roster.csv")):
    for name in files:
        (tmp_path / name).write_text("x\n1\n", encoding="utf-8")
    path = tmp_path / "program.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
program: Graduate School Mentoring Program
instrument: mca-26
roster: roster.csv
report_date: 2026-06-30
waves:
  - {id: pre, type: pre, label: Before training}
  - {id: post, type: post}
exports:
  - {path: mentee_pre.csv, role: mentee, wave: pre}
  - {path: self_pre.csv, role: self, wave: pre, format: qualtrics}
min_raters: 4
min_raters_comments: 5
outputs: [feedback, workbook]
out: out
"""


def test_good_config(tmp_path):
    cfg = load_config(_write(tmp_path, GOOD))
    assert cfg.program == "Graduate School Mentoring Program"
    assert cfg.instrument.id == "mca-26"
    assert cfg.roster == (tmp_path / "roster.csv").resolve()
    assert cfg.exports[1].format == "qualtrics" and cfg.exports[0].path.parent == tmp_path.resolve()
    assert [w.id for w in cfg.waves] == ["pre", "post"] and cfg.waves[0].label == "Before training"
    assert cfg.report_date == dt.date(2026, 6, 30)
    assert (cfg.min_raters, cfg.min_raters_comments) == (4, 5)
    assert cfg.outputs == ("feedback", "workbook") and cfg.out == (tmp_path / "out").resolve()
    assert cfg.show_names is False


def test_three_mistakes_in_one_message(tmp_path):
    text = GOOD.replace("mentee_pre.csv", "missing.csv").replace("min_raters: 4", "min_raters: 2") \
        .replace("  - {id: post, type: post}", "  - {id: pre, type: post}")
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, text))
    codes = [p.code for p in info.value.problems]
    assert sorted(codes) == ["bad-threshold", "duplicate-wave", "missing-file"]
    message = str(info.value)
    assert "3 problem(s)" in message and "missing.csv" in message and "named twice" in message
    assert all(p.line for p in info.value.problems)


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (("instrument: mca-26", "instrument: mca-99"), "bad-instrument"),
        (("min_raters: 4", "min_raters: 4\ncolour: red"), "unknown-key"),
        (("role: mentee", "role: peer"), "bad-role"),
        (("wave: pre}", "wave: later}"), "unknown-wave"),
        (("format: qualtrics", "format: sas"), "bad-format"),
        (("outputs: [feedback, workbook]", "outputs: [feedback, slides]"), "bad-output"),
        (("report_date: 2026-06-30", "report_date: someday"), "bad-date"),
        (("min_raters_comments: 5", "min_raters_comments: 2"), "bad-threshold"),
        (("self_pre.csv, role", "mentee_pre.csv, role"), "duplicate-export"),
    ],
)
def test_each_problem(tmp_path, edit, code):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, GOOD.replace(*edit)))
    assert code in {p.code for p in info.value.problems}


def test_missing_required_keys(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(_write(tmp_path, "out: x\n"))
    assert {p.code for p in info.value.problems} == {"missing-key"}
    assert len(info.value.problems) == 3


def test_not_yaml(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\x00\x01\x02garbage" * 10)
    with pytest.raises(ConfigError):
        load_config(path)


def test_wave_order_default():
    assert order_waves(["post", "pre"]) == ("pre", "post")
    assert order_waves(["2026-spring", "2025-fall"]) == ("2026-spring", "2025-fall")  # never string-sorted
    assert order_waves(["post", "retrospective_pre", "follow_up", "pre"]) == (
        "pre", "retrospective_pre", "post", "follow_up")
