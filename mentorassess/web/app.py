"""The staff journey, one page per step: routes and views only (forms in, templates out).

Every data decision is made by the API behind :mod:`mentorassess.web.services`; this module reads
forms, stores uploads through :mod:`mentorassess.web.workspace` and renders templates.

Examples
--------
>>> import tempfile
>>> from starlette.testclient import TestClient
>>> app = create_app(tempfile.mkdtemp(), token="t0ken")
>>> client = TestClient(app, base_url="http://127.0.0.1")
>>> client.get("/").status_code
403
>>> client.get("/?token=t0ken").status_code
200
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from mentorassess.web import forms, history_pages, services
from mentorassess.web.runs import RunBusy, RunManager
from mentorassess.web.security import Guard, Refused, csrf_token, new_token, read_form
from mentorassess.web.workspace import ROSTER_SUFFIXES, Program, UploadRefused, Workspace, check_upload_name

__all__ = ["create_app", "MAX_UPLOAD"]

HERE = Path(__file__).resolve().parent
MAX_UPLOAD = 50 * 1024 * 1024
STEPS = [("program", "Program"), ("exports", "Exports"), ("preview", "Who receives results"),
         ("comments", "Comments"), ("run", "Run"), ("download", "Download"), ("history", "History")]
templates = Jinja2Templates(env=jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                                                  autoescape=True))


def _ws(request: Request) -> Workspace:
    return request.app.state.workspace


def _program(request: Request) -> Program:
    try:
        return _ws(request).get(request.path_params["pid"])
    except KeyError:
        raise Refused(404, "There is no such program in this workspace.") from None


def _changeable(request: Request) -> Program:
    """The program of a form that changes it; refused while its run reads the files."""
    prog = _program(request)
    if request.app.state.runs.running(prog.id):
        raise Refused(409, "A run of this program is going; wait until it finishes before changing the program.")
    return prog


def _page(request: Request, name: str, status: int = 200, **ctx: Any) -> Response:
    prog = ctx.get("prog")
    ctx.setdefault("step", None)
    ctx.setdefault("prog", None)
    return templates.TemplateResponse(request, name, {"csrf": csrf_token(request), "steps": STEPS,
                                                      "running": bool(prog) and request.app.state.runs.running(prog.id),
                                                      **ctx}, status_code=status)


def _to(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _recheck(prog: Program, eids: list[str] | None = None) -> None:
    """Import each export again (after a new roster, instrument or mapping) and keep its audit."""
    roster = prog.input_path(prog.state["roster"]["stored"]) if prog.state.get("roster") else None
    for e in prog.state["exports"]:
        if eids is not None and e["id"] not in eids:
            continue
        check = services.inspect_export(prog.input_path(e["stored"]), prog.state["instrument"], roster=roster,
                                        role=e.get("role") or None, wave=e.get("wave") or None,
                                        mapping=prog.mapping_path(e["mapping"]) if e.get("mapping") else None,
                                        display=e["display"])
        e["check"] = {"ok": check.ok, "error": check.error, "problems": list(check.problems)}
        e["audit"] = check.audit


# --- step 1: programs --------------------------------------------------------------------------

async def index(request: Request) -> Response:
    return _page(request, "index.html", programs=_ws(request).programs(), instruments=services.instruments(),
                 values=forms.DEFAULTS, errors=[])


async def create_program(request: Request) -> Response:
    form = await read_form(request)
    settings, errors = forms.settings(form)
    if not errors:
        errors = forms.config_problems(_ws(request), settings)
    if errors:
        return _page(request, "index.html", status=400, programs=_ws(request).programs(),
                     instruments=services.instruments(), values=forms.echo(form), errors=errors)
    prog = _ws(request).create(settings)
    return _to(f"/p/{prog.id}")


async def program_page(request: Request) -> Response:
    prog = _program(request)
    return _page(request, "program.html", prog=prog, step="program", instruments=services.instruments(),
                 values=forms.values_of(prog.state), errors=[], roster_error=None, wave_types=forms.WAVE_TYPES)


async def program_settings(request: Request) -> Response:
    prog = _changeable(request)
    form = await read_form(request)
    settings, errors = forms.settings(form)
    if not errors:
        errors = forms.config_problems(_ws(request), {**prog.state, **settings})
    if errors:
        return _page(request, "program.html", status=400, prog=prog, step="program",
                     instruments=services.instruments(), values=forms.echo(form), errors=errors, roster_error=None,
                     wave_types=forms.WAVE_TYPES)
    changed = settings["instrument"] != prog.state["instrument"]
    prog.state.update(settings)
    if changed:
        _recheck(prog)
    _ws(request).save(prog)
    return _to(f"/p/{prog.id}?saved=1")


async def _uploads(request: Request, form, field: str) -> list[UploadFile]:
    files = [f for f in form.getlist(field) if isinstance(f, UploadFile) and (f.filename or f.size)]
    if not files:
        raise UploadRefused("choose a file to upload")
    return files


def _chunks(upload: UploadFile):
    fh = upload.file
    fh.seek(0)
    while True:
        chunk = fh.read(1 << 20)
        if not chunk:
            return
        yield chunk


async def upload_roster(request: Request) -> Response:
    prog = _changeable(request)
    form = await read_form(request, max_files=1)
    try:
        (upload,) = (await _uploads(request, form, "roster"))[:1]
        suffix = check_upload_name(upload.filename, ROSTER_SUFFIXES)
        stored = _ws(request).store(prog, "roster", suffix, _chunks(upload), request.app.state.max_upload)
    except UploadRefused as exc:
        return _page(request, "program.html", status=exc.status, prog=prog, step="program",
                     instruments=services.instruments(), values=forms.values_of(prog.state), errors=[],
                     roster_error=str(exc), wave_types=forms.WAVE_TYPES)
    finally:
        await form.close()
    try:
        n = services.check_roster(prog.input_path(stored))
    except Exception as exc:
        from mentorassess.errors import MentorAssessError

        if not isinstance(exc, MentorAssessError):
            raise
        prog.input_path(stored).chmod(0o644)
        prog.input_path(stored).unlink()
        return _page(request, "program.html", status=400, prog=prog, step="program",
                     instruments=services.instruments(), values=forms.values_of(prog.state), errors=[],
                     roster_error=str(exc).splitlines()[0], wave_types=forms.WAVE_TYPES)
    prog.state["roster"] = {"stored": stored, "display": upload.filename, "mentors": n}
    _recheck(prog)
    _ws(request).save(prog)
    return _to(f"/p/{prog.id}?roster=1")


# --- step 2: exports -------------------------------------------------------------------------------

def _exports_page(request: Request, prog: Program, status: int = 200, error: str | None = None) -> Response:
    return _page(request, "exports.html", status=status, prog=prog, step="exports", error=error,
                 roles=services.instrument_roles(prog.state["instrument"]),
                 max_mb=request.app.state.max_upload // (1024 * 1024))


async def exports_page(request: Request) -> Response:
    return _exports_page(request, _program(request))


async def upload_exports(request: Request) -> Response:
    prog = _changeable(request)
    form = await read_form(request, max_files=20)
    added: list[str] = []
    try:
        files = await _uploads(request, form, "exports")
        role, wave = forms.role_wave(form, prog.state)
        for upload in files:
            suffix = check_upload_name(upload.filename)
            stored = _ws(request).store(prog, "export", suffix, _chunks(upload), request.app.state.max_upload)
            eid = _ws(request).new_export_id()
            prog.state["exports"].append({"id": eid, "stored": stored, "display": upload.filename, "role": role,
                                          "wave": wave, "mapping": None})
            added.append(eid)
    except UploadRefused as exc:
        if added:
            _recheck(prog, added)
            _ws(request).save(prog)
        return _exports_page(request, prog, status=exc.status, error=str(exc))
    finally:
        await form.close()
    _recheck(prog, added)
    _ws(request).save(prog)
    if len(added) == 1:
        return _to(f"/p/{prog.id}/exports/{added[0]}")
    return _to(f"/p/{prog.id}/exports")


def _export(request: Request, prog: Program) -> dict:
    e = prog.export(request.path_params["eid"])
    if e is None:
        raise Refused(404, "There is no such export in this program.")
    return e


async def export_page(request: Request) -> Response:
    prog = _program(request)
    e = _export(request, prog)
    return _page(request, "export.html", prog=prog, step="exports", e=e, reasons=services.EXCLUSION_REASONS,
                 roles=services.instrument_roles(prog.state["instrument"]))


async def remove_export(request: Request) -> Response:
    prog = _changeable(request)
    await read_form(request)
    e = _export(request, prog)
    prog.state["exports"].remove(e)
    prog.state["removed"] = prog.state.get("removed", []) + [e["stored"]]  # the file stays, unread
    _ws(request).save(prog)
    return _to(f"/p/{prog.id}/exports")


def _draft(prog: Program, e: dict):
    from mentorassess.errors import MentorAssessError

    try:
        return services.draft(prog.input_path(e["stored"]), prog.state["instrument"], e["display"])
    except MentorAssessError as exc:
        raise Refused(400, f"{e['display']} cannot be read as a table, so no mapping can be drafted: "
                           f"{forms.error_text(exc).splitlines()[0]}") from None


async def mapping_page(request: Request) -> Response:
    prog = _program(request)
    e = _export(request, prog)
    draft = _draft(prog, e)
    return _page(request, "mapping.html", prog=prog, step="exports", e=e, error=None,
                 **forms.mapping_context(draft, prog.state, e))


async def save_mapping(request: Request) -> Response:
    prog = _changeable(request)
    e = _export(request, prog)
    form = await read_form(request)
    draft = _draft(prog, e)
    text, chosen, role, wave = forms.mapping_yaml(form, draft, prog.state)
    name = _ws(request).new_mapping_name()
    from mentorassess._files import atomic_write_text

    atomic_write_text(prog.mapping_path(name), text)
    try:
        services.check_mapping(prog.mapping_path(name))
    except Exception as exc:
        prog.mapping_path(name).unlink()
        return _page(request, "mapping.html", status=400, prog=prog, step="exports", e=e,
                     error=str(exc), **forms.mapping_context(draft, prog.state, e, chosen))
    e.update(mapping=name, role=role, wave=wave, mapping_form=chosen)
    _recheck(prog, [e["id"]])
    _ws(request).save(prog)
    return _to(f"/p/{prog.id}/exports/{e['id']}")


# --- steps 3-4: release preview and comments -----------------------------------------------------------

def _ready(prog: Program) -> str | None:
    if not any(e.get("check", {}).get("ok") for e in prog.state["exports"]):
        return "Upload at least one export that imports without errors first."
    return None


async def preview_page(request: Request) -> Response:
    prog = _program(request)
    problem, rows, settings = _ready(prog), [], {}
    if problem is None:
        try:
            rows, settings = services.preview(prog.config)
        except Exception as exc:
            problem = forms.error_text(exc)
    return _page(request, "preview.html", prog=prog, step="preview", problem=problem, rows=rows, settings=settings)


async def comments_page(request: Request) -> Response:
    prog = _program(request)
    problem, rows = _ready(prog), []
    if problem is None:
        try:
            rows = services.comments(prog.config)
        except Exception as exc:
            problem = forms.error_text(exc)
    return _page(request, "comments.html", prog=prog, step="comments", problem=problem, rows=rows,
                 excluded=set(prog.state["exclude_comments"]), saved=request.query_params.get("saved"))


async def save_comments(request: Request) -> Response:
    prog = _changeable(request)
    form = await read_form(request)
    shown = set(form.getlist("shown"))
    chosen = set(form.getlist("exclude")) & shown
    kept = [x for x in prog.state["exclude_comments"] if x not in shown]
    prog.state["exclude_comments"] = sorted(set(kept) | chosen)
    _ws(request).save(prog)
    return _to(f"/p/{prog.id}/comments?saved=1")


# --- steps 5-6: run and download ------------------------------------------------------------------

async def run_page(request: Request) -> Response:
    prog = _program(request)
    state = request.app.state.runs.state(prog.id)
    return _page(request, "run.html", prog=prog, step="run", state=state.to_dict(), problem=_ready(prog))


async def start_run(request: Request) -> Response:
    prog = _program(request)
    await read_form(request)
    if _ready(prog):
        return _to(f"/p/{prog.id}/run")
    try:
        names = {e["stored"]: e["display"] for e in prog.state["exports"]}
        request.app.state.runs.start(prog.id, prog.config, prog.output, prog.folder / ".run.lock", names=names)
    except RunBusy:
        return _page(request, "run.html", status=409, prog=prog, step="run",
                     state=request.app.state.runs.state(prog.id).to_dict(),
                     problem="A run of this program is already going; wait for it to finish.")
    return _to(f"/p/{prog.id}/run")


async def run_status(request: Request) -> Response:
    prog = _program(request)
    return JSONResponse(request.app.state.runs.state(prog.id).to_dict())


def _summary(prog: Program) -> dict | None:
    import json

    path = prog.output / "run-summary.json"
    return json.loads(path.read_text("utf-8")) if path.is_file() else None


async def download_page(request: Request) -> Response:
    prog = _program(request)
    summary = _summary(prog)
    groups: dict[str, list[str]] = {}
    if summary is not None:
        for p in sorted(prog.output.rglob("*")):
            if p.is_file() and not p.name.startswith("."):
                rel = p.relative_to(prog.output).parts
                groups.setdefault(rel[0] if len(rel) > 1 else "", []).append("/".join(rel))
    return _page(request, "download.html", prog=prog, step="download", summary=summary, groups=groups)


async def download_zip(request: Request) -> Response:
    prog = _program(request)
    if request.app.state.runs.running(prog.id) or _summary(prog) is None:
        raise Refused(409, "There are no finished reports to download yet: run the program first.")
    target = prog.folder / "downloads" / "reports.zip"
    services.zip_outputs(prog.output, target)
    name = forms.download_name(prog.state["program"])
    return FileResponse(target, media_type="application/zip", filename=name)


# --- the app ------------------------------------------------------------------------------------

async def _refused(request: Request, exc: Refused) -> Response:
    return _page(request, "error.html", status=exc.status, message=str(exc))


async def _not_found(request: Request, exc) -> Response:
    return _page(request, "error.html", status=404, message="There is no such page.")


def create_app(workspace: str | Path, *, token: str | None = None, max_upload: int = MAX_UPLOAD,
               hosts: set[str] | None = None) -> Any:
    """The web app (an ASGI app) over ``workspace``; ``token`` is the secret of the printed address."""
    routes = [
        Route("/", index),
        Route("/programs", create_program, methods=["POST"]),
        Route("/p/{pid}", program_page),
        Route("/p/{pid}/settings", program_settings, methods=["POST"]),
        Route("/p/{pid}/roster", upload_roster, methods=["POST"]),
        Route("/p/{pid}/exports", exports_page),
        Route("/p/{pid}/exports", upload_exports, methods=["POST"]),
        Route("/p/{pid}/exports/{eid}", export_page),
        Route("/p/{pid}/exports/{eid}/remove", remove_export, methods=["POST"]),
        Route("/p/{pid}/exports/{eid}/mapping", mapping_page),
        Route("/p/{pid}/exports/{eid}/mapping", save_mapping, methods=["POST"]),
        Route("/p/{pid}/preview", preview_page),
        Route("/p/{pid}/comments", comments_page),
        Route("/p/{pid}/comments", save_comments, methods=["POST"]),
        Route("/p/{pid}/run", run_page),
        Route("/p/{pid}/run", start_run, methods=["POST"]),
        Route("/p/{pid}/run/status", run_status),
        Route("/p/{pid}/download", download_page),
        Route("/p/{pid}/download/reports.zip", download_zip),
        *history_pages.routes(_page, _program, _changeable),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    inner = Starlette(routes=routes, exception_handlers={Refused: _refused, 404: _not_found})
    inner.state.workspace = Workspace(workspace)
    inner.state.runs = RunManager()
    inner.state.secret = secrets.token_bytes(32)
    inner.state.max_upload = max_upload
    token = token or new_token()
    guarded = Guard(inner, token=token, max_body=max_upload + 1024 * 1024, hosts=hosts)
    guarded.state = inner.state  # tests reach the workspace and runs through the app they hold
    return guarded
