"""The FastAPI application factory: routes, authentication, error handling, middleware and
OpenAPI, wired from the services it is given (it never builds storage itself)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry
from starlette.middleware.cors import CORSMiddleware

from adapters.http.account_routes import account_router
from adapters.http.auth import install_authentication
from adapters.http.crud_router import crud_router
from adapters.http.discovery import discovery_router
from adapters.http.docs import docs_router
from adapters.http.errors import install_error_handlers
from adapters.http.event_routes import events_router
from adapters.http.health import health_router
from adapters.http.idempotency import REPLAYED, IdempotencyMiddleware, document
from adapters.http.learning_routes import plans_router, review_router
from adapters.http.matrix_routes import matrix_router
from adapters.http.metrics import PoolStats, RequestMetrics, metrics_router
from adapters.http.middleware import BodyLimitMiddleware, RequestContextMiddleware
from adapters.http.openapi import finish_document
from adapters.http.paths import API_PREFIX
from adapters.http.problem_docs import problem_docs_router
from adapters.http.rate_limit import TokenBucketLimiter
from adapters.http.request_id import HEADER
from adapters.http.responses import JsonResponse
from adapters.http.route_index import install_route_index
from adapters.http.schemas import ResourceSchemas, schemas_for
from adapters.http.signin_routes import sign_in_router
from adapters.http.token_routes import token_router
from adapters.http.training_routes import training_router
from adapters.settings import Settings
from upskill.domain.entity import Entity
from upskill.domain.identity import User
from upskill.domain.ids import SystemClock
from upskill.domain.resource import Resource
from upskill.domain.resources import COURSES, REQUIREMENTS
from upskill.domain.security import TokenSigner
from upskill.services.assessments import AssessmentService
from upskill.services.auth import AuthService
from upskill.services.crud import CrudService
from upskill.services.events import EventService
from upskill.services.idempotency import IdempotencyService
from upskill.services.plans import PlanService
from upskill.services.signin import SignInService
from upskill.services.training import TrainingService

__all__ = ["API_PREFIX", "create_app"]
EXPOSED_HEADERS = ["Location", "ETag", "Link", HEADER, "Retry-After", REPLAYED]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", HEADER, "Idempotency-Key"]

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
    auth: AuthService,
    signer: TokenSigner,
    training: TrainingService,
    ready: Hook,
    on_startup: Sequence[Hook] = (),
    on_shutdown: Sequence[Hook] = (),
    metrics_registry: CollectorRegistry | None = None,
    pool_stats: PoolStats | None = None,
    sign_in: SignInService | None = None,
    events: EventService | None = None,
    idempotency: IdempotencyService | None = None,
) -> FastAPI:
    """The API: CRUD routes under `/api/v1/{collection}` for each service, the OAuth 2.0 and
    account routes under `/api/v1/auth` (through `auth`), the domain routes (coverage,
    competencies, gaps, recommendations: `training`), `/.well-known/*` (`signer`'s public keys,
    metadata from `settings.issuer`), `/health/*`, `/metrics`, `/problems/{slug}`, the learning
    loop's own routes for an `AssessmentService` (review) and a `PlanService` (from gaps) among
    `services`,
    `/openapi.json`, `/docs` and `/redoc`. Every `/api/v1` route but token, register and revoke needs a bearer token.
    `services` must include the one for `User` (it serves `/auth/me`; ValueError otherwise).
    `on_startup` hooks run in order when the lifespan starts; `on_shutdown` hooks run in order
    when it ends, or when a start-up hook fails, and all of them run even if one fails (so they
    must tolerate a partial start). `/metrics` exposes `metrics_registry` (a new one when None;
    the request metrics are registered in it, so one registry serves one app) with the gauges
    of `pool_stats`, read at each scrape, when given. With `sign_in` (company sign-in), the
    authorization endpoint, the OpenID callback and the authorization_code grant are served.
    `/api/v1/events` is served by `events` (by default one over the users service's units of
    work); `idempotency` remembers the POSTs that carry an Idempotency-Key (by default over the
    same units of work)."""
    users = next((s for s in services if s.resource.entity is User), None)
    if users is None:
        raise ValueError("create_app needs the CrudService of User among `services`")

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
        docs_url=None,  # served by docs_router, without a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
        # Off, FastAPI does not ask the OpenTelemetry API on each request whether providers
        # are set up (~6 µs of a GET); on, its spans, metrics and logs go to them.
        telemetry=None if settings.otel else {"tracing": False, "metrics": False, "logs": False},
    )
    install_authentication(app, auth)
    app.state.sign_in = sign_in
    registry = metrics_registry if metrics_registry is not None else CollectorRegistry()
    limiter = TokenBucketLimiter(rate=settings.token_rate_per_ip, burst=settings.token_burst_per_ip)
    schemas = {service.resource.collection: schemas_for(service.resource) for service in services}
    crud = {
        service.resource.collection: crud_router(service, schemas[service.resource.collection], prefix=API_PREFIX)
        for service in services
    }
    routers = [
        token_router(limiter),
        account_router(users, schemas[users.resource.collection], limiter),
        *crud.values(),
        training_router(
            training,
            requirements=_schemas_of(REQUIREMENTS, services, schemas),
            courses=_schemas_of(COURSES, services, schemas),
        ),
        matrix_router(training),
        events_router(events if events is not None else EventService(users.unit_of_work_factory)),
        *[review_router(s, schemas[s.resource.collection]) for s in services if isinstance(s, AssessmentService)],
        *[plans_router(s, schemas[s.resource.collection]) for s in services if isinstance(s, PlanService)],
        discovery_router(signer, settings.issuer, sign_in=sign_in is not None, password=auth.password_login),
        *([sign_in_router(limiter)] if sign_in is not None else []),
        health_router(ready),
        metrics_router(registry, pool_stats),
        problem_docs_router(),
        docs_router("Upskill"),
    ]
    allowed_methods: dict[str, set[str]] = {}
    for router in routers:
        _add_routes(app, router)
        for route in _api_routes(router):
            allowed_methods.setdefault(route.path_format, set()).update(route.methods or ())
    read_only = {
        route.path_format: schemas[collection].read_only
        for collection, router in crud.items()
        for route in _api_routes(router)
    }
    install_error_handlers(
        app, retry_after_s=settings.retry_after_s, allowed_methods=allowed_methods, read_only=read_only
    )

    # Added innermost first: request context (outermost) → CORS → body limit → idempotency → the app.
    if idempotency is None:
        ttl = timedelta(seconds=settings.idempotency_ttl_s)
        idempotency = IdempotencyService(users.unit_of_work_factory, SystemClock(), ttl=ttl)
    app.add_middleware(
        IdempotencyMiddleware,
        service=idempotency,
        authenticate=auth.authenticate,
        prefix=f"{API_PREFIX}/",
        excluded=f"{API_PREFIX}/auth/",
        retry_after_s=settings.retry_after_s,
    )
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
    app.add_middleware(RequestContextMiddleware, private_prefix=f"{API_PREFIX}/", observer=RequestMetrics(registry))
    _install_openapi(app)
    install_route_index(app)
    return app


def _schemas_of(
    resource: Resource[Any], services: Sequence[CrudService[Any]], schemas: dict[str, ResourceSchemas]
) -> ResourceSchemas:
    """The schemas of the collection that serves `resource`'s entity, so that embedded records
    share its OpenAPI component; made from `resource` when no service serves it."""
    entity: type[Entity] = resource.entity
    served = next((s.resource.collection for s in services if s.resource.entity is entity), None)
    return schemas[served] if served is not None else schemas_for(resource)


def _add_routes(app: FastAPI, router: APIRouter) -> None:
    """Add `router`'s routes to the app itself, not as an included router. Our routers carry
    their whole prefix and set nothing at inclusion, so this is what `include_router` means
    for them; but FastAPI (≥ 0.16x) keeps an included router as one branch whose candidates
    are all matched in turn on every request (15 branches: ~0.1 ms a request, a third of the
    app's whole overhead over a bare route), while the app's own routes are one flat list."""
    if router.dependencies:
        raise ValueError("a router with dependencies of its own must be included, not flattened")
    app.router.routes.extend(router.routes)


def _api_routes(router: APIRouter) -> list[APIRoute]:
    return [route for route in router.routes if isinstance(route, APIRoute)]


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
    """OpenAPI as FastAPI makes it, completed by `finish_document` (problem schemas, servers,
    security of the public operations)."""

    build = app.openapi

    def openapi() -> dict[str, Any]:
        first = app.openapi_schema is None
        schema = build()  # made once, then cached by FastAPI
        if first:
            finish_document(schema)
            document(schema, f"{API_PREFIX}/", f"{API_PREFIX}/auth/")
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
