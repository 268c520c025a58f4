"""Escaping of user text against formula (CSV) injection.

Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and some treat
tab, CR, LF as such too). Every string cell we write to CSV or XLSX that starts with one of these,
or with ``'`` itself, gets one leading ``'``; our own readers of canonical files drop exactly one
leading ``'``, so the round trip is exact. Numbers stay numbers.

Examples
--------
>>> escape_cell("=HYPERLINK(1)")
"'=HYPERLINK(1)"
>>> unescape_cell(escape_cell("'quoted"))
"'quoted"
>>> escape_cell(-3)
-3
"""

from __future__ import annotations

from typing import Any

__all__ = ["escape_cell", "unescape_cell", "DANGEROUS_PREFIXES"]

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "'")


def escape_cell(value: Any) -> Any:
    """Prefix a string that a spreadsheet could read as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def unescape_cell(value: Any) -> Any:
    """Undo :func:`escape_cell`: drop exactly one leading ``'`` that guards a dangerous prefix."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(DANGEROUS_PREFIXES):
        return value[1:]
    return value
