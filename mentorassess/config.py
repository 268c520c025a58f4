"""Program configuration (``program.yaml``): which instrument, which exports, thresholds, outputs.

Every problem of a config is reported at once, each with its line number; paths are relative to
the config file.

Example ``program.yaml``::

    program: Graduate School Mentoring Program
    instrument: mca-26                 # a built-in id or a YAML file
    roster: roster.csv
    report_date: 2026-06-30            # fixes the date printed in reports (default: latest submission)
    waves:                             # optional; order matters for pre/post change
      - {id: pre, type: pre, label: Before training}
      - {id: post, type: post, label: After training}
    exports:
      - {path: qualtrics_mentee_pre.csv, role: mentee, wave: pre}
      - {path: self_pre.xlsx, role: self, wave: pre, format: qualtrics, mapping: self_map.yaml}
    min_raters: 3
    min_raters_comments: 4
    comments: true
    exclude_comments: [R_abc123]       # response ids (or response_id#question) staff removed after review
    comment_review: staff_workbook.xlsx  # decisions typed in a staff workbook (default: the last run's)
    outputs: [feedback, program, workbook, psychometrics]
    out: reports/2026
    audience: {show_names: false}      # may the program summary name mentors?
    contact: the mentoring office, mentoring@example.org   # printed in feedback reports

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / "a.csv").write_text("x\\n1\\n")
>>> _ = (d / "p.yaml").write_text("program: P\\ninstrument: mca-26\\nexports: [{path: a.csv, role: mentee, wave: pre}]\\n")
>>> cfg = load_config(d / "p.yaml")
>>> cfg.min_raters, cfg.exports[0].path.name, [w.id for w in cfg.waves]
(3, 'a.csv', ['pre'])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentorassess._yaml import YamlDocument, load_yaml_with_lines
from mentorassess.errors import ConfigError, InstrumentError, Problem
from mentorassess.instruments import Instrument, load_instrument
from mentorassess.scoring import order_waves

__all__ = ["ProgramConfig", "ExportSpec", "WaveSpec", "load_config", "OUTPUTS", "WAVE_TYPES"]

OUTPUTS = ("feedback", "program", "workbook", "psychometrics")
WAVE_TYPES = ("pre", "post", "retrospective_pre", "follow_up", "cycle")
FORMATS = ("qualtrics", "redcap", "spss", "generic", "canonical")
_TOP = {"program", "instrument", "roster", "report_date", "waves", "exports", "min_raters",
        "min_raters_comments", "min_raters_items", "min_mentors", "comments", "exclude_comments", "outputs", "out",
        "audience", "import", "assignments", "seed", "contact", "history", "cycle", "comment_review"}
_EXPORT = {"path", "role", "wave", "format", "mapping", "dictionary"}
_WAVE = {"id", "type", "label"}
_AUDIENCE = {"show_names"}


@dataclass(frozen=True)
class ExportSpec:
    """One survey export: file, the form (rater role) it holds, its wave, format and mapping."""

    path: Path
    role: str | None = None
    wave: str | None = None
    format: str | None = None
    mapping: Path | None = None
    dictionary: Path | None = None


@dataclass(frozen=True)
class WaveSpec:
    """A collection cycle, in program order."""

    id: str
    type: str = "cycle"
    label: str | None = None


@dataclass(frozen=True)
class ProgramConfig:
    """A validated program configuration (paths absolute)."""

    program: str
    instrument: Instrument
    exports: tuple[ExportSpec, ...]
    source: Path
    roster: Path | None = None
    waves: tuple[WaveSpec, ...] = ()
    report_date: dt.date | None = None
    min_raters: int = 3
    min_raters_comments: int | None = None
    min_raters_items: int | None = None
    min_mentors: int = 3
    comments: bool = True
    exclude_comments: tuple[str, ...] = ()
    outputs: tuple[str, ...] = OUTPUTS
    out: Path | None = None
    show_names: bool = False
    import_options: dict[str, Any] = field(default_factory=dict)
    assignments: Path | None = None
    seed: int = 20261125
    contact: str | None = None
    #: ``history:`` and ``cycle:`` (see mentorassess.history.spec); None without a history.
    history: Any = None
    comment_review: Path | None = None

    def release_rules(self):
        """The :class:`~mentorassess.release.rules.ReleaseRules` this configuration asks for."""
        from mentorassess.release.rules import ReleaseRules

        return ReleaseRules(min_raters=self.min_raters, min_raters_items=self.min_raters_items,
                            min_raters_comments=self.min_raters_comments, min_mentors=self.min_mentors,
                            comments=bool(self.comments), exclude_comments=self.exclude_comments)


class _Checker:
    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.base = Path(doc.path).resolve().parent
        self.problems: list[Problem] = []

    def add(self, loc: tuple, message: str, code: str, hint: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.doc.path, line=self.doc.line(loc), loc=loc, code=code,
                                     hint=hint))

    def keys(self, obj: dict, allowed: set[str], loc: tuple, what: str) -> None:
        for key in obj:
            if key not in allowed:
                self.add(loc + (key,), f"unknown key {key!r} in {what}", "unknown-key",
                         hint=f"allowed: {', '.join(sorted(allowed))}")

    def path(self, value: Any, loc: tuple, what: str, *, must_exist: bool = True) -> Path | None:
        if not isinstance(value, str) or not value.strip():
            self.add(loc, f"{what} must be a file path", "wrong-type")
            return None
        p = (self.base / value).resolve()
        if must_exist and not p.is_file():
            self.add(loc, f"{what} {value!r} does not exist (looked in {p.parent})", "missing-file",
                     hint="paths are relative to the config file")
            return None
        return p


def load_config(path: str | Path) -> ProgramConfig:
    """Read and validate a program configuration; raise :class:`ConfigError` listing every problem."""
    doc, problems = load_yaml_with_lines(path)
    if doc is None:
        raise ConfigError(f"{path}: cannot read the program configuration", problems=problems, file=str(path))
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}: a program configuration must be a mapping (program:, instrument:, exports:)",
                          file=str(path))
    c = _Checker(doc)
    data = doc.data
    c.keys(data, _TOP, (), "the program configuration")
    for key in ("program", "instrument", "exports"):
        if key not in data:
            c.add((), f"missing required key {key!r}", "missing-key")
    program = data.get("program")
    if "program" in data and not (isinstance(program, str) and program.strip()):
        c.add(("program",), "'program' must be the program's name", "wrong-type")
    instrument = _instrument(c, data.get("instrument"))
    waves = _waves(c, data.get("waves"))
    exports = _exports(c, data.get("exports"), {w.id for w in waves}, instrument)
    roster = c.path(data["roster"], ("roster",), "roster") if "roster" in data else None
    assignments = c.path(data["assignments"], ("assignments",), "assignments") if "assignments" in data else None
    comment_review = (c.path(data["comment_review"], ("comment_review",), "comment_review")
                      if "comment_review" in data else None)
    min_raters = data.get("min_raters", 3)
    if not isinstance(min_raters, int) or isinstance(min_raters, bool) or min_raters < 3:
        c.add(("min_raters",), f"min_raters must be a whole number of at least 3; got {min_raters!r}", "bad-threshold",
              hint="fewer than 3 raters would let a mentor identify individual mentees")
        min_raters = 3
    mrc = data.get("min_raters_comments")
    if mrc is not None and (not isinstance(mrc, int) or isinstance(mrc, bool) or mrc < min_raters):
        c.add(("min_raters_comments",), f"min_raters_comments must be a whole number >= min_raters ({min_raters})",
              "bad-threshold")
        mrc = None
    mri = data.get("min_raters_items")
    if mri is not None and (not isinstance(mri, int) or isinstance(mri, bool) or mri < min_raters):
        c.add(("min_raters_items",), f"min_raters_items must be a whole number >= min_raters ({min_raters})",
              "bad-threshold")
        mri = None
    min_mentors = data.get("min_mentors", 3)
    if not isinstance(min_mentors, int) or isinstance(min_mentors, bool) or min_mentors < 3:
        c.add(("min_mentors",), f"min_mentors must be a whole number of at least 3; got {min_mentors!r}",
              "bad-threshold", hint="a program cell of one or two mentors is those mentors' own scores")
        min_mentors = 3
    outputs = data.get("outputs", list(OUTPUTS))
    if not isinstance(outputs, list) or any(o not in OUTPUTS for o in outputs):
        c.add(("outputs",), f"outputs must be a list drawn from {', '.join(OUTPUTS)}", "bad-output")
        outputs = list(OUTPUTS)
    report_date = data.get("report_date")
    if report_date is not None and not isinstance(report_date, dt.date):
        try:
            report_date = dt.date.fromisoformat(str(report_date))
        except ValueError:
            c.add(("report_date",), f"report_date {report_date!r} is not a date like 2026-06-30", "bad-date")
            report_date = None
    for key in ("comments",):
        if key in data and not isinstance(data[key], bool):
            c.add((key,), f"{key!r} must be true or false", "wrong-type")
    excl = data.get("exclude_comments", [])
    if not isinstance(excl, list) or not all(isinstance(x, (str, int)) for x in excl):
        c.add(("exclude_comments",), "exclude_comments must be a list of response ids", "wrong-type")
        excl = []
    audience = data.get("audience", {})
    if not isinstance(audience, dict):
        c.add(("audience",), "audience must be a mapping such as {show_names: false}", "wrong-type")
        audience = {}
    c.keys(audience, _AUDIENCE, ("audience",), "audience")
    if not isinstance(audience.get("show_names", False), bool):  # "no" would be truthy: names shown
        c.add(("audience", "show_names"), "show_names must be true or false", "wrong-type")
        audience = {}
    import_options = data.get("import", {})
    if not isinstance(import_options, dict):
        c.add(("import",), "import must be a mapping of import options", "wrong-type")
        import_options = {}
    out = data.get("out")
    if out is not None and not isinstance(out, str):
        c.add(("out",), "out must be a folder path", "wrong-type")
        out = None
    seed = data.get("seed", 20261125)
    if not isinstance(seed, int) or isinstance(seed, bool):
        c.add(("seed",), "seed must be a whole number", "wrong-type")
        seed = 20261125
    contact = data.get("contact")
    if contact is not None and not (isinstance(contact, str) and contact.strip()):
        c.add(("contact",), "contact must be a text such as 'the mentoring office, mentoring@example.org'",
              "wrong-type")
        contact = None
    from mentorassess.history.spec import parse_history

    history, hproblems = parse_history(data.get("history"), data.get("cycle"), base=c.base)
    for loc, message, code in hproblems:
        c.add(loc, message, code)
    if not waves:  # undeclared: the exports' waves in the default order
        named = list(order_waves([e.wave for e in exports if e.wave is not None]))
        waves = [WaveSpec(id=w, type=w if w in WAVE_TYPES else "cycle") for w in named]
    if c.problems:
        problems = sorted(c.problems, key=lambda p: p.line or 0)
        raise ConfigError(f"{path}: {len(problems)} problem(s) in the program configuration", problems=problems,
                          file=str(path))
    return ProgramConfig(
        program=program, instrument=instrument, exports=tuple(exports), source=Path(path).resolve(),
        roster=roster, waves=tuple(waves), report_date=report_date, min_raters=min_raters,
        min_raters_comments=mrc, min_raters_items=mri, min_mentors=min_mentors, comments=data.get("comments", True), exclude_comments=tuple(map(str, excl)),
        outputs=tuple(outputs), out=(c.base / out).resolve() if out else None,
        show_names=bool(audience.get("show_names", False)), import_options=dict(import_options),
        assignments=assignments, comment_review=comment_review, seed=seed,
        contact=contact.strip() if contact else None, history=history,
    )


def _instrument(c: _Checker, value: Any) -> Instrument | None:
    if value is None:
        return None
    if not isinstance(value, str):
        c.add(("instrument",), "instrument must be a built-in id or a file path", "wrong-type")
        return None
    candidate = c.base / value
    try:
        return load_instrument(candidate if candidate.suffix in (".yaml", ".yml") else value)
    except InstrumentError as exc:
        c.add(("instrument",), exc.summary or str(exc).splitlines()[0], "bad-instrument", hint=exc.hint)
        return None


def _waves(c: _Checker, value: Any) -> list[WaveSpec]:
    if value is None:
        return []
    if not isinstance(value, list):
        c.add(("waves",), "waves must be a list of {id, type, label}", "wrong-type")
        return []
    out: list[WaveSpec] = []
    seen: set[str] = set()
    for i, w in enumerate(value):
        w = {"id": w} if isinstance(w, str) else w
        if not isinstance(w, dict) or not isinstance(w.get("id"), str):
            c.add(("waves", i), "each wave needs an 'id'", "missing-key")
            continue
        c.keys(w, _WAVE, ("waves", i), f"wave {w['id']!r}")
        if w["id"] in seen:
            c.add(("waves", i, "id"), f"wave {w['id']!r} is named twice", "duplicate-wave")
            continue
        seen.add(w["id"])
        if w.get("label") is not None and not isinstance(w["label"], str):
            c.add(("waves", i, "label"), "a wave's label must be text", "wrong-type")
        wtype = w.get("type", w["id"] if w["id"] in WAVE_TYPES else "cycle")
        if wtype not in WAVE_TYPES:
            c.add(("waves", i, "type"), f"wave type {wtype!r} is not one of {', '.join(WAVE_TYPES)}", "bad-wave-type")
        out.append(WaveSpec(id=w["id"], type=wtype, label=w.get("label")))
    return out


def _exports(c: _Checker, value: Any, wave_ids: set[str], instrument: Instrument | None) -> list[ExportSpec]:
    if value is None:
        return []
    if not isinstance(value, list) or not value:
        c.add(("exports",), "exports must be a non-empty list of {path, role, wave}", "wrong-type")
        return []
    out: list[ExportSpec] = []
    seen_paths: dict[str, int] = {}
    for i, e in enumerate(value):
        loc = ("exports", i)
        if isinstance(e, str):
            e = {"path": e}
        if not isinstance(e, dict) or "path" not in e:
            c.add(loc, "each export needs a 'path'", "missing-key")
            continue
        c.keys(e, _EXPORT, loc, "an export")
        path = c.path(e["path"], loc + ("path",), "export")
        role = e.get("role")
        if role is not None and instrument is not None:
            roles = {f.rater_role for f in instrument.forms.values()}
            if role not in roles:
                c.add(loc + ("role",), f"role {role!r} is not a form of {instrument.id} ({', '.join(sorted(roles))})",
                      "bad-role")
        wave = e.get("wave")
        if wave is not None:
            wave = str(wave)
            if wave_ids and wave not in wave_ids:
                c.add(loc + ("wave",), f"wave {wave!r} is not declared under 'waves'", "unknown-wave")
        fmt = e.get("format")
        if fmt is not None and fmt not in FORMATS:
            c.add(loc + ("format",), f"format {fmt!r} is not one of {', '.join(FORMATS)}", "bad-format")
        mapping = c.path(e["mapping"], loc + ("mapping",), "mapping") if "mapping" in e else None
        dictionary = c.path(e["dictionary"], loc + ("dictionary",), "data dictionary") if "dictionary" in e else None
        if path is not None:
            key = str(path)
            if key in seen_paths:
                c.add(loc + ("path",), f"the same export is listed twice (also entry {seen_paths[key]})",
                      "duplicate-export")
            seen_paths[key] = i
            out.append(ExportSpec(path=path, role=role, wave=wave, format=fmt, mapping=mapping,
                                  dictionary=dictionary))
    return out
