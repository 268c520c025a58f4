"""mentorassess: survey-based assessment of research mentors.

Instruments as data, import of real survey exports, competency scoring with a confidentiality
rule, psychometric checks that agree with R, and feedback reports.

Examples
--------
>>> import mentorassess as m
>>> mca = m.load_instrument("mca-26")
>>> mca.title
'Mentoring Competency Assessment (26 items)'
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

# Same bytes on every machine: openpyxl serialises XML differently when lxml happens to be installed
# (python-docx brings it), so the workbooks we write would depend on the environment. Its own
# switch keeps it on the standard library's writer; set before openpyxl is first imported.
os.environ.setdefault("OPENPYXL_LXML", "False")

__version__ = "0.1.0"

from mentorassess.errors import (
    ConfigError,
    DataError,
    ImportFormatError,
    InstrumentError,
    InsufficientDataError,
    MentorAssessError,
    MentorAssessWarning,
    Problem,
    ReportError,
)
from mentorassess.instruments import Instrument, list_instruments, load_instrument, validate_instrument

# Heavy parts (pandas, numpy) load on first use, so `import mentorassess` stays light.
_LAZY = {
    "generate_sample": ("mentorassess.sample", "generate"),
    "SampleProgram": ("mentorassess.sample", "SampleProgram"),
    "read_export": ("mentorassess.io", "read_export"),
    "read_roster": ("mentorassess.io", "read_roster"),
    "ImportResult": ("mentorassess.io", "ImportResult"),
    "ImportReport": ("mentorassess.io", "ImportReport"),
    "ImportOptions": ("mentorassess.io", "ImportOptions"),
    "score": ("mentorassess.scoring", "score"),
    "Scores": ("mentorassess.scoring", "Scores"),
    "Profiles": ("mentorassess.aggregate", "Profiles"),
    "MentorProfile": ("mentorassess.aggregate", "MentorProfile"),
    "GapRule": ("mentorassess.aggregate", "GapRule"),
    "program_summary": ("mentorassess.program", "program_summary"),
    "compare_waves": ("mentorassess.stats.change", "compare_waves"),
    "psychometrics": ("mentorassess.stats.report", "psychometrics"),
    "PsychometricReport": ("mentorassess.stats.report", "PsychometricReport"),
    "render_feedback": ("mentorassess.reports.feedback", "render_feedback"),
    "render_all": ("mentorassess.reports.feedback", "render_all"),
    "load_config": ("mentorassess.config", "load_config"),
    "run_program": ("mentorassess.pipeline", "run_program"),
}

__all__ = [
    "__version__",
    "ConfigError",
    "DataError",
    "ImportFormatError",
    "InstrumentError",
    "InsufficientDataError",
    "MentorAssessError",
    "MentorAssessWarning",
    "Problem",
    "ReportError",
    "Instrument",
    "list_instruments",
    "load_instrument",
    "validate_instrument",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        return getattr(import_module(module), attr)
    raise AttributeError(f"module 'mentorassess' has no attribute {name!r}")
