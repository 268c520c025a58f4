"""The web app's only door into mentorassess: every call the views make to the Python API.

The views never import the pipeline, ``io`` or ``aggregate`` themselves; they call the functions
below, which call exactly what the command line calls (``read_export``, ``draft_mapping``,
``read_roster``, ``load_config``, ``run_program``). When the release layer, the new import tools
or the history store land, re-point the function concerned here and leave the views alone.

Nothing here decides anything about the data: thresholds, exclusions, suppression and report
content all come from the API.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

__all__ = ["instruments", "instrument_roles", "scale_choices", "check_roster", "inspect_export", "draft",
           "load_program", "preview", "comments", "run", "zip_outputs", "ExportCheck", "Draft", "Release",
           "CommentRow", "EXCLUSION_REASONS", "history_spec", "history_store", "history_cycles",
           "history_mentors", "history_mentor", "history_export", "history_forget", "HIDDEN_TEXT"]


def _reasons() -> dict[str, str]:
    from mentorassess.io.audit import EXCLUSION_REASONS as reasons

    return dict(reasons)


EXCLUSION_REASONS = _reasons()


def instruments() -> list[tuple[str, str]]:
    """``(id, title)`` of every built-in instrument (``mentorassess instruments list``)."""
    from mentorassess.instruments import list_instruments

    return [(i.id, i.title) for i in list_instruments()]


def instrument_roles(instrument: str) -> list[str]:
    """The rater roles (forms) of an instrument, e.g. ``['mentee', 'self']``."""
    from mentorassess.instruments import load_instrument

    return sorted({f.rater_role for f in load_instrument(instrument).forms.values()})


def instrument_items(instrument: str) -> list[tuple[str, str]]:
    """``(item id, wording)`` in instrument order."""
    from mentorassess.instruments import load_instrument

    return [(i.id, i.wording) for i in load_instrument(instrument).items]


def instrument_comments(instrument: str) -> list[tuple[str, str]]:
    """``(open-ended question id, prompt)``."""
    from mentorassess.instruments import load_instrument

    return [(q.id, q.prompt) for q in load_instrument(instrument).open_ended]


def scale_choices(instrument: str) -> list[tuple[str, str]]:
    """What an answer code can mean in a mapping: each scale value with its label, and ``na``."""
    from mentorassess.instruments import load_instrument

    ins = load_instrument(instrument)
    scale = ins.scale
    labels = dict(getattr(scale, "labels", {}) or {})
    out = [(str(v), f"{v} ({labels[v]})" if v in labels else str(v)) for v in scale.values]
    return out + [("na", "not applicable (N/A)")]


def check_roster(path: Path) -> int:
    """Read a roster as the pipeline does; the number of mentors. Raises ``DataError`` when unusable."""
    from mentorassess.io import read_roster

    return int(len(read_roster(path)))


@dataclass(frozen=True)
class ExportCheck:
    """What importing one export gave: its audit (a dict, ``ImportReport.to_dict()``) or the error."""

    ok: bool
    audit: dict | None = None
    error: str | None = None
    problems: tuple[str, ...] = ()


def _error_text(exc: Exception) -> tuple[str, tuple[str, ...]]:
    text = str(exc).splitlines() or [type(exc).__name__]
    return text[0], tuple(text[1:41])


def inspect_export(path: Path, instrument: str, *, roster: Path | None, role: str | None, wave: str | None,
                   mapping: Path | None, display: str | None = None) -> ExportCheck:
    """Import one export exactly as ``mentorassess import`` does and return its audit or its error.

    Messages name the file by ``display`` (the name it was uploaded with), not by where it is stored.
    """
    from mentorassess.errors import MentorAssessError
    from mentorassess.io import read_export

    def named(text: str) -> str:
        return text.replace(str(path), display).replace(path.name, display) if display else text

    try:
        res = read_export(path, instrument, mapping=mapping, roster=roster, role=role, wave=wave)
    except MentorAssessError as exc:
        msg, problems = _error_text(exc)
        return ExportCheck(ok=False, error=named(msg), problems=tuple(map(named, problems)))
    audit = res.report.to_dict()
    audit["warnings"] = [named(str(w)) for w in res.report.warnings]
    return ExportCheck(ok=True, audit=audit)


# --- mapping drafts (io/draft.py) -------------------------------------------------------------

@dataclass(frozen=True)
class DraftLine:
    """One field of a drafted mapping: the column chosen and how sure the draft is."""

    key: str
    column: str | None
    confidence: str  # 'exact', 'by text', 'guess', 'none'
    note: str = ""
    similarity: float | None = None


@dataclass(frozen=True)
class Draft:
    """A drafted mapping taken apart for a form: the export's columns and each field's proposal."""

    text: str
    columns: tuple[str, ...]
    format: str
    sheet: str | None
    role: str | None
    meta: tuple[DraftLine, ...]
    items: tuple[DraftLine, ...]
    comments: tuple[DraftLine, ...]
    values: tuple[str, ...]


_LINE = re.compile(r"^  (#\s*)?([A-Za-z0-9_]+):\s*(\"(?:[^\"\\]|\\.)*\")?\s*(?:#\s*(.*))?$")
_SIM = re.compile(r"similarity ([0-9.]+)")


_LEVEL = re.compile(r"confidence: (high|medium|low)\b\s*(?:\((.*)\))?")


def _confidence(commented: bool, column: str | None, note: str) -> tuple[str, float | None]:
    if commented or column is None:
        return "none", None
    level = _LEVEL.search(note)
    if level:  # the draft's own confidence (io/draft.py): high, medium or low with its reason
        return level.group(1), None
    sim = _SIM.search(note)
    if sim:
        return "guess", float(sim.group(1))
    if "REVIEW" in note:
        return "guess", None
    if note.startswith("by "):
        return "by text", None
    return "exact", None


def draft(path: Path, instrument: str, display: str | None = None) -> Draft:
    """Draft a mapping with :func:`mentorassess.io.draft.draft_mapping` (``import --write-mapping``)."""
    import json

    import yaml

    from mentorassess.instruments import load_instrument
    from mentorassess.io.api import _find_dictionary
    from mentorassess.io.detect import read_table
    from mentorassess.io.draft import draft_mapping
    from mentorassess.io.redcap import read_dictionary

    ins = load_instrument(instrument)
    dict_path = _find_dictionary(path)
    table = read_table(path, display or path.name, dictionary=read_dictionary(dict_path) if dict_path else None)
    text = draft_mapping(table, ins, dictionary=dict_path, base=path.parent)
    data = yaml.safe_load(text) or {}
    sections: dict[str, list[DraftLine]] = {"columns": [], "items": [], "comments": []}
    values: list[str] = []
    section = None
    for line in text.splitlines():
        top = re.match(r"^([a-z_]+):", line)
        if top:
            section = top.group(1)
            continue
        if section == "values":
            m = re.match(r"^  (\"(?:[^\"\\]|\\.)*\"):", line)
            if m:
                values.append(json.loads(m.group(1)))
            continue
        m = _LINE.match(line)
        if not m or section not in sections:
            continue
        commented, key, quoted, note = bool(m.group(1)), m.group(2), m.group(3), (m.group(4) or "").strip()
        column = json.loads(quoted) if quoted else None
        conf, sim = _confidence(commented, column, note)
        sections[section].append(DraftLine(key=key, column=column, confidence=conf, note=note, similarity=sim))
    role = data.get("role") if isinstance(data.get("role"), str) else None
    return Draft(text=text, columns=tuple(map(str, table.columns)), format=table.format, sheet=table.sheet, role=role,
                 meta=tuple(sections["columns"]), items=tuple(sections["items"]),
                 comments=tuple(sections["comments"]), values=tuple(values))


def check_mapping(path: Path) -> None:
    """Validate a mapping file as the importer will (``ConfigError`` listing every problem)."""
    from mentorassess.io import load_mapping

    load_mapping(path)


# --- the program as a whole (config, preview, comments, run) --------------------------------------

def load_program(config: Path):
    """Validate ``program.yaml`` with :func:`mentorassess.config.load_config` (raises ``ConfigError``)."""
    from mentorassess.config import load_config

    return load_config(config)


@dataclass(frozen=True)
class Release:
    """Whether one mentor's report for one wave carries mentee results, and if not, the reason class."""

    mentor_id: str
    name: str | None
    wave: str
    mentee_results: bool
    reason: str | None
    comments_shown: bool
    self_rating: bool


def _profiles(cfg):
    """Import, score and aggregate exactly as :func:`mentorassess.pipeline.run_program` does."""
    from mentorassess.aggregate import aggregate
    from mentorassess.io import read_roster
    from mentorassess.pipeline import import_all
    from mentorassess.scoring import score

    roster = read_roster(cfg.roster) if cfg.roster else None
    responses, reports = import_all(cfg, roster)
    scores = score(responses, cfg.instrument)
    rules = replace(cfg.release_rules(), exclude_comments=())  # the review shows every comment
    profiles = aggregate(scores, rules=rules, roster=roster)
    return responses, scores, profiles


_REASON_TEXT = {
    "below_min_raters": "fewer than {k} mentees counted, each mentee once and only with at least half of the items answered",
    "not_shown": "withheld by the confidentiality rules",
}


def preview(config: Path) -> tuple[list[Release], dict[str, Any]]:
    """Who will and will not receive mentee results, with the reason class (never a count below it)."""
    cfg = load_program(config)
    _, _, profiles = _profiles(cfg)
    m = profiles.mentors
    out = []
    for row in m.itertuples(index=False):
        reason = getattr(row, "suppressed_reason")
        shown = not bool(getattr(row, "suppressed"))
        name = getattr(row, "name")
        out.append(Release(mentor_id=str(row.mentor_id), name=None if name is None or name != name else str(name),
                           wave=str(row.wave), mentee_results=shown,
                           reason=None if shown else _REASON_TEXT.get(str(reason), str(reason)).format(
                               k=cfg.min_raters),
                           comments_shown=bool(getattr(row, "comments_shown")),
                           self_rating=bool(getattr(row, "self_present"))))
    rules = cfg.release_rules()
    settings = {"min_raters": rules.min_raters, "min_raters_comments": rules.min_raters_comments,
                "min_raters_items": rules.min_raters_items, "comments": cfg.comments}
    return out, settings


@dataclass(frozen=True)
class CommentRow:
    """One response's comments that would reach a report, with the response's flags."""

    response_id: str
    mentor_id: str
    wave: str
    rater_role: str
    texts: tuple[tuple[str, str], ...]
    flags: tuple[str, ...]


_FLAG_TEXT = {"name": "names a person on the roster", "email": "holds an e-mail address",
              "phone": "holds a phone number", "date": "holds a date", "course_code": "holds a course code",
              "duplicate": "repeats another comment"}


def comments(config: Path) -> list[CommentRow]:
    """Comments a report would show (the aggregate's comment rule), grouped by response, with flags."""
    import pandas as pd

    cfg = load_program(config)
    responses, scores, profiles = _profiles(cfg)
    review = profiles.review
    if review.empty:
        return []
    keep = review[review["shown_in_feedback"].astype(bool)]
    screened = review.groupby("response_id")["flags"].agg(lambda f: sorted({k for v in f if v for k in v.split(";")}))
    prompts = {q.id: q.prompt for q in cfg.instrument.open_ended}
    flags = responses.set_index("response_id")[["flag_speeder", "flag_straightline"]]
    out = []
    for rid, g in keep.groupby("response_id", sort=True):
        f = flags.loc[rid] if rid in flags.index else None
        if isinstance(f, pd.DataFrame):
            f = f.iloc[0]
        names = [_FLAG_TEXT.get(k, k) for k in screened.get(rid, [])]
        if f is not None and bool(f["flag_speeder"]):
            names.append("answered very fast")
        if f is not None and bool(f["flag_straightline"]):
            names.append("same answer to every item")
        first = g.iloc[0]
        out.append(CommentRow(response_id=str(rid), mentor_id=str(first["mentor_id"]), wave=str(first["wave"]),
                              rater_role=str(first["rater_role"]),
                              texts=tuple((prompts.get(q, q), str(t)) for q, t in zip(g["question"], g["text"])),
                              flags=tuple(names)))
    order = {w.id: i for i, w in enumerate(cfg.waves)}
    out.sort(key=lambda c: (c.mentor_id, order.get(c.wave, len(order)), c.wave, c.rater_role, c.response_id))
    return out


def run(config: Path, out: Path, progress: Callable[[str], None]) -> None:
    """Run the whole program with :func:`mentorassess.pipeline.run_program` (``mentorassess run``), in
    a process started for it (not forked from the server's threads; see :mod:`mentorassess.web._run_child`).

    ``progress`` gets each step's message; the run's exception (a ``MentorAssessError`` with its
    fields) is raised here; a run process that ends without an outcome raises ``RuntimeError`` with
    the end of its output.
    """
    import base64
    import collections
    import json
    import os
    import pickle
    import subprocess
    import sys

    import mentorassess
    from mentorassess.errors import MentorAssessError
    from mentorassess.web._run_child import MARK

    root = str(Path(mentorassess.__file__).resolve().parent.parent)
    code = ("import sys\n"
            f"if {root!r} not in sys.path: sys.path.append({root!r})\n"
            "from mentorassess.web._run_child import main\n"
            "sys.exit(main())\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(config), str(out), str(os.getpid())],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", errors="replace")
    other: collections.deque[str] = collections.deque(maxlen=20)
    final = None
    with proc:
        for line in proc.stdout:
            if line.startswith(MARK):
                message = json.loads(line[len(MARK):])
                if "step" in message:
                    progress(message["step"])
                else:
                    final = message
            elif line.strip():
                other.append(line.rstrip())
    if final is not None and final.get("done"):
        return
    if final is None:
        tail = "\n".join(other)
        raise RuntimeError(f"the run's process ended without a result (exit code {proc.returncode})"
                           + (f":\n{tail}" if tail else ""))
    if final.get("error"):
        raise pickle.loads(base64.b64decode(final["error"]))  # our own child's exception, pickled by it
    if final.get("ours"):
        raise MentorAssessError(final["text"])
    raise RuntimeError(f"{final['type']}: {final['text']}")


def expected_steps(config: Path) -> int:
    """About how many progress messages a run of this program sends (for the progress bar's scale)."""
    cfg = load_program(config)
    roles = {f.rater_role for f in cfg.instrument.forms.values()}
    return len(cfg.exports) + 1 + len(roles) * max(1, len(cfg.waves)) + 3


def zip_outputs(folder: Path, target: Path) -> Path:
    """Every file a run wrote (feedback reports, program summary, workbook, manifest...) as one zip.

    Entries are sorted and stamped with a fixed date, so the same outputs give the same bytes.
    """
    from mentorassess._files import atomic_path

    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    with atomic_path(target, suffix=".zip") as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for p in files:
                info = zipfile.ZipInfo(p.relative_to(folder).as_posix(), date_time=(2000, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, p.read_bytes())
    return target


# --- the history store (``history:`` in program.yaml; mentorassess history list|mentor|export|forget) ---

def _hidden() -> str:
    from mentorassess.release.rules import HIDDEN

    return HIDDEN


#: How a page words a withheld figure: the release layer's one wording, whatever the cause.
HIDDEN_TEXT = _hidden()


def history_spec(config: Path):
    """The ``history:`` / ``cycle:`` settings of ``program.yaml`` (None without a history).

    Read from the file alone, so the history pages work before any export is uploaded;
    raises ``ConfigError`` when the two keys are invalid.
    """
    from mentorassess._yaml import load_yaml_with_lines
    from mentorassess.errors import ConfigError, Problem
    from mentorassess.history.spec import parse_history

    doc, problems = load_yaml_with_lines(config)
    if doc is None:
        raise ConfigError(f"{config} cannot be read", file=str(config), problems=problems)
    data = doc.data if isinstance(doc.data, dict) else {}
    spec, found = parse_history(data.get("history"), data.get("cycle"), base=Path(config).parent)
    if found:
        raise ConfigError(f"{config}: the history settings are invalid", file=str(config),
                          problems=[Problem(msg, code=code, loc=loc) for loc, msg, code in found])
    return spec


class history_store:
    """``with history_store(config) as store:`` the program's open store, or None.

    None when ``program.yaml`` has no ``history:``, or names a SQLite file no run has created yet
    (a page that only reads never creates the store or its secret).
    """

    def __init__(self, config: Path) -> None:
        self.spec = history_spec(config)
        self.store = None

    def __enter__(self):
        from mentorassess.history.store import is_url, open_store

        spec = self.spec
        if spec is None or (not is_url(spec.store) and not Path(spec.store).is_file()):
            return None
        self.store = open_store(spec.store, secret=spec.secret)
        return self.store

    def __exit__(self, *exc) -> None:
        if self.store is not None:
            self.store.close()


def history_cycles(store) -> list[dict]:
    """Recorded cycles with coverage (``mentorassess history list``)."""
    from mentorassess.history.views import cycles

    return cycles(store)


def history_mentors(store) -> list[str]:
    """Mentor ids with figures in the ledger."""
    from mentorassess.history.views import mentors

    return mentors(store)


def history_mentor(store, mentor_id: str) -> list[dict]:
    """A mentor's figures across cycles (``mentorassess history mentor``), withheld ones as hidden."""
    from mentorassess.history.views import mentor_figures

    return mentor_figures(store, mentor_id)


def history_export(store) -> bytes:
    """``mentorassess history export`` as JSON bytes (runs and the released ledger only)."""
    import json

    from mentorassess.history.queries import export

    return (json.dumps(export(store), indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def history_forget(store, *, rater: str | None = None, mentor: str | None = None) -> dict[str, int]:
    """``mentorassess history forget``; the counts only (the affected figures name other people)."""
    from mentorassess.history.queries import forget

    rep = forget(store, rater=rater, mentor=mentor)
    return {"responses_deleted": rep["responses_deleted"], "ledger_entries_deleted": rep["ledger_entries_deleted"],
            "released_figures_affected": len(rep["released_figures_affected"])}
