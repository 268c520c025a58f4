"""Every command and code example in the README runs (on a copy of the sample data)."""

from __future__ import annotations

import re
import shlex
import shutil
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    """Fenced code blocks of a language (also those indented inside list items), dedented."""
    blocks, current, inside = [], [], None
    for line in README.splitlines():
        fence = line.strip()
        if fence.startswith("```"):
            if inside is None:
                inside, current = fence[3:].strip(), []
            else:
                if inside == lang:
                    blocks.append("\n".join(current) + "\n")
                inside = None
        elif inside is not None:
            current.append(line)
    import textwrap

    return [textwrap.dedent(b) for b in blocks]


def _commands() -> list[str]:
    """`mentorassess ...` lines of the README's bash blocks (continuations joined, no placeholders)."""
    out = []
    for block in _blocks("bash") + _blocks(""):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("mentorassess ") and "[" not in line and " FILE" not in line:
                out.append(line)
    return out


def test_readme_has_the_two_quick_start_commands():
    assert "pip install -c constraints.txt . && .venv/bin/mentorassess demo" in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = ('python3 -m venv .venv && .venv/bin/pip install -q -c constraints.txt ".[test]" '
                '&& .venv/bin/python -m pytest -q')
    assert test_cmd in README and test_cmd in ci


def test_constraints_pin_every_dependency():
    """constraints.txt pins (==) every runtime and test dependency that pyproject.toml names (issue 17)."""
    import re
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*meta["dependencies"], *meta["optional-dependencies"]["test"]]
    names = {re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower().replace("_", "-") for d in wanted}
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not a pin: {line}"
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    assert not names - set(pins), sorted(names - set(pins))
    assert "mentorassess" not in pins


@pytest.mark.parametrize("command", _commands())
def test_readme_command_runs(command, tmp_path):
    shutil.copytree(ROOT / "data" / "sample", tmp_path / "data" / "sample")
    args = shlex.split(command)[1:]
    res = run_cli(*args, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, f"{command}\n{res.stderr[-2000:]}"


def test_readme_commands_found():
    cmds = _commands()
    assert any(c.startswith("mentorassess run ") for c in cmds)
    assert any(c.startswith("mentorassess import ") for c in cmds)


def test_readme_python_examples_run():
    blocks = _blocks("python")
    assert blocks
    for code in blocks:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(code, "README.md", "exec"), {})


def test_readme_program_yaml_is_the_sample_config():
    block = next(b for b in _blocks("yaml") if b.startswith("program:"))
    committed = (ROOT / "data" / "sample" / "program.yaml").read_text(encoding="utf-8")
    for line in block.splitlines():
        assert line.strip() in committed, line
