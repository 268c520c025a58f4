"""The public API: every exported name resolves, and `import mentorassess` stays light."""

from __future__ import annotations

import json
import subprocess
import sys

import mentorassess as m
from tests.conftest import ROOT


def test_every_public_name_resolves():
    for name in m.__all__:
        assert getattr(m, name) is not None, name


def test_import_is_light():
    code = "import sys, json, mentorassess; print(json.dumps([k for k in ('pandas', 'numpy', 'matplotlib', 'reportlab') if k in sys.modules]))"
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert json.loads(res.stdout) == []
