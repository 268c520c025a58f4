"""Modules import only along the pipeline: errors <- instruments <- io <- scoring <- stats <- reports <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "mentorassess"

# Lower number = lower layer. A module may import its own layer or lower ones.
LAYERS = {
    "errors": 0, "_safe": 0, "_files": 0, "_yaml": 0, "_checks": 0, "_procs": 0, "_forked": 0, "_factorize": 0,
    "_instrument_schema": 1, "instruments": 1,
    "io": 2, "sample": 2,
    "scoring": 3, "aggregate": 3, "suppression": 3, "program": 3, "release": 3,
    "stats": 4, "history": 4,
    "reports": 5,
    "config": 6, "pipeline": 6, "demo": 6, "_run_psych": 6, "_run_import": 6,
    "commands": 7, "cli": 7, "__main__": 7, "__init__": 7, "web": 7,
}


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if parts[0] != "mentorassess" or len(parts) == 1:
        return None
    return LAYERS.get(parts[1].removesuffix(".py"), 3)


def test_no_import_against_the_pipeline():
    bad = []
    for path in PKG.rglob("*.py"):
        rel = path.relative_to(PKG.parent).with_suffix("")
        own = _layer(".".join(rel.parts)) if rel.parts[-1] != "__init__" or len(rel.parts) > 2 else 7
        if own is None:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                target = _layer(name)
                if target is not None and target > own:
                    bad.append(f"{rel}: imports {name}")
    assert not bad, "\n".join(bad)


def test_no_assert_in_library_code():
    offenders = [f"{p.relative_to(PKG)}:{n.lineno}" for p in PKG.rglob("*.py")
                 for n in ast.walk(ast.parse(p.read_text(encoding="utf-8"))) if isinstance(n, ast.Assert)]
    assert not offenders, offenders


# Modules that build what a mentor, a director or staff receive: they take released objects
# (Profiles, ProgramTables) only, never responses or scored responses (issue 15, one release layer).
RELEASE_CONSUMERS = ["reports/feedback.py", "reports/_profile.py", "reports/_view.py", "reports/program.py",
                     "reports/_program_charts.py", "reports/workbook.py", "reports/charts.py", "reports/wording.py",
                     "program.py", "program_tables.py", "stats/program_data.py", "reports/_trajectory.py",
                     "reports/_program_history.py", "reports/_document.py", "reports/_claims.py", "reports/rules.py",
                     "stats/precision/released.py", "reports/_program_change.py"]
# What they may import from the lower layers: constants and the released types.
ALLOWED_LOW = {"mentorassess.scoring": {"OVERALL"}, "mentorassess.aggregate": {
    "Profiles", "MentorProfile", "BELOW_MIN_RATERS", "TOO_FEW_VALID", "ProfileSettings", "GapRule"}}
FORBIDDEN = ("mentorassess.io", "mentorassess.sample", "mentorassess.release.counting")


def test_reports_consume_released_objects_only():
    bad = []
    for rel in RELEASE_CONSUMERS:
        path = PKG / rel
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module.startswith(FORBIDDEN):
                    bad.append(f"{rel}: imports {node.module}")
                allowed = ALLOWED_LOW.get(node.module)
                if allowed is not None:
                    extra = {a.name for a in node.names} - allowed
                    if extra:
                        bad.append(f"{rel}: imports {sorted(extra)} from {node.module}")
            elif isinstance(node, ast.Import):
                bad += [f"{rel}: imports {a.name}" for a in node.names if a.name.startswith(FORBIDDEN)]
            elif isinstance(node, ast.Name) and node.id == "Scores":
                bad.append(f"{rel}:{node.lineno}: uses Scores (responses) instead of a released object")
    assert not bad, "\n".join(bad)


def test_reports_read_the_history_only_as_released_trajectories():
    """Across cycles, reports receive ``history.trajectory`` objects (released ledger entries), never the store."""
    bad = []
    for path in (PKG / "reports").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            bad += [f"{path.name}: imports {m}" for m in mods
                    if m.startswith("mentorassess.history") and m != "mentorassess.history.trajectory"]
    assert not bad, bad
