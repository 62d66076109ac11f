"""Probes: liveness (the process answers) and readiness (its dependencies do)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from starlette.responses import Response

from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from upskill.domain.errors import Unavailable


def health_router(ready: Callable[[], Awaitable[None]]) -> APIRouter:
    """`ready` raises Unavailable when the service cannot serve (database down, schema behind)."""
    router = APIRouter(prefix="/health", tags=["operations"])

    @router.get("/live", response_class=JsonResponse, responses=problem_responses(500))
    async def live() -> Response:
        """The process is up (no dependency is checked)."""
        return JsonResponse({"status": "live"})

    @router.get("/ready", response_class=JsonResponse, responses=problem_responses(500, 503))
    async def is_ready() -> Response:
        """The database answers and its schema is at the latest migration; else 503 with `Retry-After`."""
        try:
            await ready()
        except Unavailable:
            raise
        except Exception as exc:  # logged once, with this cause, by the problem handler
            raise Unavailable("The readiness check failed unexpectedly.") from exc
        return JsonResponse({"status": "ready"})

    return router
