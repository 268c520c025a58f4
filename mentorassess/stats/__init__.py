"""Statistics for mentorassess: reliability, factor analysis, agreement and change.

Each public function takes a DataFrame of item responses (and, where it needs the structure,
the instrument) and returns a frozen result object with ``to_frame()`` at full precision.
Submodules are imported explicitly (``from mentorassess.stats.reliability import alpha``) so
that importing this package stays cheap.
"""

__all__: list[str] = []
