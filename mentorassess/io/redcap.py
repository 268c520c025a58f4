"""REDCap exports: raw or label headers and values, decoded with the project's data dictionary.

The dictionary (``Variable / Field Name``, ``Form Name``, ``Field Type``, ``Field Label``,
``Choices, Calculations, OR Slider Labels``, ...) gives the raw field names, the column order of
an export, and the code/label pairs of radio, dropdown, yes/no and checkbox fields. A label
export's headers are matched to the dictionary in order (a label export has the same columns as
the raw export); its values are turned back into codes. Checkbox columns ``field___code`` and
form status ``<form>_complete`` (0 Incomplete, 1 Unverified, 2 Complete) are understood.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mentorassess.errors import ImportFormatError
from mentorassess.io.tables import Grid, RawTable, read_text_grid, split_header

__all__ = ["RedcapDictionary", "RedcapField", "read_dictionary", "parse_redcap", "looks_like_redcap",
           "PSEUDO_FIELDS", "checkbox_suffix"]

DICT_COLUMNS = {
    "variable / field name": "field_name", "variable...field.name": "field_name", "field_name": "field_name",
    "form name": "form_name", "form.name": "form_name", "form_name": "form_name",
    "field type": "field_type", "field.type": "field_type", "field_type": "field_type",
    "field label": "field_label", "field.label": "field_label", "field_label": "field_label",
    "choices, calculations, or slider labels": "choices", "choices..calculations..or.slider.labels": "choices",
    "select_choices_or_calculations": "choices",
}
PSEUDO_FIELDS = {"redcap_event_name": "Event Name", "redcap_repeat_instrument": "Repeat Instrument",
                 "redcap_repeat_instance": "Repeat Instance", "redcap_survey_identifier": "Survey Identifier",
                 "redcap_data_access_group": "Data Access Group"}
COMPLETE_CODES = {"incomplete": "0", "unverified": "1", "complete": "2"}
_TAG = re.compile(r"<[^>]+>")


def _norm(text: str) -> str:
    return " ".join(_TAG.sub("", str(text)).replace("\u00a0", " ").split()).casefold()


def checkbox_suffix(code: str) -> str:
    """Column suffix REDCap uses for a checkbox code: lower case, non-alphanumerics as ``_``."""
    return re.sub(r"[^0-9a-z]", "_", str(code).lower())


@dataclass(frozen=True)
class RedcapField:
    """One dictionary row."""

    name: str
    form: str
    type: str
    label: str
    choices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RedcapDictionary:
    """A parsed REDCap data dictionary; the first field is the record id."""

    fields: tuple[RedcapField, ...]
    file: str

    @property
    def record_id(self) -> str:
        """Name of the record id field (the project's first field)."""
        return self.fields[0].name

    def field(self, name: str) -> RedcapField | None:
        """The dictionary row of a raw field name, or None."""
        for f in self.fields:
            if f.name == name:
                return f
        return None

    def export_columns(self) -> list[tuple[str, str]]:
        """(raw name, label header) of every column an export of all fields can have, in order."""
        out: list[tuple[str, str]] = []
        forms: list[str] = []
        for i, f in enumerate(self.fields):
            if f.form not in forms:
                if forms:
                    out.append((f"{forms[-1]}_complete", "Complete?"))
                forms.append(f.form)
                if i > 0:
                    out.append((f"{f.form}_timestamp", "Survey Timestamp"))
            if f.type == "descriptive":
                continue
            if f.type == "checkbox":
                out.extend((f"{f.name}___{checkbox_suffix(c)}", f"{f.label} (choice={lab})") for c, lab in f.choices.items())
            else:
                out.append((f.name, f.label))
            if i == 0:
                out.extend(PSEUDO_FIELDS.items())
                out.append((f"{f.form}_timestamp", "Survey Timestamp"))
        if forms:
            out.append((f"{forms[-1]}_complete", "Complete?"))
        return out


def _parse_choices(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in str(text).split("|"):
        if not part.strip():
            continue
        code, _, label = part.partition(",")
        out[code.strip()] = label.strip()
    return out


def read_dictionary(path: str | Path) -> RedcapDictionary:
    """Read a REDCap data dictionary CSV (UTF-8 with or without BOM, R-mangled headers accepted)."""
    file = str(path)
    grid, _ = read_text_grid(Path(path), file)
    header = [DICT_COLUMNS.get(h.strip().casefold()) for h in grid.row(0)]
    need = {"field_name", "form_name", "field_type", "field_label", "choices"}
    missing = need - set(header)
    if missing:
        raise ImportFormatError(f"not a REDCap data dictionary: columns missing ({', '.join(sorted(missing))})",
                                file=file, row=1, hint="download it from REDCap: Project Setup > Data Dictionary")
    idx = {name: header.index(name) for name in need}
    fields = []
    for r in range(1, len(grid.cells)):
        row = grid.row(r)
        name = row[idx["field_name"]].strip()
        if not name:
            continue
        ftype = row[idx["field_type"]].strip().lower()
        choices = _parse_choices(row[idx["choices"]]) if ftype in ("radio", "dropdown", "checkbox") else {}
        if ftype == "yesno":
            choices = {"1": "Yes", "0": "No"}
        elif ftype == "truefalse":
            choices = {"1": "True", "0": "False"}
        fields.append(RedcapField(name=name, form=row[idx["form_name"]].strip(), type=ftype,
                                  label=_TAG.sub("", row[idx["field_label"]]).strip(), choices=choices))
    if not fields:
        raise ImportFormatError("the data dictionary lists no fields", file=file)
    return RedcapDictionary(fields=tuple(fields), file=file)


def looks_like_redcap(names: list[str]) -> bool:
    """True when a header row has REDCap pseudo-fields, ``_complete`` columns or label-export headers."""
    return (any(n in PSEUDO_FIELDS for n in names) or any(n.endswith("_complete") for n in names)
            or "Complete?" in names or "Event Name" in names)


def parse_redcap(grid: Grid, dictionary: RedcapDictionary | None) -> RawTable:
    """Name the columns by raw field names and decode label values into codes."""
    header = [h.strip() for h in grid.row(0)]
    if dictionary is None:
        table = split_header(grid, 1, header, "redcap")
        if "Complete?" in header or "Event Name" in header:
            raise ImportFormatError("this REDCap export has label headers; its data dictionary is needed to read it",
                                    file=grid.file, row=1,
                                    hint="pass the dictionary with --dictionary or 'dictionary:' in the mapping file")
        return table
    expected = dictionary.export_columns()
    raw_names = {raw for raw, _ in expected}
    if sum(h in raw_names for h in header) >= max(1, len([h for h in header if h]) // 2):
        names, label_headers = header, False
    else:
        names, label_headers = _align_labels(header, expected, grid.file), True
    table = split_header(grid, 1, names, "redcap")
    table.extra["label_headers"] = label_headers
    decoded = 0
    for col in table.columns:
        base, _, suffix = col.rpartition("___")
        f = dictionary.field(col) or (dictionary.field(base) if suffix else None)
        if f is not None:
            table.column_labels[col] = f.label
        values = table.body[col]
        if col.endswith("_complete"):
            mapping = {k.casefold(): v for k, v in COMPLETE_CODES.items()}
            table.body[col] = values.map(lambda v: mapping.get(v.strip().casefold(), v.strip()))
            continue
        if f is None or not f.choices:
            continue
        if f.type == "checkbox":
            choice = f.choices.get(suffix) or next((lab for c, lab in f.choices.items() if checkbox_suffix(c) == suffix), "")
            lut = {"checked": "1", "unchecked": "0", _norm(choice): "1", "": "0"}
            table.body[col] = values.map(lambda v: lut.get(_norm(v), v))
            continue
        table.value_labels[col] = dict(f.choices)
        by_label = {_norm(lab): code for code, lab in f.choices.items()}
        uniq = pd.unique(values)
        lut = {}
        for v in uniq:
            nv = _norm(v)
            if v.strip() in f.choices or nv == "":
                lut[v] = v.strip()
            elif nv in by_label:
                lut[v] = by_label[nv]
                decoded += int((values == v).sum())
            else:
                lut[v] = v
        table.body[col] = values.map(lut)
    table.extra["labels_decoded"] = decoded
    return table


def _align_labels(header: list[str], expected: list[tuple[str, str]], file: str) -> list[str]:
    """Raw names for label headers, matched in export order (labels may repeat, e.g. ``Complete?``)."""
    names: list[str] = []
    p = 0
    for j, cell in enumerate(header):
        if not cell:
            names.append("")
            continue
        target = _norm(cell)
        q = next((k for k in range(p, len(expected)) if _norm(expected[k][1]) == target), None)
        if q is None:
            raise ImportFormatError(
                f"header {cell!r} matches no field label of the data dictionary (after the previous column)",
                file=file, row=1, column=f"#{j + 1}",
                hint="check that the dictionary belongs to this project and version, or export with raw headers")
        names.append(expected[q][0])
        p = q + 1
    return names


def form_complete(table: RawTable, form: str | None) -> np.ndarray | None:
    """Per body row: True when ``<form>_complete`` is 2 (Complete); None when the column is absent."""
    col = f"{form}_complete" if form else None
    if col is None or col not in table.body.columns:
        return None
    return (table.body[col].astype(str).str.strip() == "2").to_numpy()
