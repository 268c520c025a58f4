"""Reports: the mentor feedback PDF (and, later, the program and psychometric reports).

Shared machinery lives in :mod:`~mentorassess.reports.pdf` (fonts, styles, tables, pages) and
:mod:`~mentorassess.reports.charts` (chart functions taking plain numbers). Importing this package
is light; reportlab loads when a report is rendered.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "render_feedback": ("mentorassess.reports.feedback", "render_feedback"),
    "render_all": ("mentorassess.reports.feedback", "render_all"),
    "ReportOptions": ("mentorassess.reports.feedback", "ReportOptions"),
    "RenderSummary": ("mentorassess.reports.feedback", "RenderSummary"),
    "FeedbackData": ("mentorassess.reports._view", "FeedbackData"),
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'mentorassess.reports' has no attribute {name!r}")
