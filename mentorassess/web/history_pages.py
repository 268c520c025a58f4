"""The history pages: recorded cycles, a mentor across cycles, the export and the forget action.

A thin layer over :mod:`mentorassess.history` (through :mod:`mentorassess.web.services`), the
same calls as ``mentorassess history list|mentor|export|forget``. The store is the one named by
``history:`` in the program's ``program.yaml`` (set by the *History cycle* field of the program
form). A withheld figure is shown with the release layer's one wording, never a number. Forgetting
a person takes two posts, each with the CSRF token: the form, then a confirmation page that says
what will be deleted; the result page gives counts only.
"""

from __future__ import annotations

from typing import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mentorassess.web import forms, services
from mentorassess.web.security import Refused, read_form

__all__ = ["routes"]


def routes(page: Callable[..., Response], program: Callable, changeable: Callable) -> list[Route]:
    """The history routes, rendered with the app's ``page`` and program look-ups."""

    def _open(prog) -> services.history_store:
        try:
            return services.history_store(prog.config)
        except Exception as exc:
            raise Refused(400, forms.error_text(exc).splitlines()[0]) from None

    def _page(request: Request, prog, name: str, status: int = 200, **ctx) -> Response:
        return page(request, name, status=status, prog=prog, step="history", hidden=services.HIDDEN_TEXT, **ctx)

    async def history_page(request: Request) -> Response:
        prog = program(request)
        h = _open(prog)
        with h as store:
            cycles = services.history_cycles(store) if store is not None else []
            mentors = services.history_mentors(store) if store is not None else []
        return _page(request, prog, "history.html", spec=h.spec, cycles=cycles, mentors=mentors)

    async def mentor_page(request: Request) -> Response:
        prog = program(request)
        mid = (request.query_params.get("id") or "").strip()[:200]
        if not mid:
            raise Refused(400, "Name a mentor: open the mentor from the list on the history page.")
        h = _open(prog)
        with h as store:
            rows = services.history_mentor(store, mid) if store is not None else []
        return _page(request, prog, "history_mentor.html", spec=h.spec, mentor=mid, rows=rows)

    async def export_json(request: Request) -> Response:
        prog = program(request)
        with _open(prog) as store:
            if store is None:
                raise Refused(409, "No cycle is recorded in this program's history yet: nothing to export.")
            body = services.history_export(store)
        name = forms.download_name(prog.state["program"], "history.json")
        return Response(body, media_type="application/json",
                        headers={"content-disposition": f'attachment; filename="{name}"'})

    async def forget_form(request: Request) -> Response:
        prog = program(request)
        h = _open(prog)
        kind = request.query_params.get("kind") if request.query_params.get("kind") in ("rater", "mentor") else None
        return _page(request, prog, "history_forget.html", spec=h.spec, stage="ask", errors=[],
                     kind=kind, person=(request.query_params.get("id") or "")[:200])

    async def forget_post(request: Request) -> Response:
        prog = changeable(request)
        form = await read_form(request)
        kind, person, errors = forms.person(form)
        h = _open(prog)
        if h.spec is None:
            raise Refused(409, "This program keeps no history: set a history cycle on the program page first.")
        if errors:
            return _page(request, prog, "history_forget.html", status=400, spec=h.spec, stage="ask", errors=errors,
                         kind=kind, person=person)
        if form.get("confirm") != "yes":
            return _page(request, prog, "history_forget.html", spec=h.spec, stage="confirm", errors=[], kind=kind,
                         person=person)
        with h as store:
            if store is None:
                counts = {"responses_deleted": 0, "ledger_entries_deleted": 0, "released_figures_affected": 0}
            else:
                counts = services.history_forget(store, **{kind: person})
        return _page(request, prog, "history_forget.html", spec=h.spec, stage="done", errors=[], kind=kind,
                     person=None, counts=counts)

    return [
        Route("/p/{pid}/history", history_page),
        Route("/p/{pid}/history/mentor", mentor_page),
        Route("/p/{pid}/history/export.json", export_json),
        Route("/p/{pid}/history/forget", forget_form),
        Route("/p/{pid}/history/forget", forget_post, methods=["POST"]),
    ]
