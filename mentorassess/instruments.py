"""Instruments as data: the model, loading, ``extends`` overrides and the built-in registry.

An instrument is a YAML file (see ``instruments/mca-26.yaml``) describing items, competencies,
the response scale, the forms (one per rater role), the scoring rule, open-ended prompts and the
published figures we compare against. :func:`load_instrument` returns a frozen
:class:`Instrument`; :func:`validate_instrument` returns every problem of a file at once.

Examples
--------
>>> from mentorassess import load_instrument
>>> mca = load_instrument("mca-26")
>>> len(mca.items), [len(c.items) for c in mca.competencies]
(26, [6, 5, 3, 5, 2, 5])
>>> mca.scale.values[0], mca.scale.values[-1]
(1, 7)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from mentorassess._instrument_schema import check_extends, check_instrument
from mentorassess._yaml import YamlDocument, load_yaml_with_lines
from mentorassess.errors import InstrumentError, Problem

__all__ = [
    "Scale", "Form", "Scoring", "Item", "Competency", "OpenEnded", "PublishedFigures", "Instrument",
    "load_instrument", "list_instruments", "validate_instrument", "builtin_instrument_dir",
]


@dataclass(frozen=True)
class Scale:
    """Response scale: consecutive integer codes, anchor labels and non-substantive answers."""

    values: tuple[int, ...]
    labels: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}))
    non_substantive: tuple[str, ...] = ()
    id: str | None = None

    @property
    def min(self) -> int:
        return self.values[0]

    @property
    def max(self) -> int:
        return self.values[-1]

    def reverse(self, x):
        """Reverse-key a value (or array): ``min + max - x``."""
        return self.min + self.max - x

    def describe(self) -> str:
        """Plain-language description, e.g. ``1 (Not at all skilled) to 7 (Extremely skilled)``."""
        lo = f"{self.min} ({self.labels[self.min]})" if self.min in self.labels else str(self.min)
        hi = f"{self.max} ({self.labels[self.max]})" if self.max in self.labels else str(self.max)
        return f"{lo} to {hi}"


@dataclass(frozen=True)
class Form:
    """A questionnaire version for one rater role (``self``, ``mentee``)."""

    id: str
    rater_role: str
    title: str | None = None
    stem: str | None = None


@dataclass(frozen=True)
class Scoring:
    """Scoring rule: the mean of answered items, scored when enough items are answered."""

    method: str = "mean"
    min_answered: float = 0.5


@dataclass(frozen=True)
class Item:
    """One rated item. ``label`` is our short paraphrase; ``text`` is licensed wording if supplied."""

    id: str
    label: str
    text: str | None = None
    reverse: bool = False
    in_total: bool = True
    tags: tuple[str, ...] = ()
    forms: tuple[str, ...] | None = None
    source: str | None = None

    @property
    def wording(self) -> str:
        """The text to show a reader: licensed wording where supplied, else our label."""
        return self.text or self.label


@dataclass(frozen=True)
class Competency:
    """A scale of items with development suggestions for mentors."""

    id: str
    title: str
    items: tuple[str, ...]
    description: str | None = None
    tags: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()


@dataclass(frozen=True)
class OpenEnded:
    """An open-ended (comment) question."""

    id: str
    prompt: str
    forms: tuple[str, ...] | None = None


@dataclass(frozen=True)
class PublishedFigures:
    """Figures a publication reports for one form (CFA fit, alphas, means...)."""

    kind: str
    source: str
    figures: Mapping[str, float]
    form: str | None = None
    n: float | None = None
    wave: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Instrument:
    """A questionnaire definition. Build it with :func:`load_instrument`."""

    id: str
    title: str
    status: str
    citation: str
    scale: Scale
    forms: Mapping[str, Form]
    scoring: Scoring
    competencies: tuple[Competency, ...]
    items: tuple[Item, ...]
    open_ended: tuple[OpenEnded, ...] = ()
    published: tuple[PublishedFigures, ...] = ()
    short_title: str | None = None
    version: str | None = None
    doi: str | None = None
    description: str | None = None
    wording_note: str | None = None
    comparability_note: str | None = None
    extends: str | None = None
    source: str | None = field(default=None, compare=False)

    @property
    def item_ids(self) -> tuple[str, ...]:
        """All item ids in instrument order."""
        return tuple(i.id for i in self.items)

    @property
    def total_item_ids(self) -> tuple[str, ...]:
        """Ids of the items that count in competency and overall scores."""
        return tuple(i.id for i in self.items if i.in_total)

    @property
    def competency_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.competencies)

    @property
    def comment_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.open_ended)

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` naming the id otherwise)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(f"instrument {self.id!r} has no item {item_id!r}")

    def competency(self, competency_id: str) -> Competency:
        """The competency with this id."""
        for comp in self.competencies:
            if comp.id == competency_id:
                return comp
        raise KeyError(f"instrument {self.id!r} has no competency {competency_id!r}")

    def competency_of(self, item_id: str) -> Competency | None:
        """The competency an item belongs to (``None`` for stand-alone items)."""
        for comp in self.competencies:
            if item_id in comp.items:
                return comp
        return None

    def structure(self) -> dict[str, list[str]]:
        """``{competency id: [item ids]}``, in instrument order."""
        return {c.id: list(c.items) for c in self.competencies}

    def published_for(self, kind: str, form: str | None = None) -> tuple[PublishedFigures, ...]:
        """Published figure sets of a kind (``"cfa"``, ``"means"``...), optionally for one form."""
        return tuple(p for p in self.published if p.kind == kind and (form is None or p.form == form))

    def items_for_form(self, form: str) -> tuple[Item, ...]:
        """Items asked on a form."""
        return tuple(i for i in self.items if i.forms is None or form in i.forms)


# --------------------------------------------------------------------------------------------
# Registry of built-ins


def builtin_instrument_dir() -> Path:
    """Folder holding the built-in instrument files.

    In an installed wheel they live in ``mentorassess/_builtin_instruments`` (copied there at
    build time); in a source checkout, in the top-level ``instruments/`` folder (the source of
    truth).
    """
    packaged = Path(__file__).resolve().parent / "_builtin_instruments"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "instruments"


def list_instruments() -> list[Instrument]:
    """All built-in instruments, sorted by id.

    Examples
    --------
    >>> [i.id for i in list_instruments()][:2]
    ['mca-21', 'mca-26']
    """
    folder = builtin_instrument_dir()
    return [load_instrument(p.stem) for p in sorted(folder.glob("*.yaml"))]


def load_instrument(id_or_path: str | Path | Instrument) -> Instrument:
    """Load a built-in instrument by id, or a user instrument from a YAML file.

    Parameters
    ----------
    id_or_path : str, Path or Instrument
        A built-in id (``"mca-26"``), or the path of a YAML file (which may ``extends:`` a
        built-in). An :class:`Instrument` is returned as is.

    Returns
    -------
    Instrument

    Raises
    ------
    InstrumentError
        Unknown id, unreadable file, or a definition with problems (all of them are listed).
    """
    if isinstance(id_or_path, Instrument):
        return id_or_path
    text = str(id_or_path)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.exists() or "/" in text or "\\" in text:
        return _load_path(str(path.resolve()) if path.exists() else text)
    return _load_builtin(text)


@lru_cache(maxsize=None)
def _load_builtin(instrument_id: str) -> Instrument:
    path = builtin_instrument_dir() / f"{instrument_id}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in builtin_instrument_dir().glob("*.yaml")))
        raise InstrumentError(f"unknown instrument {instrument_id!r}", value=instrument_id,
                              hint=f"built-in instruments: {known}; or give the path of a YAML file")
    return _load_path(str(path))


def _load_path(path: str) -> Instrument:
    data, problems = _resolve(path, chain=())
    problems = _sorted(problems)
    if problems:
        raise InstrumentError(f"{path}: {len(problems)} problem(s) in the instrument definition",
                              problems=problems, file=path)
    return _build(data, path)


def validate_instrument(path: str | Path) -> list[Problem]:
    """Every problem of an instrument file, in one list (empty when the file is valid).

    Examples
    --------
    >>> validate_instrument(builtin_instrument_dir() / "mca-26.yaml")
    []
    """
    return _sorted(_resolve(str(path), chain=())[1])


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file or "", p.line or 0))


def _resolve(path: str, chain: tuple[str, ...]) -> tuple[dict | None, list[Problem]]:
    """Read a file and, for ``extends`` files, merge it onto its base. Returns (data, problems)."""
    doc, problems = load_yaml_with_lines(path)
    if doc is None:
        return None, problems
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem("an instrument file must be a mapping of keys (id, title, items, ...)",
                              file=path, line=1, code="wrong-type")]
    if "extends" not in data:
        problems = check_instrument(doc)
        return (data if not problems else None), problems
    return _resolve_extends(doc, chain + (path,))


def _resolve_extends(doc: YamlDocument, chain: tuple[str, ...]) -> tuple[dict | None, list[Problem]]:
    data, path = doc.data, doc.path
    target = data["extends"]
    where = dict(file=path, line=doc.line(("extends",)), loc=("extends",))
    if not isinstance(target, str) or not target.strip():
        return None, [Problem("'extends' must name a built-in instrument id or a file", code="wrong-type", **where)]
    base_path = builtin_instrument_dir() / f"{target}.yaml"
    if not base_path.is_file():
        candidate = (Path(path).parent / target)
        if not candidate.is_file():
            known = ", ".join(sorted(p.stem for p in builtin_instrument_dir().glob("*.yaml")))
            return None, [Problem(f"'extends' names {target!r}, which is neither a built-in instrument nor a file",
                                  code="unknown-extends", hint=f"built-ins: {known}", value=target, **where)]
        base_path = candidate
    base_key = str(base_path.resolve())
    if base_key in chain or len(chain) > 5:
        return None, [Problem(f"'extends' chain loops back to {target!r}", code="extends-cycle", **where)]
    base, base_problems = _resolve(base_key, chain)
    if base is None:
        return None, [Problem(f"the base instrument {target!r} has problems", code="bad-base", **where),
                      *base_problems]
    ids = {s: {e["id"] for e in base.get(s) or []} for s in ("items", "competencies", "open_ended")}
    problems = check_extends(doc, ids)
    if problems:
        return None, problems
    merged = _merge(base, data)
    # Check the merged definition as a full instrument (locations refer to the merged entries).
    problems = check_instrument(YamlDocument({k: v for k, v in merged.items() if k != "extends"}, {}, path))
    return (merged if not problems else None), problems


def _merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    out["extends"] = override["extends"]
    for key, value in override.items():
        if key in ("items", "competencies", "open_ended"):
            entries = value.items() if isinstance(value, dict) else ((e["id"], e) for e in value)
            by_id = {e["id"]: e for e in out.setdefault(key, [])}
            for eid, fields in entries:
                if eid in by_id:
                    by_id[eid].update({k: v for k, v in fields.items() if k != "id"})
                else:
                    out[key].append({"id": eid, **{k: v for k, v in fields.items() if k != "id"}})
        elif key != "extends":
            out[key] = value
    return out


def _tuple(v: Any) -> tuple:
    return tuple(v) if v else ()


def _build(data: dict, source: str) -> Instrument:
    scale = data["scale"]
    scoring = data.get("scoring") or {}
    return Instrument(
        id=data["id"],
        title=data["title"],
        status=data["status"],
        citation=data["citation"],
        short_title=data.get("short_title"),
        version=data.get("version"),
        doi=data.get("doi"),
        description=data.get("description"),
        wording_note=data.get("wording_note"),
        comparability_note=data.get("comparability_note"),
        extends=data.get("extends"),
        source=source,
        scale=Scale(
            values=tuple(scale["values"]),
            labels=MappingProxyType({int(k): str(v) for k, v in (scale.get("labels") or {}).items()}),
            non_substantive=_tuple(scale.get("non_substantive")),
            id=scale.get("id"),
        ),
        forms=MappingProxyType({
            fid: Form(id=fid, rater_role=f["rater_role"], title=f.get("title"), stem=f.get("stem"))
            for fid, f in data["forms"].items()
        }),
        scoring=Scoring(method=scoring.get("method", "mean"), min_answered=float(scoring.get("min_answered", 0.5))),
        competencies=tuple(
            Competency(id=c["id"], title=c["title"], items=tuple(c["items"]), description=c.get("description"),
                       tags=_tuple(c.get("tags")), suggestions=_tuple(c.get("suggestions")))
            for c in data["competencies"]
        ),
        items=tuple(
            Item(id=i["id"], label=i["label"], text=i.get("text"), reverse=bool(i.get("reverse", False)),
                 in_total=bool(i.get("in_total", True)), tags=_tuple(i.get("tags")),
                 forms=tuple(i["forms"]) if i.get("forms") else None, source=i.get("source"))
            for i in data["items"]
        ),
        open_ended=tuple(
            OpenEnded(id=o["id"], prompt=o["prompt"], forms=tuple(o["forms"]) if o.get("forms") else None)
            for o in data.get("open_ended") or []
        ),
        published=tuple(
            PublishedFigures(kind=p["kind"], source=p["source"],
                             figures=MappingProxyType({str(k): float(v) for k, v in p["figures"].items()}),
                             form=p.get("form"), n=p.get("n"), wave=p.get("wave"), note=p.get("note"))
            for p in data.get("published") or []
        ),
    )
