"""Structural equation models beyond simple structure (issue 20): lavaan-like syntax, ML, FIML,
MLR, multi-group measurement invariance, omega from bifactor models."""

from mentorassess.stats.sem.fit import SemFit, fit_sem
from mentorassess.stats.sem.syntax import parse_model, structure_syntax

__all__ = ["SemFit", "fit_sem", "parse_model", "structure_syntax"]
