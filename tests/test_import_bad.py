"""Every malformed input in tests/data/bad/README.md exits with code 2 and a clear message."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from mentorassess.cli import main

BAD = Path(__file__).resolve().parent / "data" / "bad"


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for line in (BAD / "README.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("| file") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        cases.append((cells[0], cells[1], cells[3]))
    return cases


CASES = _cases()


def test_at_least_25_bad_inputs():
    assert len(CASES) >= 25
    assert len({f for f, _, _ in CASES}) >= 25


@pytest.mark.parametrize("name,args,expected", CASES, ids=[f"{c[0]} {c[1]}".strip() for c in CASES])
def test_bad_input_exits_2(name, args, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(BAD)
    before = (BAD / name).read_bytes()
    argv = ["import", name, "--instrument", "mca-26", *shlex.split(args), "-o", str(tmp_path / "out.csv")]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2, err
    assert expected in err, err
    assert "Traceback" not in err
    assert "SECRET-COMMENT" not in err
    named = [name] + [a for a in shlex.split(args) if a.endswith((".yaml", ".csv"))]
    assert any(n in err for n in named), err
    assert not (tmp_path / "out.csv").exists()
    assert (BAD / name).read_bytes() == before


@pytest.mark.parametrize("ext", [".csv", ".xlsx", ".sav", ".tsv", ".txt"])
def test_random_bytes_never_crash(ext, tmp_path, capsys):
    import random

    rng = random.Random(ext)
    for k in range(8):
        data = bytes(rng.randrange(256) for _ in range(rng.choice([1, 17, 300, 5000])))
        if k % 2:  # printable noise with separators, quotes and line breaks
            data = bytes(rng.choice(b'abc,;\t"\n\r 0123456789\xc3\xa9') for _ in range(2000))
        path = tmp_path / f"noise{k}{ext}"
        path.write_bytes(data)
        with pytest.raises(SystemExit) as exc:
            main(["import", str(path), "--instrument", "mca-26", "-o", str(tmp_path / "o.csv")])
        err = capsys.readouterr().err
        assert exc.value.code == 2, err
        assert "Traceback" not in err and path.name in err
