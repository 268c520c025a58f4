"""Crash safety: `mentorassess run` killed with SIGKILL at seeded random moments.

After each kill the output folder holds either the previous complete set (same hashes) or nothing;
a folder with run-summary.json always has every listed output with its listed hash. Temporary
folders a kill leaves beside the output (``.out.*``) are removed by the next run. Inputs stay
byte-identical throughout.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import _harden_helpers as H

ROOT = Path(__file__).resolve().parent.parent
KILLS = 8


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _start(cfg: Path, out: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "mentorassess", "run", str(cfg), "--out", str(out), "--jobs", "1"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _consistent(out: Path) -> None:
    summary = json.loads((out / "run-summary.json").read_text(encoding="utf-8"))
    for entry in summary["outputs"]:
        assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"], entry["path"]


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_at_random_points_leaves_previous_set_or_nothing(tmp_path):
    cfg = H.write_program(tmp_path / "in", 3, extra="outputs: [feedback, program, workbook]\n")
    inputs = _digest(tmp_path / "in")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    first = _start(cfg, out)
    assert first.wait(timeout=300) == 0, first.stderr.read().decode()
    duration = time.perf_counter() - t0
    complete = _digest(out)
    _consistent(out)
    rng = random.Random(20261125)
    points = sorted(rng.uniform(0.1, 1.05) * duration for _ in range(KILLS))
    outcomes = []
    for delay in points:
        proc = _start(cfg, out)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        code = proc.wait(timeout=60)
        if out.exists():
            assert _digest(out) == complete, f"partial set after a kill at {delay:.2f} s"
            _consistent(out)
        outcomes.append((round(delay, 2), code, out.exists()))
        strays = [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]
        for s in strays:                       # hidden, never the output folder itself
            assert s.name != "out"
        assert _digest(tmp_path / "in") == inputs
    # the next run removes every stray temporary folder and writes the same complete set
    last = _start(cfg, out)
    assert last.wait(timeout=300) == 0, last.stderr.read().decode()
    assert _digest(out) == complete
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in", "out"], outcomes
    assert _digest(tmp_path / "in") == inputs


def test_remove_strays_only_touches_our_temporary_names(tmp_path):
    """Only folders with our name pattern AND our marker file go; a user's look-alikes stay (issue 17)."""
    from mentorassess._files import TEMP_MARKER, atomic_dir, remove_strays

    for name in (".out.abcd1234", ".out.old.zz_9xy12"):      # ours: left by a killed run
        (tmp_path / name).mkdir()
        (tmp_path / name / TEMP_MARKER).write_text("x")
    for name in (".out.20260101", ".out.backup_1", ".out.keepme"):  # a user's folders beside the output
        (tmp_path / name).mkdir()
        (tmp_path / name / "precious.txt").write_text("keep")
    (tmp_path / ".other.abcd1234").mkdir()          # another target's
    (tmp_path / ".other.abcd1234" / TEMP_MARKER).write_text("x")
    (tmp_path / "out.abcd1234").mkdir()             # not hidden
    (tmp_path / ".out.link0000").symlink_to(tmp_path / ".out.20260101")
    assert sorted(p.name for p in remove_strays(tmp_path / "out")) == [".out.abcd1234", ".out.old.zz_9xy12"]
    (tmp_path / ".out.qwer5678").mkdir()
    (tmp_path / ".out.qwer5678" / TEMP_MARKER).write_text("x")
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "f.txt").write_text("x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.abcd1234", ".out.20260101", ".out.backup_1",
                                                          ".out.keepme", ".out.link0000", "out", "out.abcd1234"]
    for name in (".out.20260101", ".out.backup_1", ".out.keepme"):
        assert (tmp_path / name / "precious.txt").read_text() == "keep"
