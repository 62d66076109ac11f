"""Hot routes: the few routes every client calls all the time answered without FastAPI's
per-request dependency machinery, while FastAPI still describes them.

FastAPI's request handler costs ~140 µs of CPU per request here (the Request, two exit stacks,
the exception wrapper, the endpoint's context, dependency resolution, parameter validation):
a third of an authenticated GET (`bench/budget.py`). A hot route keeps its `APIRoute` —
path, parameters, body model, responses, so the OpenAPI document is the same — and gets, in
front of FastAPI's handler, a `Fast` handler of its own that calls the very dependencies and
endpoint FastAPI would, in the order FastAPI would, for the requests it can answer exactly as
FastAPI would: the ordinary ones (a canonical UUID in the path, a JSON body that parses and
validates). For any other request it answers None before anything is decided, and FastAPI's
own handler serves it (the body already read is handed to it again), so errors, their
problems and their order are FastAPI's. Exceptions go to the app's exception handlers as
FastAPI's route wrapper sends them. With FastAPI's telemetry on, FastAPI serves every request.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import orjson
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette._exception_handler import wrap_app_handling_exceptions
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

Fast = Callable[[Request], Awaitable[Response | None]]
"""A hot route's handler: its response, or None to leave the request to FastAPI's handler."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


_FASTAPI = "fastapi_handler"


def fastapi_app(route: APIRoute) -> ASGIApp | None:
    """FastAPI's own handler of a hot route (tests compare the two); None for another route."""
    handler: ASGIApp | None = getattr(route.app, _FASTAPI, None)
    return handler


def hot(route: APIRoute, fast: Fast) -> None:
    """Serve `route` with `fast` first (see the module)."""
    slow = route.app

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if "fastapi.telemetry" in scope:
            await slow(scope, receive, send)
            return
        request = Request(scope, receive, send)

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            try:
                response = await fast(request)
            except BodyUnread as unread:  # FastAPI's handler meets the same failure
                await slow(scope, _failing(unread.error), send)
                return
            if response is None:
                await slow(scope, _again(request, receive), send)
                return
            await response(scope, receive, send)

        await wrap_app_handling_exceptions(serve, request)(scope, receive, send)

    setattr(app, _FASTAPI, slow)
    route.app = app


def _again(request: Request, receive: Receive) -> Receive:
    """`receive` as FastAPI's handler must see it: the body `fast` read, if it read it."""
    body: bytes | None = getattr(request, "_body", None)
    if body is None:
        return receive
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _failing(error: Exception) -> Receive:
    async def receive() -> Message:
        raise error

    return receive


class BodyUnread(Exception):
    """Reading the body failed with `error`: FastAPI's handler is to meet the same failure."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def path_uuid(request: Request, name: str = "id") -> UUID | None:
    """The path parameter `name` when it is a UUID written the canonical way (36 characters),
    which FastAPI's validation would take as the same UUID; None for any other spelling."""
    raw = request.scope["path_params"].get(name)
    return UUID(raw) if isinstance(raw, str) and _UUID.fullmatch(raw) else None


async def read_json(request: Request) -> Any | None:
    """The request's JSON body, parsed, when FastAPI would parse it to the same value: a
    non-empty body that orjson reads (JSON FastAPI's `json.loads` reads another way — very
    large integers, NaN, other encodings — is left to FastAPI); None otherwise. A body that
    fails to arrive is left to FastAPI too, which meets the same failure (BodyUnread)."""
    try:
        body = await request.body()
    except Exception as error:
        raise BodyUnread(error) from error
    if not body:
        return None
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def validated(model: type[BaseModel], value: Any) -> BaseModel | None:
    """`value` validated as FastAPI validates a body (`from_attributes`, Python mode); None
    when it is not valid (FastAPI's handler then says why)."""
    if not isinstance(value, dict):
        return None
    try:
        return model.model_validate(value, from_attributes=True)
    except ValidationError:
        return None
