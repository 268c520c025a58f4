"""YAML loading that remembers where each value came from.

PyYAML's ``safe_load`` forgets line numbers; error messages for instrument files and program
configs should say ``file.yaml:12``. :func:`load_yaml_with_lines` composes the node tree, builds
plain Python values from it and returns a mapping from path tuples to 1-based line numbers.

Only plain YAML is accepted: mappings, sequences and scalars (safe tags). Hostile files cannot
exhaust the machine: nesting deeper than ``MAX_DEPTH`` is refused (the stack), files over
``MAX_BYTES`` are refused before parsing, and a document whose values, with every alias expanded,
number more than ``MAX_NODES`` is refused while it is being built (an "alias bomb": a few hundred
bytes whose anchors refer to anchors nine times over expand to hundreds of millions of values).
A scalar that looks like a date but is not one (``2026-13-45``) stays text, so the caller can
report it together with the file's other problems.

Examples
--------
>>> bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\\n" + "".join(
...     f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\\n" for p, c in zip("abcdefgh", "bcdefghi"))
>>> doc, problems = load_yaml_with_lines("bomb.yaml", text=bomb)
>>> doc is None, problems[0].code
(True, 'too-many-values')
>>> load_yaml_with_lines("c.yaml", text="report_date: 2026-13-45\\n")[0].data
{'report_date': '2026-13-45'}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mentorassess.errors import Problem

__all__ = ["load_yaml_with_lines", "YamlDocument", "MAX_DEPTH", "MAX_BYTES", "MAX_NODES"]

MAX_DEPTH = 32
MAX_BYTES = 1_000_000
MAX_NODES = 100_000


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader whose impossible dates stay text instead of raising ValueError.

    libyaml's parser (PyYAML's ``CSafeLoader``, in every PyYAML wheel) where present: the same
    nodes and marks, composed about ten times faster than by the pure-Python scanner (a 26-item
    instrument: 0.13 s -> 0.01 s); it refuses nesting deeper than 1,000 levels itself.
    """


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class YamlDocument:
    """A parsed YAML document: ``data`` plus ``lines`` (path tuple -> line number)."""

    __slots__ = ("data", "lines", "path")

    def __init__(self, data: Any, lines: dict[tuple, int], path: str) -> None:
        self.data = data
        self.lines = lines
        self.path = path

    def line(self, loc: tuple) -> int | None:
        """Line of ``loc`` or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return None
            loc = loc[:-1]


def _construct(node: yaml.Node, path: tuple, lines: dict, loader: yaml.SafeLoader, depth: int,
               budget: list[int]) -> Any:
    if depth > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    budget[0] -= 1
    if budget[0] < 0:  # every alias is expanded again below: count what the expansion builds
        raise _TooMany(node.start_mark.line + 1)
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            if key in out:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            out[key] = _construct(value_node, path + (key,), lines, loader, depth + 1, budget)
            lines.setdefault(path + (key,), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(child, path + (i,), lines, loader, depth + 1, budget) for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _TooMany(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


def load_yaml_with_lines(path: str | Path, *, text: str | None = None) -> tuple[YamlDocument | None, list[Problem]]:
    """Read a YAML file; return the document and any problems that stopped reading it.

    Parameters
    ----------
    path : str or Path
        File to read (also used in messages).
    text : str, optional
        Content to parse instead of reading ``path``.

    Returns
    -------
    (YamlDocument or None, list of Problem)
        The document is ``None`` when the file could not be read or parsed.
    """
    name = str(path)
    if text is None:
        p = Path(path)
        try:
            size = p.stat().st_size
        except OSError as exc:
            return None, [Problem(f"cannot read the file: {exc.strerror or exc}", file=name, code="unreadable",
                                  hint="check the path")]
        if size > MAX_BYTES:
            return None, [Problem(f"file is {size:,} bytes; YAML files over {MAX_BYTES:,} bytes are refused",
                                  file=name, code="too-large",
                                  hint="configuration, mapping and instrument files are a few kilobytes")]
        raw = p.read_bytes()
        if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, [Problem("this is a binary file, not YAML text", file=name, code="not-text")]
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [Problem(f"not UTF-8 text (byte {exc.start})", file=name, code="encoding",
                                  hint="save the file as UTF-8")]
    if len(text) > MAX_BYTES:
        return None, [Problem(f"the text has {len(text):,} characters; YAML documents over {MAX_BYTES:,} are refused",
                              file=name, code="too-large")]
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem("the file is empty", file=name, code="empty")]
        lines: dict[tuple, int] = {}
        data = _construct(node, (), lines, loader, 0, [MAX_NODES])
    except _TooMany as exc:
        return None, [Problem(f"the document expands to more than {MAX_NODES:,} values (anchors and aliases "
                              "repeated inside each other)", file=name, line=exc.line, code="too-many-values",
                              hint="write the values out instead of nesting aliases; a configuration, mapping or "
                                   "instrument file needs far fewer")]
    except _TooDeep as exc:
        return None, [Problem(f"nesting deeper than {MAX_DEPTH} levels", file=name, line=exc.line, code="too-deep")]
    except _DuplicateKey as exc:
        return None, [Problem(f"key {exc.key!r} appears twice in the same mapping", file=name, line=exc.line,
                              code="duplicate-key")]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        return None, [Problem(f"invalid YAML: {what}", file=name, line=line, code="yaml-syntax")]
    except yaml.YAMLError as exc:
        return None, [Problem(f"invalid YAML: {exc}", file=name, code="yaml-syntax")]
    except (ValueError, TypeError, OverflowError) as exc:  # a value PyYAML cannot build
        return None, [Problem(f"invalid value: {exc}", file=name, code="yaml-value")]
    except RecursionError:
        return None, [Problem("nesting too deep", file=name, code="too-deep")]
    finally:
        loader.dispose()
    return YamlDocument(data, lines, name), []
