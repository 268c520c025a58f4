"""Ordinal items: polychoric correlations, ordinal alpha/omega and WLSMV CFA (lavaan's defaults).

>>> from mentorassess.stats.ordinal import polychoric, ordinal_reliability, cfa_wlsmv
"""

from .invariance import STEPS, OrdinalInvarianceResult, ordinal_invariance
from .longitudinal import OrdinalLongitudinalResult, ordinal_longitudinal_invariance, waves_as_groups
from .polychoric import PolychoricResult, polychoric
from .reliability import OrdinalReliabilityResult, omega_categorical, ordinal_alpha, ordinal_reliability
from .wlsmv import WLSMVResult, cfa_wlsmv

__all__ = [
    "PolychoricResult", "polychoric",
    "OrdinalReliabilityResult", "ordinal_reliability", "ordinal_alpha", "omega_categorical",
    "WLSMVResult", "cfa_wlsmv",
    "OrdinalInvarianceResult", "ordinal_invariance", "STEPS",
    "OrdinalLongitudinalResult", "ordinal_longitudinal_invariance", "waves_as_groups",
]
