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
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from adapters.http.app import create_app
from adapters.memory import MemoryAccessGate, MemoryStore, RecordingAuditLog
from adapters.security.keys import SigningKeys
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JoseTokenSigner
from adapters.settings import Settings
from tests.wiring import learning_services
from upskill.domain.identity import LockoutPolicy, SessionPolicy
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.policy import Policy
from upskill.domain.ports import AccessGate, UnitOfWorkFactory
from upskill.domain.resources import (
    ASSESSMENTS,
    COMPETENCIES,
    COURSES,
    DEPARTMENTS,
    EMPLOYEES,
    ENROLLMENTS,
    FEEDBACK,
    PLANS,
    REQUIREMENTS,
    USERS,
)
from upskill.domain.signin import IdentityProvider
from upskill.services.access import (
    AssessmentPolicy,
    CataloguePolicy,
    DepartmentPolicy,
    EmployeePolicy,
    EnrollmentPolicy,
    FeedbackPolicy,
    PlanPolicy,
    RequirementPolicy,
    UserPolicy,
)
from upskill.services.auth import AuthService
from upskill.services.crud import CrudService
from upskill.services.feedback import FeedbackService
from upskill.services.signin import SignInPolicy, SignInService
from upskill.services.training import TrainingService
from upskill.services.users import UserService

API = "/api/v1"
TOKEN = f"{API}/auth/token"
BASE_URL = "http://testserver"
ISSUER = BASE_URL
AUDIENCE = "upskill-api"
ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-Pa55word-for-tests"
PASSWORD = "user-Pa55word-for-tests"
HASHER = Argon2PasswordHasher(memory_cost=1024, time_cost=1)
"""Cheap argon2id: the tests exercise the flow, not the cost."""


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
    uow: UnitOfWorkFactory
    gate: AccessGate


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

    @asynccontextmanager
    async def client(self, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """Another client of the running app (no lifespan of its own), with this bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers) as http:
            yield http


def make_settings(**overrides: Any) -> Settings:
    """Settings from these values and the defaults only (no environment, no `.env`); a burst
    big enough that the per-IP limit stays out of the way unless a test asks for it."""
    values: dict[str, Any] = {"issuer": ISSUER, "audience": AUDIENCE, "token_burst_per_ip": 10_000} | overrides
    return Settings(_env_file=None, env="test", **values)


async def always_ready() -> None:
    return None


def memory_backend(store: MemoryStore) -> Backend:
    return Backend(store.unit_of_work, MemoryAccessGate(store))


POLICIES: dict[str, Policy[Any]] = {
    DEPARTMENTS.collection: DepartmentPolicy(),
    COMPETENCIES.collection: CataloguePolicy(),
    EMPLOYEES.collection: EmployeePolicy(),
    REQUIREMENTS.collection: RequirementPolicy(),
    ASSESSMENTS.collection: AssessmentPolicy(),
    FEEDBACK.collection: FeedbackPolicy(),
    COURSES.collection: CataloguePolicy(),
    ENROLLMENTS.collection: EnrollmentPolicy(),
    PLANS.collection: PlanPolicy(),
}
"""As `adapters/container.py` wires them."""
CRUD = (DEPARTMENTS, COMPETENCIES, EMPLOYEES, REQUIREMENTS, ASSESSMENTS, FEEDBACK, COURSES, ENROLLMENTS, PLANS)


def build_stack(
    backend: Backend,
    *,
    crud_uow: UnitOfWorkFactory | None = None,
    settings: Settings | None = None,
    ready: Callable[[], Awaitable[None]] = always_ready,
    on_startup: Sequence[Callable[[], Awaitable[None]]] = (),
    on_shutdown: Sequence[Callable[[], Awaitable[None]]] = (),
    lockout: LockoutPolicy = LockoutPolicy(threshold=3),
    sessions: SessionPolicy = SessionPolicy(),
    allow_signup: bool = False,
    crud: Sequence[CrudService[Any]] | None = None,
    provider: IdentityProvider | None = None,
    sign_in_policy: SignInPolicy | None = None,
    password_login: bool = True,
) -> Stack:
    """The app with the real services and policies on `backend`, wired as the container wires
    them. `crud_uow` replaces the store of the CRUD services but users' and of the training
    use cases (users and authentication keep `backend`, so a test of a failing store can still
    log in); `crud` replaces those CRUD services. With `provider` and `sign_in_policy`, company
    sign-in is on (`Stack.sign_in`)."""
    settings = settings or make_settings()
    clock, ids, audit, keys = MovableClock(), UUIDv7Factory(), RecordingAuditLog(), SigningKeys.generate()
    signer = JoseTokenSigner(keys, issuer=settings.issuer, audience=settings.audience, clock=clock)
    users = UserService(USERS, backend.uow, clock, ids, UserPolicy(), hasher=HASHER, audit=audit)
    auth = AuthService(
        uow=backend.uow,
        gate=backend.gate,
        users=users,
        hasher=HASHER,
        signer=signer,
        clock=clock,
        ids=ids,
        audit=audit,
        sessions=sessions,
        lockout=lockout,
        allow_signup=allow_signup,
        password_login=password_login,
    )
    sign_in = None
    if provider is not None and sign_in_policy is not None:
        sign_in = SignInService(
            uow=backend.uow,
            provider=provider,
            issuer=auth.issuer,
            policy=sign_in_policy,
            clock=clock,
            ids=ids,
            audit=audit,
        )
    uow = crud_uow or backend.uow
    if crud is None:
        learning = learning_services(uow, clock, ids)
        special: dict[str, CrudService[Any]] = {
            FEEDBACK.collection: FeedbackService(FEEDBACK, uow, clock, ids, FeedbackPolicy()),
            ASSESSMENTS.collection: learning.assessments,
            ENROLLMENTS.collection: learning.enrollments,
            PLANS.collection: learning.plans,
        }
        crud = [special.get(r.collection) or CrudService(r, uow, clock, ids, POLICIES[r.collection]) for r in CRUD]
    training = TrainingService(uow, clock, departments=DepartmentPolicy(), employees=EmployeePolicy())
    app = create_app(
        settings=settings,
        services=[*crud, users],
        auth=auth,
        signer=signer,
        training=training,
        ready=ready,
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        sign_in=sign_in,
    )
    return Stack(app, auth, users, keys, signer, clock, audit, settings, sign_in, backend.uow)


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
    pg = request.getfixturevalue("clean_pg")
    return Backend(pg.unit_of_work, pg.access_gate())


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
