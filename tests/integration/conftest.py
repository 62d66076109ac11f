"""The FastAPI app over both storage adapters with the real services, driven through httpx with
its lifespan run.

`backend` is parametrised over the memory fake and PostgreSQL: every test that uses it (or
`stack`, `client`) runs on both. `client` is logged in as the admin through the token endpoint;
`build_stack` + `serve` make apps with custom pieces (failing stores, settings, policies).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, Literal

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI

from adapters.container import Container, shutdown, start
from adapters.http.app import create_app
from adapters.memory import MemoryStore, RecordingAuditLog
from adapters.postgres.database import Database
from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from adapters.settings import Settings
from tests.wiring import settings_for_tests, wired
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.signin import IdentityProvider
from upskill.services.auth import AuthService
from upskill.services.crud import CrudService
from upskill.services.signin import SignInPolicy, SignInService
from upskill.services.users import UserService

API = "/api/v1"
TOKEN = f"{API}/auth/token"
BASE_URL = "http://testserver"
ISSUER = BASE_URL
AUDIENCE = "upskill-api"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-Pa55word-for-tests"
PASSWORD = "user-Pa55word-for-tests"


class MovableClock:
    """The real time plus an offset a test may move forward (idle expiry, refresh reuse grace)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


@dataclass(frozen=True)
class Backend:
    """The store a test's app runs on: the memory fake or a PostgreSQL `Database`."""

    store: MemoryStore | Database

    @property
    def storage(self) -> Literal["memory", "postgres"]:
        return "memory" if isinstance(self.store, MemoryStore) else "postgres"

    @property
    def uow(self) -> UnitOfWorkFactory:
        return self.store.unit_of_work


@dataclass(frozen=True)
class Stack:
    """An app and the real objects behind it, for tests to reach past HTTP (mint tokens, read
    the audit log, create users)."""

    app: FastAPI
    auth: AuthService
    users: UserService
    keys: SigningKeys
    signer: JoseTokenSigner
    clock: MovableClock
    audit: RecordingAuditLog
    settings: Settings
    sign_in: SignInService | None = None
    uow: UnitOfWorkFactory | None = None
    """The store users and authentication are on (company sign-in tests read it)."""
    container: Container | None = None
    """The container the app was built from."""

    @asynccontextmanager
    async def client(self, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """Another client of the running app (no lifespan of its own), with this bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
            yield http


def make_settings(**overrides: Any) -> Settings:
    """Settings from these values and the defaults only (no environment, no `.env`); cheap
    argon2, a lockout after 3 failures, and a burst big enough that the per-IP limit stays out
    of the way unless a test asks for it."""
    values: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "token_burst_per_ip": 10_000,
        "lockout_threshold": 3,
    } | overrides
    return settings_for_tests(**values)


def memory_backend(store: MemoryStore) -> Backend:
    return Backend(store)


def pg_backend(database: Database) -> Backend:
    return Backend(database)


def wired_container(backend: Backend, *, settings: Settings | None = None) -> Container:
    """`tests.wiring.wired` on `backend` with `make_settings()` by default, a `MovableClock` and a
    `RecordingAuditLog`."""
    return wired(backend.store, settings=settings or make_settings(), clock=MovableClock(), audit=RecordingAuditLog())


def app_of(
    container: Container,
    *,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
) -> FastAPI:
    """The app as `adapters.main.build_app` makes it from `container`, without what belongs to
    the served process (logging configuration, the heap freeze) and with a test's extra hooks
    (`test_container_wiring` checks both serve the same routes)."""

    async def ready() -> None:
        await container.ready()()

    return create_app(
        settings=container.settings(),
        services=container.crud_services(),
        auth=container.auth(),
        sign_in=container.sign_in(),
        signer=container.token_signer(),
        training=container.training(),
        ready=ready,
        on_startup=[partial(start, container), *on_startup],
        on_shutdown=[*on_shutdown, partial(shutdown, container)],
        metrics_registry=container.metrics_registry(),
        pool_stats=container.pool_stats(),
        events=container.events(),
        idempotency=container.idempotency(),
    )


def build_stack(
    backend: Backend,
    *,
    crud_uow: UnitOfWorkFactory | None = None,
    settings: Settings | None = None,
    ready: Callable[[], Awaitable[None]] | None = None,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    allow_signup: bool = False,
    crud: Sequence[CrudService[Any]] | None = None,
    provider: IdentityProvider | None = None,
    sign_in_policy: SignInPolicy | None = None,
    password_login: bool = True,
    container: Container | None = None,
) -> Stack:
    """The app built from the container (`wired_container`) on `backend`. `crud_uow` replaces the
    store of everything but users, authentication, company sign-in, events and idempotency (so
    a test of a failing store can still log in); `crud` replaces the CRUD services but users';
    `ready` replaces the readiness check. With `provider` and `sign_in_policy`, company sign-in
    is on (`Stack.sign_in`). `container` (from `wired_container` on `backend`, with a test's
    own overrides) replaces the one made here."""
    settings = settings or make_settings(allow_signup=allow_signup, password_login=password_login)
    container = container or wired_container(backend, settings=settings)
    if ready is not None:
        container.ready.override(providers.Object(ready))
    if provider is not None and sign_in_policy is not None:
        container.identity_provider.override(providers.Object(provider))
        container.sign_in_policy.override(providers.Object(sign_in_policy))
    if crud is not None:
        container.crud_services.override(providers.Object([*crud, container.users()]))
    if crud_uow is not None:
        for keep in (container.users, container.auth, container.sign_in, container.events, container.idempotency):
            keep()  # made on `backend` before the store of the others is replaced
        container.unit_of_work.override(providers.Object(crud_uow))
    app = app_of(container, on_startup=on_startup, on_shutdown=on_shutdown)
    clock, audit = container.clock(), container.audit()
    assert isinstance(clock, MovableClock)
    assert isinstance(audit, RecordingAuditLog)
    return Stack(
        app,
        container.auth(),
        container.users(),
        container.signing_keys(),
        container.token_signer(),
        clock,
        audit,
        container.settings(),
        container.sign_in(),
        backend.uow,
        container,
    )


async def login(client: httpx.AsyncClient, email: str, password: str, **form: str) -> dict[str, Any]:
    """The token response of a password grant that must succeed."""
    response = await client.post(
        TOKEN, data={"grant_type": "password", "username": email, "password": password, **form}
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


@asynccontextmanager
async def serve(stack: Stack, *, as_admin: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with its lifespan started (and stopped on exit), logged in as the
    admin (created first) unless `as_admin` is false. App exceptions are not swallowed."""
    async with stack.app.router.lifespan_context(stack.app), stack.client() as client:
        if as_admin:
            await stack.auth.ensure_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
            tokens = await login(client, ADMIN_EMAIL, ADMIN_PASSWORD)
            client.headers["Authorization"] = f"Bearer {tokens['access_token']}"
        yield client


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Backend:
    """An empty store of the parametrised adapter, with its access gate."""
    if request.param == "memory":
        return memory_backend(request.getfixturevalue("memory_store"))
    return pg_backend(request.getfixturevalue("clean_pg"))


@pytest.fixture
def stack(backend: Backend) -> Stack:
    return build_stack(backend)


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """Logged in as the admin."""
    async with serve(stack) as http:
        yield http


@pytest.fixture
def memory_stack(memory_store: MemoryStore) -> Stack:
    return build_stack(memory_backend(memory_store))


@pytest.fixture
async def memory_client(memory_stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """For behaviour that does not depend on storage (headers, framework errors); the admin."""
    async with serve(memory_stack) as http:
        yield http


async def create(client: httpx.AsyncClient, collection: str, **body: Any) -> dict[str, Any]:
    """POST a record that must be created; its JSON."""
    response = await client.post(f"{API}/{collection}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def department(client: httpx.AsyncClient, name: str = "Sales", **body: Any) -> dict[str, Any]:
    return await create(client, "departments", name=name, **body)


async def employee(client: httpx.AsyncClient, department_id: str, **body: Any) -> dict[str, Any]:
    full_name = body.pop("full_name", "Ann Archer")
    email = body.pop("email", f"{full_name.lower().replace(' ', '.')}@example.com")
    hired_on = body.pop("hired_on", "2021-03-01")
    return await create(
        client,
        "employees",
        full_name=full_name,
        email=email,
        department_id=department_id,
        hired_on=hired_on,
        **body,
    )


def assert_problem(response: httpx.Response, status: int, slug: str, *, field: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem of this status and type (naming `field`, if given)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["instance"] == response.request.url.path
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body
