"""YAML loading that remembers where each value came from.

PyYAML's ``safe_load`` forgets line numbers; error messages for instrument files and program
configs should say ``file.yaml:12``. :func:`load_yaml_with_lines` composes the node tree, builds
plain Python values from it and returns a mapping from path tuples to 1-based line numbers.

Only plain YAML is accepted: mappings, sequences and scalars (safe tags). Nesting deeper than
``MAX_DEPTH`` is refused, so a hostile file cannot exhaust the stack.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from mentorassess.errors import Problem

__all__ = ["load_yaml_with_lines", "YamlDocument", "MAX_DEPTH", "MAX_BYTES"]

MAX_DEPTH = 32
MAX_BYTES = 5_000_000


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


def _construct(node: yaml.Node, path: tuple, lines: dict, loader: yaml.SafeLoader, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _TooDeep(node.start_mark.line + 1)
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, (list, dict)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value", key_node.start_mark
                )
            if key in out:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            out[key] = _construct(value_node, path + (key,), lines, loader, depth + 1)
            lines.setdefault(path + (key,), key_node.start_mark.line + 1)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(child, path + (i,), lines, loader, depth + 1) for i, child in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


class _TooDeep(Exception):
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
                                  file=name, code="too-large")]
        raw = p.read_bytes()
        if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            return None, [Problem("this is a binary file, not YAML text", file=name, code="not-text")]
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [Problem(f"not UTF-8 text (byte {exc.start})", file=name, code="encoding",
                                  hint="save the file as UTF-8")]
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, [Problem("the file is empty", file=name, code="empty")]
        lines: dict[tuple, int] = {}
        data = _construct(node, (), lines, loader, 0)
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
    except RecursionError:
        return None, [Problem("nesting too deep", file=name, code="too-deep")]
    finally:
        loader.dispose()
    return YamlDocument(data, lines, name), []
