"""Validation of instrument definitions (hand-written checks that report every problem).

Why hand-written rather than jsonschema or pydantic: the rules that matter most here are
cross-references (an item in two competencies, a competency naming a missing item, a label
outside the scale, an ``extends`` target), which neither library expresses without custom code,
and their generic messages ("'x' is not of type 'array'") are harder for evaluation staff to act
on than ours. The checks below collect every problem with its YAML path and line number, in the
spirit of pandera's lazy validation.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from mentorassess._yaml import YamlDocument
from mentorassess.errors import Problem

__all__ = ["check_instrument", "check_extends", "STATUSES", "PUBLISHED_KINDS"]

STATUSES = ("validated", "provisional", "our-design")
PUBLISHED_KINDS = ("cfa", "efa", "reliability", "means", "sds", "other")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_INSTRUMENT_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_mapping(v: Any) -> bool:
    return isinstance(v, dict)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


_TYPE_NAMES = {
    _is_str: "a non-empty text",
    _is_str_list: "a list of texts",
    _is_bool: "true or false",
    _is_number: "a number",
    _is_mapping: "a mapping",
    _is_list: "a list",
}

Spec = dict[str, tuple[Callable[[Any], bool], bool]]  # key -> (check, required)

TOP: Spec = {
    "id": (_is_str, True), "title": (_is_str, True), "short_title": (_is_str, False),
    "version": (_is_str, False), "status": (_is_str, True), "citation": (_is_str, True),
    "doi": (_is_str, False), "description": (_is_str, False), "wording_note": (_is_str, False),
    "comparability_note": (_is_str, False), "scale": (_is_mapping, True), "forms": (_is_mapping, True),
    "scoring": (_is_mapping, False), "competencies": (_is_list, True), "items": (_is_list, True),
    "open_ended": (_is_list, False), "published": (_is_list, False),
}
SCALE: Spec = {"id": (_is_str, False), "values": (_is_list, True), "labels": (_is_mapping, False),
               "non_substantive": (_is_str_list, False)}
FORM: Spec = {"rater_role": (_is_str, True), "title": (_is_str, False), "stem": (_is_str, False)}
SCORING: Spec = {"method": (_is_str, False), "min_answered": (_is_number, False)}
COMPETENCY: Spec = {"id": (_is_str, True), "title": (_is_str, True), "description": (_is_str, False),
                    "items": (_is_str_list, True), "tags": (_is_str_list, False),
                    "suggestions": (_is_str_list, False)}
ITEM: Spec = {"id": (_is_str, True), "label": (_is_str, True), "text": (_is_str, False),
              "reverse": (_is_bool, False), "in_total": (_is_bool, False), "tags": (_is_str_list, False),
              "forms": (_is_str_list, False), "source": (_is_str, False)}
OPEN_ENDED: Spec = {"id": (_is_str, True), "prompt": (_is_str, True), "forms": (_is_str_list, False)}
PUBLISHED: Spec = {"kind": (_is_str, True), "form": (_is_str, False), "source": (_is_str, True),
                   "n": (_is_number, False), "wave": (_is_str, False), "figures": (_is_mapping, True),
                   "note": (_is_str, False)}
# What an ``extends:`` file may say at the top level: wording, titles and additions only.
EXTENDS_TOP = ("extends", "id", "title", "short_title", "version", "description", "wording_note",
               "comparability_note", "citation", "items", "competencies", "open_ended")
ITEM_OVERRIDABLE = ("label", "text", "tags")
COMPETENCY_OVERRIDABLE = ("title", "description", "suggestions", "tags")
OPEN_ENDED_OVERRIDABLE = ("prompt",)


class _Collector:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def add(self, loc: tuple, message: str, code: str, hint: str | None = None, value: Any = None) -> None:
        self.problems.append(Problem(message, file=self.doc.path, line=self.doc.line(loc), loc=loc,
                                     code=code, hint=hint, value=value))

    def mapping(self, obj: Any, spec: Spec, loc: tuple, what: str) -> bool:
        """Check keys and types of one mapping; return False if it is not a mapping at all."""
        if not isinstance(obj, dict):
            self.add(loc, f"{what} must be a mapping", "wrong-type")
            return False
        for key in obj:
            if key not in spec:
                close = [k for k in spec if _similar(str(key), k)]
                hint = f"did you mean {close[0]!r}?" if close else f"allowed keys: {', '.join(spec)}"
                self.add(loc + (key,), f"unknown key {key!r} in {what}", "unknown-key", hint=hint)
        for key, (check, required) in spec.items():
            if key not in obj:
                if required:
                    self.add(loc, f"{what} is missing the required key {key!r}", "missing-key")
            elif not check(obj[key]):
                self.add(loc + (key,), f"{key!r} must be {_TYPE_NAMES[check]}", "wrong-type")
        return True


def _similar(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if abs(len(a) - len(b)) > 2:
        return False
    common = sum(1 for x, y in zip(a, b) if x == y)
    return common >= max(len(a), len(b)) - 2 and len(a) > 3


def check_instrument(doc: YamlDocument) -> list[Problem]:
    """Return every problem of a full (not ``extends``) instrument definition."""
    c = _Collector(doc)
    data = doc.data
    if not c.mapping(data, TOP, (), "the instrument"):
        return c.problems
    iid = data.get("id")
    if _is_str(iid) and not _INSTRUMENT_ID.match(iid):
        c.add(("id",), f"instrument id {iid!r} must be lower case letters, digits, '-', '_' or '.'", "bad-id")
    if _is_str(data.get("status")) and data["status"] not in STATUSES:
        c.add(("status",), f"status {data['status']!r} is not one of {', '.join(STATUSES)}", "bad-status")
    values = _check_scale(c, data.get("scale"))
    forms = _check_forms(c, data.get("forms"))
    _check_scoring(c, data.get("scoring"))
    item_ids = _check_items(c, data.get("items"), forms)
    _check_competencies(c, data.get("competencies"), item_ids, data.get("items"))
    _check_open_ended(c, data.get("open_ended"), forms)
    _check_published(c, data.get("published"), forms)
    del values
    return c.problems


def _check_scale(c: _Collector, scale: Any) -> list[int]:
    if not isinstance(scale, dict) or not c.mapping(scale, SCALE, ("scale",), "scale"):
        return []
    values = scale.get("values")
    if not isinstance(values, list):
        return []
    if len(values) < 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        c.add(("scale", "values"), "scale values must be at least two whole numbers", "bad-scale")
        return []
    if values != sorted(set(values)):
        c.add(("scale", "values"), "scale values must be ascending without repeats", "bad-scale")
    if values != list(range(values[0], values[-1] + 1)):
        c.add(("scale", "values"), "scale values must be consecutive whole numbers", "bad-scale",
              hint="reverse keying computes min + max - x")
    for key in (scale.get("labels") or {}):
        if key not in values:
            c.add(("scale", "labels", key), f"label for {key!r} is outside the scale {values[0]}..{values[-1]}",
                  "label-outside-scale")
        elif not _is_str(scale["labels"][key]):
            c.add(("scale", "labels", key), "a scale label must be a non-empty text", "wrong-type")
    return values


def _check_forms(c: _Collector, forms: Any) -> set[str]:
    if not isinstance(forms, dict):
        return set()
    if not forms:
        c.add(("forms",), "an instrument needs at least one form", "no-forms")
    for fid, form in forms.items():
        if not (isinstance(fid, str) and _ID.match(fid)):
            c.add(("forms", fid), f"form id {fid!r} must be snake_case", "bad-id")
        c.mapping(form, FORM, ("forms", fid), f"form {fid!r}")
    return {f for f in forms if isinstance(f, str)}


def _check_scoring(c: _Collector, scoring: Any) -> None:
    if scoring is None or not c.mapping(scoring, SCORING, ("scoring",), "scoring"):
        return
    if scoring.get("method", "mean") != "mean":
        c.add(("scoring", "method"), f"scoring method {scoring['method']!r} is not supported", "bad-scoring",
              hint="use 'mean'")
    share = scoring.get("min_answered")
    if _is_number(share) and not 0 < share <= 1:
        c.add(("scoring", "min_answered"), f"min_answered must be a share in (0, 1]; got {share}", "bad-scoring")


def _check_ids(c: _Collector, entries: list, section: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not _is_str(entry.get("id")):
            continue
        eid = entry["id"]
        if not _ID.match(eid):
            c.add((section, i, "id"), f"id {eid!r} must be snake_case (lower case, digits, '_')", "bad-id")
        if eid in seen:
            c.add((section, i, "id"), f"duplicate id {eid!r} (also entry {seen[eid]})", "duplicate-id")
        else:
            seen[eid] = i
            out.append(eid)
    return out


def _check_items(c: _Collector, items: Any, forms: set[str]) -> list[str]:
    if not isinstance(items, list):
        return []
    if not items:
        c.add(("items",), "an instrument needs at least one item", "no-items")
    for i, item in enumerate(items):
        if c.mapping(item, ITEM, ("items", i), f"item {i}"):
            for f in item.get("forms") or []:
                if forms and f not in forms:
                    c.add(("items", i, "forms"), f"item names the unknown form {f!r}", "unknown-form")
    return _check_ids(c, items, "items")


def _check_competencies(c: _Collector, comps: Any, item_ids: list[str], items: Any) -> None:
    if not isinstance(comps, list):
        return
    if not comps:
        c.add(("competencies",), "an instrument needs at least one competency", "no-competencies")
    owner: dict[str, str] = {}
    for i, comp in enumerate(comps):
        if not c.mapping(comp, COMPETENCY, ("competencies", i), f"competency {i}"):
            continue
        members = comp.get("items")
        if isinstance(members, list) and not members:
            c.add(("competencies", i, "items"), f"competency {comp.get('id')!r} has no items", "empty-competency")
        for j, iid in enumerate(members if isinstance(members, list) else []):
            if not isinstance(iid, str):
                continue
            if iid not in item_ids:
                c.add(("competencies", i, "items", j), f"competency {comp.get('id')!r} names the missing item {iid!r}",
                      "missing-item")
            elif iid in owner:
                c.add(("competencies", i, "items", j),
                      f"item {iid!r} is in two competencies ({owner[iid]!r} and {comp.get('id')!r})",
                      "item-in-two-competencies")
            else:
                owner[iid] = str(comp.get("id"))
        sugg = comp.get("suggestions")
        if isinstance(sugg, list) and len(sugg) > 8:
            c.add(("competencies", i, "suggestions"), "more than 8 suggestions; keep the report short",
                  "too-many-suggestions")
    _check_ids(c, comps, "competencies")
    for i, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            continue
        in_total = item.get("in_total", True)
        if in_total and item["id"] not in owner:
            c.add(("items", i), f"item {item['id']!r} belongs to no competency", "item-in-no-competency",
                  hint="add it to a competency, or mark it 'in_total: false' to report it on its own")
        if in_total is False and item["id"] in owner:
            c.add(("items", i), f"item {item['id']!r} has in_total: false but is in competency {owner[item['id']]!r}",
                  "standalone-in-competency")


def _check_open_ended(c: _Collector, entries: Any, forms: set[str]) -> None:
    if entries is None:
        return
    for i, entry in enumerate(entries):
        if c.mapping(entry, OPEN_ENDED, ("open_ended", i), f"open-ended question {i}"):
            for f in entry.get("forms") or []:
                if forms and f not in forms:
                    c.add(("open_ended", i, "forms"), f"names the unknown form {f!r}", "unknown-form")
    _check_ids(c, entries, "open_ended")


def _check_published(c: _Collector, entries: Any, forms: set[str]) -> None:
    for i, entry in enumerate(entries or []):
        if not c.mapping(entry, PUBLISHED, ("published", i), f"published figures {i}"):
            continue
        if _is_str(entry.get("kind")) and entry["kind"] not in PUBLISHED_KINDS:
            c.add(("published", i, "kind"), f"kind {entry['kind']!r} is not one of {', '.join(PUBLISHED_KINDS)}",
                  "bad-kind")
        if _is_str(entry.get("form")) and forms and entry["form"] not in forms:
            c.add(("published", i, "form"), f"names the unknown form {entry['form']!r}", "unknown-form")
        for key, value in (entry.get("figures") or {}).items():
            if not _is_number(value):
                c.add(("published", i, "figures", key), f"figure {key!r} must be a number", "wrong-type")


def check_extends(doc: YamlDocument, base_ids: dict[str, set[str]]) -> list[Problem]:
    """Check the shape of an ``extends:`` override file against its base's ids.

    ``base_ids`` maps ``"items"``, ``"competencies"``, ``"open_ended"`` to the base's ids.
    """
    c = _Collector(doc)
    data = doc.data
    for key in data:
        if key not in EXTENDS_TOP:
            hint = ("an extends file may override wording, titles and suggestions or add items; "
                    "to change the scale, forms or scoring write a full instrument")
            c.add((key,), f"key {key!r} cannot be used in an extends file", "unknown-key", hint=hint)
    for section, overridable, spec in (("items", ITEM_OVERRIDABLE, ITEM),
                                       ("competencies", COMPETENCY_OVERRIDABLE, COMPETENCY),
                                       ("open_ended", OPEN_ENDED_OVERRIDABLE, OPEN_ENDED)):
        for loc, eid, entry in _entries(c, data.get(section), section):
            if eid in base_ids[section]:
                for key in entry:
                    if key != "id" and key not in overridable:
                        c.add(loc + (key,), f"{key!r} of the built-in {section[:-1].replace('_', '-')} {eid!r} "
                              "cannot be changed", "not-overridable",
                              hint=f"you may override {', '.join(overridable)}")
                    elif key in spec and not spec[key][0](entry[key]):
                        c.add(loc + (key,), f"{key!r} must be {_TYPE_NAMES[spec[key][0]]}", "wrong-type")
    return c.problems


def _entries(c: _Collector, section: Any, name: str) -> list[tuple[tuple, str, dict]]:
    """Entries of an override section, given as a list with ids or a mapping id -> fields."""
    out: list[tuple[tuple, str, dict]] = []
    if section is None:
        return out
    if isinstance(section, dict):
        for eid, fields in section.items():
            if not isinstance(fields, dict):
                c.add((name, eid), f"override for {eid!r} must be a mapping of fields", "wrong-type")
            else:
                out.append(((name, eid), str(eid), fields))
    elif isinstance(section, list):
        for i, entry in enumerate(section):
            if not isinstance(entry, dict) or not _is_str(entry.get("id")):
                c.add((name, i), "each entry needs an 'id'", "missing-key")
            else:
                out.append(((name, i), entry["id"], entry))
    else:
        c.add((name,), f"{name!r} must be a list or a mapping", "wrong-type")
    return out
