"""Forms: from posted fields to the settings, mapping files and choices the API takes, and back.

Only the shape of the input is checked here (a number is a number); whether a setting is allowed
is decided by :func:`mentorassess.config.load_config` on the ``program.yaml`` the form would write.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from mentorassess.web import services
from mentorassess.web.workspace import Program, Workspace, program_yaml

__all__ = ["settings", "config_problems", "values_of", "role_wave", "mapping_context", "mapping_yaml",
           "error_text", "download_name", "echo", "person", "DEFAULTS", "WAVE_TYPES", "FROM_FILE"]

WAVE_TYPES = ("pre", "post", "retrospective_pre", "follow_up", "cycle")
FROM_FILE = ""
N_WAVES = 4
DEFAULTS = {"program": "", "instrument": "mca-26", "min_raters": "3", "min_raters_comments": "", "comments": "on",
            "contact": "", "report_date": "",
            "wave_id_0": "pre", "wave_type_0": "pre", "wave_label_0": "start of the program",
            "wave_id_1": "post", "wave_type_1": "post", "wave_label_1": "end of the program"}


def _text(form, key: str, limit: int = 300) -> str:
    value = form.get(key)
    return value.strip()[:limit] if isinstance(value, str) else ""


def settings(form) -> tuple[dict[str, Any], list[str]]:
    """Program settings from the program form; problems of shape only."""
    errors: list[str] = []
    name = _text(form, "program")
    if not name:
        errors.append("Program name: give the program a name.")
    out: dict[str, Any] = {"program": name, "instrument": _text(form, "instrument") or "mca-26",
                           "contact": _text(form, "contact"), "comments": form.get("comments") == "on"}
    for key, label in (("min_raters", "Minimum mentee responses"), ("min_raters_comments", "Minimum for comments")):
        raw = _text(form, key)
        if not raw and key == "min_raters_comments":
            out[key] = None
        elif re.fullmatch(r"\d{1,4}", raw):
            out[key] = int(raw)
        else:
            errors.append(f"{label}: enter a whole number.")
            out[key] = 3 if key == "min_raters" else None
    date = _text(form, "report_date")
    if date and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        errors.append("Report date: use the form 2026-06-30.")
        date = ""
    out["report_date"] = date
    cycle = _text(form, "cycle", 40)
    if cycle and not re.fullmatch(r"[A-Za-z0-9_.-]+", cycle):
        errors.append("History cycle: use letters, digits, '.', '-' and '_' only (e.g. 2026).")
        cycle = ""
    out["cycle"] = cycle or None
    out["history"] = _history(form, errors)
    waves = []
    for i in range(N_WAVES):
        wid = _text(form, f"wave_id_{i}", 40)
        if not wid:
            continue
        if not re.fullmatch(r"[A-Za-z0-9_-]+", wid):
            errors.append(f"Wave {i + 1}: an id uses letters, digits, - and _ only (e.g. pre, post).")
            continue
        wtype = _text(form, f"wave_type_{i}") or "cycle"
        waves.append({"id": wid, "type": wtype, "label": _text(form, f"wave_label_{i}", 80) or None})
    out["waves"] = waves
    return out, errors


_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def _history(form, errors: list[str]) -> dict[str, Any]:
    """Where the history lives and how it pools (used only with a history cycle).

    A SQLite store is a plain file name in the program's folder; a PostgreSQL store is a URL with no
    password in it (``program.yaml`` is plain text: the password goes in ``~/.pgpass`` or
    ``PGPASSWORD``) and needs the path of the program secret that every machine writing to the
    store shares.
    """
    from urllib.parse import urlsplit

    out: dict[str, Any] = {}
    store = _text(form, "history_store", 500)
    if "://" in store:
        try:
            url = urlsplit(store)
            password = url.password
        except ValueError:
            url, password = None, None
        if url is None or url.scheme not in ("postgresql", "postgresql+psycopg") or not url.hostname:
            errors.append("History store: give a file name such as history.sqlite, or a PostgreSQL address "
                          "such as postgresql://user@server/database.")
        elif password is not None:
            errors.append("History store: leave the password out of the address (it would be saved in "
                          "program.yaml); put it in ~/.pgpass or PGPASSWORD on this computer.")
        else:
            out["store"] = store
    elif store:
        if not _NAME.fullmatch(store) or store.startswith("."):
            errors.append("History store: a file name in the program's folder uses letters, digits, '.', '-' and "
                          "'_' only (e.g. history.sqlite), or give a postgresql:// address.")
        else:
            out["store"] = store
    secret = _text(form, "history_secret", 500)
    if secret:
        if not secret.startswith("/"):
            errors.append("History secret: give the full path of the secret file, starting with '/'.")
        else:
            out["secret"] = secret
    elif "://" in store:
        errors.append("History secret: a PostgreSQL store needs the full path of the program's secret file, "
                      "the same on every computer that writes to the store.")
    if form.get("history_hash_only") == "on":
        out["store_responses"] = False
    raw = _text(form, "pool_block", 10)
    if raw:
        if re.fullmatch(r"\d{1,2}", raw):
            out["pool_block"] = int(raw)
        else:
            errors.append("Pool cycles in blocks of: enter a whole number (0 or 1: no pooling, e.g. 3).")
    names = [c for c in re.split(r"[,\s]+", _text(form, "pool_cycles", 500)) if c]
    if any(not _NAME.fullmatch(c) for c in names):
        errors.append("Cycles in order: list cycle names separated by commas (e.g. 2024, 2025, 2026).")
    elif names:
        out["pool_cycles"] = names
    return out


def echo(form) -> dict[str, Any]:
    """The posted fields to show again on a refused form, with any password cut out of a store address.

    >>> echo({"history_store": "postgresql://staff:pw@db/m", "program": "P"})["history_store"]
    'postgresql://staff@db/m'
    """
    out = dict(form)
    store = out.get("history_store")
    if isinstance(store, str) and "://" in store and "@" in store:
        head, _, tail = store.partition("://")
        auth, at, rest = tail.rpartition("@")
        out["history_store"] = f"{head}://{auth.split(':', 1)[0]}{at}{rest}"
    return out


def values_of(state: dict) -> dict[str, str]:
    """Form values of stored settings."""
    out = {"program": state["program"], "instrument": state["instrument"],
           "min_raters": str(state.get("min_raters", 3)), "min_raters_comments": str(state.get("min_raters_comments")
                                                                                  or ""),
           "comments": "on" if state.get("comments", True) else "", "contact": state.get("contact") or "",
           "report_date": state.get("report_date") or "", "cycle": state.get("cycle") or ""}
    h = state.get("history") or {}
    out.update({"history_store": h.get("store", ""), "history_secret": h.get("secret", ""),
                "history_hash_only": "" if h.get("store_responses", True) else "on",
                "pool_block": str(h["pool_block"]) if "pool_block" in h else "",
                "pool_cycles": ", ".join(h.get("pool_cycles", []))})
    for i, w in enumerate(state.get("waves", [])):
        out.update({f"wave_id_{i}": w["id"], f"wave_type_{i}": w["type"], f"wave_label_{i}": w.get("label") or ""})
    return out


def config_problems(ws: Workspace, state: dict) -> list[str]:
    """What :func:`load_config` says of the ``program.yaml`` these settings would write."""
    from mentorassess._files import atomic_write_text

    folder = ws.root / "programs" / state["id"] if state.get("id") else ws.root
    full = {"roster": None, "exports": [], "exclude_comments": [], **state}
    probe = folder / f".check-{secrets.token_hex(6)}.yaml"
    atomic_write_text(probe, program_yaml(Program(id="check", folder=folder, state=full)))
    try:
        services.load_program(probe)
    except Exception as exc:
        problems = getattr(exc, "problems", ()) or ()
        if not problems:
            return [error_text(exc)]
        return [p.message + (f" ({p.hint})" if p.hint else "") for p in problems if tuple(p.loc) != ("exports",)]
    finally:
        probe.unlink(missing_ok=True)
    return []


def role_wave(form, state: dict) -> tuple[str | None, str | None]:
    """The constant role and wave chosen on the upload or mapping form (None: a column says)."""
    roles = set(services.instrument_roles(state["instrument"]))
    waves = {w["id"] for w in state.get("waves", [])}
    role, wave = _text(form, "role"), _text(form, "wave")
    return (role if role in roles else None), (wave if wave in waves else None)


def mapping_context(draft: services.Draft, state: dict, export: dict, chosen: dict | None = None) -> dict:
    """What the mapping page shows: each field with the drafted (or last chosen) column and confidence."""
    chosen = chosen or export.get("mapping_form") or {}
    items = dict(services.instrument_items(state["instrument"]))
    prompts = dict(services.instrument_comments(state["instrument"]))
    meta = {d.key: d for d in draft.meta}
    meta_rows = []
    for key, label in (("mentor", "Mentor (id, e-mail or name)"), ("wave", "Wave"), ("role", "Rater role"),
                       ("rater_id", "Rater id"), ("response_id", "Response id"), ("submitted_at", "Submitted at")):
        d = meta.get(key)
        meta_rows.append({"key": key, "label": label, "column": chosen.get(f"col:{key}", d.column if d else None),
                          "confidence": d.confidence if d else "none", "note": d.note if d else ""})
    item_rows = [{"key": d.key, "label": items.get(d.key, d.key), "column": chosen.get(f"item:{d.key}", d.column),
                  "confidence": d.confidence, "similarity": d.similarity} for d in draft.items]
    comment_rows = [{"key": d.key, "label": prompts.get(d.key, d.key),
                     "column": chosen.get(f"comment:{d.key}", d.column), "confidence": d.confidence}
                    for d in draft.comments]
    values = [{"code": v, "meaning": chosen.get(f"value:{v}", "")} for v in draft.values]
    extra = [(k[6:], v) for k, v in chosen.items() if k.startswith("value:") and k[6:] not in draft.values]
    values += [{"code": c, "meaning": m} for c, m in extra]
    return {"draft": draft, "meta_rows": meta_rows, "item_rows": item_rows, "comment_rows": comment_rows,
            "value_rows": values, "blank_values": 3, "scale": services.scale_choices(state["instrument"]),
            "roles": services.instrument_roles(state["instrument"]),
            "role": chosen.get("role", export.get("role") or draft.role or ""),
            "wave": chosen.get("wave", export.get("wave") or "")}


def mapping_yaml(form, draft: services.Draft, state: dict) -> tuple[str, dict, str | None, str | None]:
    """The mapping file the form describes, the choices (to show them again), and role and wave."""
    import yaml

    columns = set(draft.columns)
    chosen: dict[str, str] = {}

    def pick(field: str) -> str | None:
        value = _text(form, field, 500)
        if value in columns:
            chosen[field] = value
            return value
        chosen[field] = ""
        return None

    role, wave = role_wave(form, state)
    chosen["role"], chosen["wave"] = role or "", wave or ""
    data: dict[str, Any] = {"instrument": state["instrument"], "format": draft.format}
    if draft.sheet:
        data["sheet"] = draft.sheet
    if role:
        data["role"] = role
    if wave:
        data["wave"] = wave
    cols = {k: pick(f"col:{k}") for k in ("mentor", "wave", "role", "rater_id", "response_id", "submitted_at")}
    data["columns"] = {k: v for k, v in cols.items() if v and not (k == "role" and role) and not (k == "wave" and wave)}
    for d in draft.meta:  # detected bookkeeping columns (finished, progress...) stay as drafted
        if d.key not in cols and d.column in columns and d.confidence == "exact":
            data["columns"][d.key] = d.column
    data["items"] = {d.key: pick(f"item:{d.key}") for d in draft.items}
    comments = {d.key: pick(f"comment:{d.key}") for d in draft.comments}
    data["comments"] = {k: v for k, v in comments.items() if v}
    meanings = {v for v, _ in services.scale_choices(state["instrument"])}
    values: dict[Any, Any] = {}
    pairs = [(_text(form, f"code_{i}", 100), _text(form, f"value_{i}")) for i in range(100) if f"code_{i}" in form]
    pairs += [(_text(form, f"newcode_{i}", 100), _text(form, f"newvalue_{i}")) for i in range(3)]
    for code, meaning in pairs:
        if code and meaning in meanings:
            chosen[f"value:{code}"] = meaning
            values[_number(code)] = meaning if meaning == "na" else int(meaning)
    if values:
        data["values"] = values
    header = "# Mapping saved from the mapping form of `mentorassess serve`.\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), chosen, role, wave


def _number(code: str) -> Any:
    return int(code) if re.fullmatch(r"-?\d{1,9}", code) else code


def error_text(exc: Exception) -> str:
    from mentorassess.errors import MentorAssessError

    if not isinstance(exc, MentorAssessError):
        raise exc
    return str(exc)


def download_name(program: str, what: str = "reports.zip") -> str:
    """``<program>-reports.zip`` (or ``-<what>``) with the name folded to safe ASCII."""
    ascii_name = unicodedata.normalize("NFKD", program).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()[:60] or "program"
    return f"{slug}-{what}"


def person(form) -> tuple[str | None, str, list[str]]:
    """The forget form: ``(kind, id, problems)`` with kind ``rater`` or ``mentor``."""
    kind = _text(form, "kind")
    pid = _text(form, "person", 200)
    errors = []
    if kind not in ("rater", "mentor"):
        errors.append("Choose whether the id is a rater's or a mentor's.")
        kind = None
    if not pid:
        errors.append("Id: enter the rater's or mentor's id.")
    return kind, pid, errors

