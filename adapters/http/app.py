"""The FastAPI application factory: routes, error handling, middleware and OpenAPI, wired from
the services it is given (it never builds storage itself)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.cors import CORSMiddleware

from adapters.http.crud_router import crud_router
from adapters.http.errors import install_error_handlers
from adapters.http.health import health_router
from adapters.http.middleware import BodyLimitMiddleware, RequestContextMiddleware
from adapters.http.problem_docs import problem_docs_router
from adapters.http.request_id import HEADER
from adapters.http.responses import JsonResponse
from adapters.settings import Settings
from upskill.services.crud import CrudService

API_PREFIX = "/api/v1"
EXPOSED_HEADERS = ["Location", "ETag", "Link", HEADER, "Retry-After"]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", HEADER]

Hook = Callable[[], Awaitable[None]]


def _version() -> str:
    try:
        return importlib.metadata.version("upskill")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0"


def create_app(
    *,
    settings: Settings,
    services: Sequence[CrudService[Any]],
    ready: Hook,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
) -> FastAPI:
    """The API: CRUD routes under `/api/v1/{collection}` for each service, `/health/*`,
    `/problems/{slug}`, `/openapi.json` and `/docs`. `on_startup` hooks run in order when
    the lifespan starts; `on_shutdown` hooks run in order when it ends, or when a start-up hook
    fails, and all of them run even if one fails (so they must tolerate a partial start)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            for hook in on_startup:
                await hook()
            yield
        finally:
            await _run_all(on_shutdown)

    app = FastAPI(
        title="Upskill",
        version=_version(),
        description="Competencies, gaps and explained course recommendations. Errors are RFC 9457 problems.",
        lifespan=lifespan,
        default_response_class=JsonResponse,
        docs_url="/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    routers = [
        *(crud_router(service, prefix=API_PREFIX) for service in services),
        health_router(ready),
        problem_docs_router(),
    ]
    allowed_methods: dict[str, set[str]] = {}
    for router in routers:
        app.include_router(router)
        for route in router.routes:
            if isinstance(route, APIRoute):
                allowed_methods.setdefault(route.path_format, set()).update(route.methods or ())
    install_error_handlers(app, retry_after_s=settings.retry_after_s, allowed_methods=allowed_methods)

    # Added innermost first: request context (outermost) → CORS → body limit → the app.
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=ALLOWED_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware, private_prefix=f"{API_PREFIX}/")
    _install_openapi(app)
    return app


async def _run_all(hooks: Sequence[Hook]) -> None:
    errors: list[Exception] = []
    for hook in hooks:
        try:
            await hook()
        except Exception as exc:
            errors.append(exc)
    if errors:
        raise ExceptionGroup("shutdown hooks failed", errors)


def _install_openapi(app: FastAPI) -> None:
    """OpenAPI as FastAPI makes it, with every error response served as `application/problem+json`."""

    build = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = build()  # made once, then cached by FastAPI
        if first:
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for status, response in operation.get("responses", {}).items():
                        content = response.get("content", {})
                        if status[:1] in "45" and "application/json" in content:
                            content["application/problem+json"] = content.pop("application/json")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
