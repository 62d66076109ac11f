"""The route index (`adapters.http.route_index`) picks the route FastAPI's own loop picks."""

from __future__ import annotations

import re
import uuid

from starlette.routing import Match, Route

from adapters.http.route_index import RouteIndex
from tests.integration.conftest import Stack


def _first_full(routes: object, scope: dict[str, object]) -> object:
    for route in routes:  # type: ignore[attr-defined]
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
    return None


def test_every_path_of_the_app_finds_the_route_the_loop_finds(memory_stack: Stack) -> None:
    app = memory_stack.app
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    values = [str(uuid.uuid4()), "x", "me", "history", ""]
    paths = {"/", "/api", "/api/v1", "/api/v1/", "/nope", "/api/v1/nope/x"}
    for route in app.router.routes:
        if isinstance(route, Route):
            for value in values:
                paths.add(re.sub(r"{[^}]+}", value, route.path_format))
                paths.add(re.sub(r"{[^}]+}", value, route.path_format) + "/")
    checked = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE", "HEAD", "OPTIONS"):
            scope = {"type": "http", "path": path, "root_path": "", "method": method}
            assert _first_full(index._candidates(path), dict(scope)) is _first_full(app.router.routes, dict(scope))
            checked += 1
    assert checked > 500
