"""Every malformed input in tests/data/bad/README.md exits with code 2 and a clear message.

A row's ``args`` are extra options of ``mentorassess import FILE --instrument mca-26 ... -o out.csv``,
or, when they contain the word ``FILE``, a whole command line: ``FILE`` is the row's file and a
word starting with ``OUT`` an output path in a fresh temporary folder (``OUT.csv`` -> ``out.csv``).
Each case must exit 2 with the expected text and a named input file, print no traceback and no
comment text, leave every file of the folder byte-identical and write nothing.
"""

from __future__ import annotations

import hashlib
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
        cases.append((cells[0], cells[1].strip("`"), cells[3]))
    return cases


CASES = _cases()


def _argv(name: str, args: str, out: Path) -> list[str]:
    words = shlex.split(args)
    if "FILE" not in words:
        return ["import", name, "--instrument", "mca-26", *words, "-o", str(out / "out.csv")]
    return [name if w == "FILE" else str(out / w.lower()) if w.startswith("OUT") else w for w in words]


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_at_least_40_bad_inputs():
    assert len(CASES) >= 40
    assert len({f for f, _, _ in CASES}) >= 40
    kinds = {_argv(n, a, Path("o"))[0] for n, a, _ in CASES}
    assert {"import", "instruments", "run", "score", "reports", "program", "psychometrics"} <= kinds


@pytest.mark.parametrize("name,args,expected", CASES, ids=[f"{c[0]} {c[1]}".strip() for c in CASES])
def test_bad_input_exits_2(name, args, expected, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(BAD)
    assert (BAD / name).is_file(), name
    before = _digest(BAD)
    out = tmp_path / "written"
    out.mkdir()
    with pytest.raises(SystemExit) as exc:
        main(_argv(name, args, out))
    captured = capsys.readouterr()
    err = captured.err
    assert exc.value.code == 2, err
    assert expected in err, err
    assert "Traceback" not in err
    assert "SECRET-COMMENT" not in err + captured.out
    named = [name] + [w for w in shlex.split(args) + expected.split() if w.endswith((".yaml", ".csv"))]
    named += [w for w in shlex.split(args) if len(w) > 3 and w in expected]  # a bad option value: that option
    assert any(n in err for n in named), err
    assert list(out.iterdir()) == []          # nothing written, not even a temporary file
    assert _digest(BAD) == before             # every input byte-identical, no file added


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
