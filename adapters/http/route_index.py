"""Route matching by index: only the routes that could match a path are tried.

FastAPI's router tries every route in turn (a regular expression and a few dictionary lookups
each): ~26 µs for a path near the end of our ~80 routes, a tenth of an authenticated GET
(`bench/budget.py`). A route's path starts with its literal text up to its first parameter, so
a request can only match the routes whose literal start begins its path. The index keeps, for
the first three segments of a path (`/api/v1/employees`), the routes that could match some path
beginning so, in their order; the first of those that matches fully is the one FastAPI's loop
would find, and is handled the way that loop handles it. Anything else — no full match among
them (a 405, a redirect, a 404), a route context of FastAPI's own, telemetry, form limits, a
websocket — goes to FastAPI's router as before.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Receive, Scope, Send

FASTAPI_SCOPE_KEY = "fastapi"
"""Where FastAPI keeps a route context in a child scope (`fastapi.routing._FASTAPI_SCOPE_KEY`)."""
SEGMENTS = 3
KEYS = 4096
"""Path beginnings remembered (past this, candidates are found each time)."""


def _literal_start(route: BaseRoute) -> str:
    """The text every path the route matches starts with ('' when it cannot tell)."""
    if isinstance(route, Route | Mount):
        template: str = route.path_format if isinstance(route, Route) else route.path + "/"
        return template.partition("{")[0]
    return ""


def _key(path: str) -> str:
    """The path up to the end of its SEGMENTS-th segment (all of it when it has no more)."""
    end = 0
    for _ in range(SEGMENTS):
        end = path.find("/", end + 1)
        if end < 0:
            return path
    return path[:end]


class RouteIndex:
    def __init__(self, app: FastAPI) -> None:
        self._router = app.router
        self._fallback = app.router.middleware_stack
        self._routes: list[BaseRoute] = []
        self._starts: list[tuple[str, BaseRoute]] = []
        self._by_key: dict[str, tuple[BaseRoute, ...]] = {}

    def _candidates(self, path: str) -> tuple[BaseRoute, ...]:
        routes = self._router.routes
        if routes is not self._routes or len(routes) != len(self._starts):  # routes added or replaced
            self._routes = routes
            self._starts = [(_literal_start(r), r) for r in routes]
            self._by_key = {}
        key = _key(path)
        found = self._by_key.get(key)
        if found is None:
            found = tuple(r for start, r in self._starts if key.startswith(start) or start.startswith(key + "/"))
            if len(self._by_key) < KEYS:
                self._by_key[key] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "fastapi.telemetry" in scope or self._router.form_limits:
            await self._fallback(scope, receive, send)
            return
        path = get_route_path(scope)
        for route in self._candidates(path):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                if FASTAPI_SCOPE_KEY in child_scope:
                    break
                if "router" not in scope:
                    scope["router"] = self._router
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await self._fallback(scope, receive, send)


def install_route_index(app: FastAPI) -> bool:
    """Match `app`'s routes by index (see the module), unless its router has middleware or
    form limits of its own; whether it was installed."""
    router: Any = app.router
    if router.middleware_stack != router.app or router.form_limits:
        return False
    router.middleware_stack = RouteIndex(app)
    return True
