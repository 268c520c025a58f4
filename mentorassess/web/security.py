"""Safety of the local app: the token, the CSRF token, the host check, size limits, headers.

* **Token.** The server prints ``http://127.0.0.1:PORT/?token=...``. A request carrying the token
  gets it as an HttpOnly, SameSite=Strict cookie and is redirected to the same page without it;
  any request without a valid token or cookie gets 403 and nothing else (static files included).
* **Host.** Only ``127.0.0.1``, ``localhost`` (and ``[::1]``) are answered, against DNS rebinding.
* **CSRF.** Every form carries a token derived from a per-server secret; every POST is checked
  (:func:`read_form`), and a POST whose ``Origin`` is another site is refused before that.
* **Size.** A request body above the limit is refused with 413 while it arrives.
"""

from __future__ import annotations

import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

__all__ = ["Guard", "read_form", "csrf_token", "COOKIE", "Refused"]

COOKIE = "mentorassess_token"
_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                  b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


class Refused(Exception):
    """A request the app will not serve (status and message for the page)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _TooLarge(Exception):
    pass


def csrf_token(request: Request) -> str:
    """The CSRF token forms must send back (derived from the server's secret)."""
    secret: bytes = request.app.state.secret
    return hmac.new(secret, b"csrf-form", "sha256").hexdigest()


async def read_form(request: Request, **limits) -> FormData:
    """The posted form, after checking its CSRF token (raises :class:`Refused` with 403)."""
    form = await request.form(**limits)
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, csrf_token(request)):
        await form.close()
        raise Refused(403, "This form has expired or did not come from this app. Reload the page and try again.")
    return form


class Guard:
    """ASGI middleware: host check, token, body size limit and security headers."""

    def __init__(self, app, *, token: str, max_body: int, hosts: set[str] | None = None) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body
        self.hosts = set(hosts or ()) | _HOSTS

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket":  # the app has none; refuse rather than pass one through unchecked
            return await send({"type": "websocket.close", "code": 1008})
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "").rsplit(":", 1)[0] if not headers.get("host", "").startswith("[") \
            else headers["host"].split("]")[0] + "]"
        if host not in self.hosts:
            return await _plain(403, "Unknown host.", send)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given:
            if not hmac.compare_digest(given, self.token):
                return await _plain(403, "Wrong token. Open the address printed by `mentorassess serve`.", send)
            rest = {k: v for k, v in query.items() if k != "token"}
            target = scope.get("path", "/") + (("?" + urlencode(rest, doseq=True)) if rest else "")
            resp = RedirectResponse(target, status_code=303)
            resp.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return await resp(scope, receive, _with_headers(send))
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:
            cookie = SimpleCookie()
        sent = cookie.get(COOKIE)
        if sent is None or not hmac.compare_digest(sent.value, self.token):
            return await _plain(403, "Forbidden: open the address (with its token) printed by `mentorassess serve`.",
                                send)
        if scope["method"] not in ("GET", "HEAD", "POST"):
            return await _plain(405, "Method not allowed.", send)
        if scope["method"] == "POST":
            origin = headers.get("origin")
            if origin and origin != "null" and origin.split("//", 1)[-1].rsplit(":", 1)[0] not in self.hosts:
                return await _plain(403, "Cross-site form posts are refused.", send)
            length = headers.get("content-length")
            if length and length.isdigit() and int(length) > self.max_body:
                return await _plain(413, _too_large(self.max_body), send)
        started = False
        seen = 0

        async def limited_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await _with_headers(send)(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _plain(413, _too_large(self.max_body), send)


def _too_large(limit: int) -> str:
    return f"The upload is larger than the limit of {limit // (1024 * 1024)} MB."


def _with_headers(send):
    async def wrapped(message):
        if message["type"] == "http.response.start":
            message = dict(message)
            message["headers"] = list(message.get("headers", [])) + _HEADERS
        await send(message)
    return wrapped


async def _plain(status: int, text: str, send) -> None:
    await PlainTextResponse(text, status_code=status)({"type": "http"}, None, _with_headers(send))


def new_token() -> str:
    """A fresh random token for the printed address."""
    return secrets.token_urlsafe(32)
