"""Pure ASGI middleware (no `BaseHTTPMiddleware`: no extra task, no body buffering).

`RequestContextMiddleware` is the outermost: request id, security headers, the one access
line, and the last resort for unexpected exceptions. `BodyLimitMiddleware` refuses bodies
over the size limit, declared or streamed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from loguru import logger
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.problems import CONTENT_TOO_LARGE, INTERNAL_ERROR, ProblemException, problem_response
from adapters.http.request_id import HEADER, REQUEST_ID, accept_request_id
from upskill.domain.principal import Principal

CLIENT_GONE = 499
"""The access-log status of a request cancelled before it was answered (nginx's convention)."""
UNMATCHED = "<unmatched>"
"""The route of a request no route matched (kept out of the access log's route cardinality)."""


def route_template(scope: Scope) -> str:
    """The matched route's path template (`/api/v1/employees/{id}`), never a raw path with
    parameters in it. FastAPI's own parameterless routes (`/docs`, `/openapi.json`) record no
    route, only an endpoint: for those the path is the template."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    if isinstance(template, str):
        return template
    if scope.get("endpoint") is not None and not scope.get("path_params"):
        return str(scope["path"])
    return UNMATCHED


class RequestObserver(Protocol):
    """What request metrics need: each request is `started()` once, then `finished()` once
    with the status it was logged with and its duration."""

    def started(self) -> None: ...

    def finished(self, method: str, route: str, status: int, seconds: float) -> None: ...


class RequestContextMiddleware:
    """Per request: accept or make its id (in a contextvar for the logs, and on the response);
    add `X-Content-Type-Options: nosniff` everywhere and `Cache-Control: no-store` (with the
    HTTP/1.0 `Pragma: no-cache` that RFC 6749 asks of token responses) under `private_prefix`;
    log one access line, with the caller's user id once authentication has set
    `request.state.principal`; turn an unexpected exception into a logged 500; report the
    request to `observer` (metrics), when given, with the same route and status as the log line.
    Requests under `quiet_prefix` (probes, scrapes) are logged at DEBUG unless they fail."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        private_prefix: str = "/api/",
        quiet_prefix: str | tuple[str, ...] = ("/health/", "/metrics"),
        observer: RequestObserver | None = None,
    ) -> None:
        self.app = app
        self.private_prefix = private_prefix
        self.quiet_prefix = quiet_prefix
        self.observer = observer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(_header(scope, _REQUEST_ID_KEY))
        token = REQUEST_ID.set(request_id)
        try:
            with logger.contextualize(request_id=request_id):
                await self._serve(scope, receive, send, request_id)
        finally:
            REQUEST_ID.reset(token)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        path: str = scope["path"]
        private = path.startswith(self.private_prefix)
        status = 500
        started = False
        start = time.perf_counter()
        state = scope.setdefault("state", {})  # `request.state` of every Request made from this scope
        if self.observer is not None:
            self.observer.started()
        added = [(_REQUEST_ID_KEY, request_id.encode("latin-1")), _NOSNIFF]

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started, status = True, message["status"]
                _add_headers(message, added, private)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except asyncio.CancelledError:
            status = CLIENT_GONE if not started else status
            raise
        except Exception as exc:
            logger.opt(exception=exc).error(
                "unhandled {} in {} {}", type(exc).__name__, scope["method"], route_template(scope)
            )
            if not started:
                await problem_response(INTERNAL_ERROR, instance=path)(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            if self.observer is not None:
                self.observer.finished(scope["method"], route, status, elapsed)
            level = "DEBUG" if path.startswith(self.quiet_prefix) and status < 500 else "INFO"
            if _LEVELS[level] >= _least_logged():  # else loguru would drop the line: not made at all
                duration_ms = round(elapsed * 1000, 2)
                principal = state.get("principal")
                user_id = str(principal.user_id) if isinstance(principal, Principal) and principal.user_id else None
                line = logger.bind(
                    method=scope["method"], route=route, status=status, duration_ms=duration_ms, user_id=user_id
                )
                line.log(level, "{} {} {} {}ms", scope["method"], route, status, duration_ms)


_REQUEST_ID_KEY = HEADER.lower().encode("latin-1")
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_PRIVATE = ((b"cache-control", b"no-store"), (b"pragma", b"no-cache"))
_OURS = frozenset({_REQUEST_ID_KEY, _NOSNIFF[0]})
_LEVELS = {"DEBUG": 10, "INFO": 20}


def _least_logged() -> float:
    """The lowest level any loguru sink takes now (loguru drops a record below it before doing
    anything with it); 0 if loguru does not say."""
    level: float = getattr(getattr(logger, "_core", None), "min_level", 0)
    return level


def _header(scope: Scope, key: bytes) -> str | None:
    """The first value of request header `key` (lower case), as `Headers.get` reads it."""
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1"))
    return None


def _add_headers(message: Message, added: list[tuple[bytes, bytes]], private: bool) -> None:
    """Set `added` on a response start (replacing any the app set: `MutableHeaders` semantics),
    and, when `private`, `Cache-Control: no-store` with `Pragma: no-cache` unless the app set a
    Cache-Control. One pass over the headers when the app set none of them (the usual case)."""
    raw = list(message.get("headers", ()))
    names = {name for name, _ in raw}
    if names.isdisjoint(_OURS):
        raw += added
        if private and b"cache-control" not in names:
            raw += _PRIVATE
        message["headers"] = raw
        return
    message["headers"] = raw
    headers = MutableHeaders(scope=message)
    for name, value in added:
        headers[name.decode("latin-1")] = value.decode("latin-1")
    if private and "cache-control" not in headers:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"


class BodyLimitMiddleware:
    """Answers 413 when `Content-Length` is over `max_bytes`, and stops reading a body (chunked
    or lying about its length) as soon as the bytes received pass it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _too_large(self) -> ProblemException:
        return ProblemException(CONTENT_TOO_LARGE, f"The body is over the limit of {self.max_bytes} bytes.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _declared_length(scope) > self.max_bytes:
            exc = self._too_large()
            await problem_response(exc.problem, instance=scope["path"], detail=exc.detail)(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except ProblemException as exc:  # read outside the exception handlers (e.g. by middleware)
            if started or exc.problem is not CONTENT_TOO_LARGE:
                raise
            await problem_response(exc.problem, instance=scope["path"], detail=exc.detail)(scope, receive, send)


def _declared_length(scope: Scope) -> int:
    """`Content-Length` as a number; 0 when absent or not a number (the server refuses those)."""
    declared = Headers(scope=scope).get("content-length", "")
    if not (declared.isascii() and declared.isdigit()):
        return 0
    return int(declared) if len(declared) < 19 else 2**63
