"""A small lavaan-like model syntax.

Supported (one statement per line or separated by ``;``; ``#`` starts a comment):

* ``f =~ x1 + x2 + x3``: factor loadings (the first is fixed to 1 unless ``std_lv`` or ``NA*x1``);
  a factor may be indicated by other factors (second-order models);
* ``x1 ~~ x2``: a residual covariance (or variance, ``x1 ~~ x1``); ``f1 ~~ 0*f2``: orthogonal factors;
* ``x1 ~ 1``: an intercept (free by default in a mean structure; ``x1 ~ 0*1`` fixes it);
* modifiers: ``1*x`` (fixed), ``NA*x`` (free), ``a*x`` (label: equal to every parameter with the
  same label), ``c(a, b)*x`` / ``c(1, NA)*x`` (one modifier per group).

Examples
--------
>>> from mentorassess.stats.sem.syntax import parse_model
>>> [(s.lhs, s.op, s.rhs, s.fixed) for s in parse_model("f =~ x1 + 0.5*x2\\nx1 ~~ x2")]
[('f', '=~', 'x1', None), ('f', '=~', 'x2', (0.5,)), ('x1', '~~', 'x2', None)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mentorassess.errors import ConfigError, Problem

__all__ = ["Statement", "parse_model"]

_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_NUM = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


@dataclass(frozen=True)
class Statement:
    """One parameter of the model syntax. ``fixed``/``labels`` hold one entry per group, or one
    entry for all groups (``None`` = free / unlabelled)."""

    lhs: str
    op: str
    rhs: str
    fixed: tuple[float | None, ...] | None = None
    labels: tuple[str | None, ...] | None = None
    free_forced: bool = False
    line: int = 0


def _modifier(text: str, line: int) -> tuple[tuple[float | None, ...] | None, tuple[str | None, ...] | None, bool]:
    text = text.strip()
    parts = [text]
    if text.startswith("c(") and text.endswith(")"):
        parts = [t.strip() for t in text[2:-1].split(",")]
    fixed: list[float | None] = []
    labels: list[str | None] = []
    forced = False
    for t in parts:
        if t in ("NA", "na"):
            fixed.append(None)
            labels.append(None)
            forced = True
        elif _NUM.match(t):
            fixed.append(float(t))
            labels.append(None)
        elif _NAME.match(t):
            fixed.append(None)
            labels.append(t)
        else:
            raise ConfigError(f"model syntax line {line}: cannot read the modifier {text!r}",
                              problems=[Problem(f"unreadable modifier {text!r}", line=line, code="sem-syntax")])
    has_fixed = any(f is not None for f in fixed)
    has_label = any(lb is not None for lb in labels)
    return (tuple(fixed) if has_fixed else None), (tuple(labels) if has_label else None), forced


def parse_model(text: str) -> list[Statement]:
    """Parse the model syntax into statements; ConfigError naming the line for anything else.

    Regressions (``y ~ x``), defined parameters (``:=``) and constraints (``==``, ``<``) are
    not supported and raise a ConfigError.
    """
    out: list[Statement] = []
    problems: list[Problem] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        for stmt in raw.split("#", 1)[0].split(";"):
            stmt = stmt.strip()
            if not stmt:
                continue
            m = re.match(r"^([^=~]+?)\s*(=~|~~|~)\s*(.+)$", stmt)
            if not m or any(tok in stmt for tok in (":=", "==", "<", ">")):
                problems.append(Problem(f"line {lineno}: cannot read {stmt!r} (supported: =~, ~~, ~ 1)",
                                        line=lineno, code="sem-syntax"))
                continue
            lhs, op, rhs = m.group(1).strip(), m.group(2), m.group(3)
            if not _NAME.match(lhs):
                problems.append(Problem(f"line {lineno}: {lhs!r} is not a variable name", line=lineno,
                                        code="sem-syntax"))
                continue
            for term in rhs.split("+"):
                term = term.strip()
                if not term:
                    problems.append(Problem(f"line {lineno}: empty term in {stmt!r}", line=lineno, code="sem-syntax"))
                    continue
                fixed = labels = None
                forced = False
                if "*" in term:
                    mod, term = term.rsplit("*", 1)
                    term = term.strip()
                    try:
                        fixed, labels, forced = _modifier(mod, lineno)
                    except ConfigError as exc:
                        problems.extend(exc.problems)
                        continue
                this_op = op
                if op == "~":
                    if term != "1":
                        problems.append(Problem(f"line {lineno}: regressions ({stmt!r}) are not supported",
                                                line=lineno, code="sem-syntax"))
                        continue
                    this_op = "~1"
                    term = ""
                elif not _NAME.match(term):
                    problems.append(Problem(f"line {lineno}: {term!r} is not a variable name", line=lineno,
                                            code="sem-syntax"))
                    continue
                out.append(Statement(lhs, this_op, term, fixed, labels, forced, lineno))
    if problems:
        raise ConfigError(f"model syntax: {len(problems)} problem(s); first: {problems[0].message}",
                          problems=problems)
    if not any(s.op == "=~" for s in out):
        raise ConfigError("model syntax: no latent variable defined (use 'factor =~ item1 + item2 + ...')")
    return out


def structure_syntax(structure: dict[str, list[str]] | object) -> str:
    """Model syntax of a simple structure ``{factor: [items]}`` (an instrument's competencies)."""
    from mentorassess.stats._common import structure_of

    return "\n".join(f"{f} =~ {' + '.join(its)}" for f, its in structure_of(structure).items())
