"""Issue 16: every slip in tests/data/corpus/bad/README.md exits 2 with a located message.

Like ``tests/test_import_bad.py``: exit code 2, the expected text, the file named, no traceback,
nothing written and every input byte-identical. The files must be the output of ``make_bad.py``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shlex
from pathlib import Path

import pytest

from mentorassess.cli import main

BAD = Path(__file__).resolve().parent / "data" / "corpus" / "bad"


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| file") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        cases.append((cells[0], cells[1], cells[3]))
    return cases


CASES = _cases()


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_at_least_30_new_slips():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name,args,expected", CASES, ids=[f"{c[0]} {c[1]}".strip() for c in CASES])
def test_slip_exits_2_with_located_message(name, args, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(BAD)
    before = _digest(BAD)
    out = tmp_path / "written"
    out.mkdir()
    words = shlex.split(args)
    if "FILE" in words:
        argv = [name if w == "FILE" else str(out / "run") if w == "OUTDIR" else w for w in words]
    else:
        argv = ["import", name, "--instrument", "mca-26", "--roster", "roster.csv", *words, "-o", str(out / "o.csv")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert expected in " ".join(err.split()), err
    assert "Traceback" not in err
    named = ["pre_post.csv" if name.startswith("config_") else name] + [w for w in words if w.endswith(".yaml")]
    assert any(n in err for n in named), err
    assert list(out.iterdir()) == []
    assert _digest(BAD) == before


def test_files_are_the_generators_output(tmp_path):
    spec = importlib.util.spec_from_file_location("make_bad", BAD / "make_bad.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.build(tmp_path)
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted(p.name for p in BAD.iterdir() if p.suffix not in (".md", ".py"))
    for name in made:
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), name
