"""The composition root: the one place that knows every adapter.

Read top to bottom: settings → clock and ids → storage (PostgreSQL or memory, by
`UPSKILL_STORAGE`) → a unit-of-work factory, the access gate and pool statistics → the metrics
registry → security (password hashing, token signing, audit, counted in the metrics) → the
services. Tests override providers
(`container.settings.override(...)`).

Services receive a plain unit-of-work factory (the chosen adapter's bound method), resolved
once when the service is built: a request pays for no provider lookups, injection markers or
threadpool hops. The database engine is created lazily (no I/O at construction); its pool is
disposed by `shutdown()`, which the app's lifespan awaits.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from typing import Any

from dependency_injector import containers, providers
from loguru import logger
from prometheus_client import CollectorRegistry

from adapters.audit import CountingAuditLog, LoguruAuditLog, auth_events_counter
from adapters.demo import DemoServices, seed_demo
from adapters.http.paths import CALLBACK_PATH
from adapters.memory import MemoryStore
from adapters.memory.gate import MemoryAccessGate
from adapters.memory.leadership import SoleLeadership
from adapters.nats import JetStreamPublisher
from adapters.postgres.database import Database
from adapters.relay_metrics import RelayMetrics
from adapters.security.keys import SigningKeys
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JoseTokenSigner
from adapters.settings import Settings
from upskill.domain.identity import LockoutPolicy, SessionPolicy
from upskill.domain.ids import Clock, SystemClock, UUIDv7Factory
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
from upskill.services.assessments import AssessmentService
from upskill.services.auth import AuthService
from upskill.services.crud import CrudService
from upskill.services.enrollments import EnrollmentService
from upskill.services.events import EventService
from upskill.services.feedback import FeedbackService
from upskill.services.idempotency import IdempotencyService
from upskill.services.plans import PlanService
from upskill.services.relay import EventRelay
from upskill.services.signin import SignInPolicy, SignInService
from upskill.services.training import TrainingService
from upskill.services.users import UserService


def open_database(settings: Settings) -> Database:
    """Engine and pool for the life of the app (connections are opened on first use)."""
    if settings.database_url is None:
        raise RuntimeError("UPSKILL_DATABASE_URL is not set (the CLI starts the embedded PostgreSQL)")
    return Database(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
        connect_timeout_s=settings.db_connect_timeout_s,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        cursor_secret=settings.cursor_secret.get_secret_value().encode(),
        access_cache_s=settings.access_cache_s,
        event_source=settings.event_source,
    )


def memory_store(settings: Settings) -> MemoryStore:
    return MemoryStore(
        cursor_secret=settings.cursor_secret.get_secret_value().encode(), event_source=settings.event_source
    )


def signing_keys(settings: Settings) -> SigningKeys:
    """From a JWK set, else PEM files, else (not in production) a key kept under data_dir."""
    if settings.jwt_keys is not None:
        return SigningKeys.from_jwks(settings.jwt_keys.get_secret_value())
    if settings.jwt_key_file is not None:
        return SigningKeys.from_pem_files(settings.jwt_key_file, settings.jwt_previous_key_files)
    if settings.env == "prod":
        raise RuntimeError("no token signing keys: set UPSKILL_JWT_KEYS or UPSKILL_JWT_KEY_FILE")
    return SigningKeys.load_or_create(settings.data_dir / "keys")


def token_signer(settings: Settings, keys: SigningKeys, clock: Clock) -> JoseTokenSigner:
    return JoseTokenSigner(
        keys,
        clock=clock,
        issuer=settings.issuer,
        audience=settings.audience,
        lifetime=timedelta(seconds=settings.access_token_ttl_s),
        leeway=timedelta(seconds=settings.token_leeway_s),
    )


def password_hasher(settings: Settings) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(
        memory_cost=settings.argon2_memory_kib,
        time_cost=settings.argon2_time_cost,
        parallelism=settings.argon2_parallelism,
        max_concurrent=settings.password_hash_concurrency,
    )


def session_policy(settings: Settings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(days=settings.session_idle_days),
        absolute=timedelta(days=settings.session_absolute_days),
        reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_s),
    )


def lockout_policy(settings: Settings) -> LockoutPolicy:
    return LockoutPolicy(
        threshold=settings.lockout_threshold,
        base=timedelta(seconds=settings.lockout_base_s),
        longest=timedelta(seconds=settings.lockout_max_s),
    )


def identity_provider(settings: Settings) -> IdentityProvider | None:
    """The OpenID provider at `oidc_issuer`; None without one (company sign-in off). authlib's
    client and its HTTP stack are imported only then (about 18 MiB a worker does not carry
    when company sign-in is off)."""
    if not settings.oidc_issuer or not settings.oidc_client_id or settings.oidc_client_secret is None:
        return None
    from adapters.oidc.provider import AuthlibIdentityProvider

    return AuthlibIdentityProvider(
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scopes=settings.oidc_scopes,
        timeout_s=settings.oidc_timeout_s,
    )


def sign_in_policy(settings: Settings) -> SignInPolicy:
    return SignInPolicy(
        redirect_uris=frozenset(settings.oauth_redirect_uris),
        callback_url=settings.issuer.rstrip("/") + CALLBACK_PATH,
        issuer=settings.issuer.rstrip("/"),
        auto_provision=settings.oidc_auto_provision,
        role_claim=settings.oidc_role_claim,
        admin_values=frozenset(settings.oidc_admin_values),
        manager_values=frozenset(settings.oidc_manager_values),
        email_domains=frozenset(d.lower() for d in settings.oidc_email_domains),
    )


def sign_in_service(
    auth: AuthService, provider: IdentityProvider | None, policy: SignInPolicy, **parts: Any
) -> SignInService | None:
    """Company sign-in through `provider`; None (routes off) without one."""
    if provider is None:
        return None
    return SignInService(provider=provider, issuer=auth.issuer, policy=policy, **parts)


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UUIDv7Factory)

    # Storage: one of two adapter sets, chosen by settings.storage.
    database = providers.Resource(open_database, settings)
    memory = providers.Singleton(memory_store, settings)
    unit_of_work = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.unit_of_work,
        memory=memory.provided.unit_of_work,
    )
    access_gate = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.access_gate.call(),
        memory=providers.Singleton(MemoryAccessGate, memory),
    )
    ready = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.ready,
        memory=memory.provided.ready,
    )
    pool_stats = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.pool_stats,
        memory=providers.Object(None),  # no pool: no pool gauges
    )

    # Metrics: one registry per process, exposed by the HTTP adapter at /metrics.
    metrics_registry = providers.Singleton(CollectorRegistry)

    # Security: hashing, signing, audit.
    password_hasher = providers.Singleton(password_hasher, settings)
    signing_keys = providers.Singleton(signing_keys, settings)
    token_signer = providers.Singleton(token_signer, settings, signing_keys, clock)
    audit = providers.Singleton(
        CountingAuditLog,
        providers.Singleton(LoguruAuditLog),
        providers.Singleton(auth_events_counter, metrics_registry),
    )

    # Services: the generic CRUD stack, one declaration per resource, and authentication.
    departments = providers.Singleton(CrudService, DEPARTMENTS, unit_of_work, clock, ids, DepartmentPolicy())
    competencies = providers.Singleton(CrudService, COMPETENCIES, unit_of_work, clock, ids, CataloguePolicy())
    employees = providers.Singleton(CrudService, EMPLOYEES, unit_of_work, clock, ids, EmployeePolicy())
    users = providers.Singleton(
        UserService, USERS, unit_of_work, clock, ids, UserPolicy(), hasher=password_hasher, audit=audit
    )
    session_policy = providers.Singleton(session_policy, settings)
    lockout_policy = providers.Singleton(lockout_policy, settings)
    auth = providers.Singleton(
        AuthService,
        uow=unit_of_work,
        gate=access_gate,
        users=users,
        hasher=password_hasher,
        signer=token_signer,
        clock=clock,
        ids=ids,
        audit=audit,
        sessions=session_policy,
        lockout=lockout_policy,
        allow_signup=settings.provided.allow_signup,
        password_login=settings.provided.password_login,
    )
    # Company sign-in (OpenID Connect), when an issuer is configured.
    identity_provider = providers.Singleton(identity_provider, settings)
    sign_in_policy = providers.Singleton(sign_in_policy, settings)
    sign_in = providers.Singleton(
        sign_in_service, auth, identity_provider, sign_in_policy, uow=unit_of_work, clock=clock, ids=ids, audit=audit
    )

    requirements = providers.Singleton(CrudService, REQUIREMENTS, unit_of_work, clock, ids, RequirementPolicy())
    # The learning loop: plans are achieved by assessments' writes, whose evidence completed
    # enrollments record, each in the transaction of the write that causes it.
    plans = providers.Singleton(PlanService, PLANS, unit_of_work, clock, ids, PlanPolicy(), employees=EmployeePolicy())
    assessments = providers.Singleton(
        AssessmentService, ASSESSMENTS, unit_of_work, clock, ids, AssessmentPolicy(), plans=plans
    )
    feedback = providers.Singleton(FeedbackService, FEEDBACK, unit_of_work, clock, ids, FeedbackPolicy())
    courses = providers.Singleton(CrudService, COURSES, unit_of_work, clock, ids, CataloguePolicy())
    enrollments = providers.Singleton(
        EnrollmentService, ENROLLMENTS, unit_of_work, clock, ids, EnrollmentPolicy(), assessments=assessments
    )
    training = providers.Singleton(
        TrainingService, unit_of_work, clock, departments=DepartmentPolicy(), employees=EmployeePolicy()
    )

    events = providers.Singleton(EventService, unit_of_work)
    idempotency = providers.Singleton(
        IdempotencyService,
        unit_of_work,
        clock,
        ttl=providers.Factory(timedelta, seconds=settings.provided.idempotency_ttl_s),
    )

    # The relay of events to NATS JetStream (only with UPSKILL_NATS_URL; see `start`).
    leadership = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.leadership.call(),
        memory=providers.Factory(SoleLeadership),
    )
    relay = providers.Singleton(
        EventRelay,
        unit_of_work,
        providers.Singleton(JetStreamPublisher, settings.provided.nats_url, settings.provided.events_stream),
        leadership,
        clock,
        observer=providers.Singleton(RelayMetrics, metrics_registry),
    )

    crud_services = providers.List(
        departments,
        competencies,
        employees,
        users,
        requirements,
        assessments,
        feedback,
        courses,
        enrollments,
        plans,
    )
    demo = providers.Factory(
        DemoServices,
        departments=departments,
        competencies=competencies,
        employees=employees,
        users=users,
        requirements=requirements,
        assessments=assessments,
        feedback=feedback,
        courses=courses,
        enrollments=enrollments,
        plans=plans,
    )


_RELAYS: dict[int, asyncio.Task[None]] = {}
"""The running relay of each started container (by id)."""


async def start(container: Container) -> None:
    """Start-up work: the first admin, when configured and none exists yet; the demo
    organisation, when asked for and not there yet (never in production); the relay of events
    to NATS, when UPSKILL_NATS_URL is set (in the background: NATS being away delays nothing)."""
    settings = container.settings()
    if settings.nats_url and id(container) not in _RELAYS:
        _RELAYS[id(container)] = asyncio.get_running_loop().create_task(container.relay().run(), name="event-relay")
    if settings.admin_email and settings.admin_password is not None:
        await container.auth().ensure_admin(settings.admin_email, settings.admin_password.get_secret_value())
    if settings.seed_demo and settings.env != "prod":
        summary = await seed_demo(container.demo(), today=container.clock().now().date())
        logger.info("demo data {}", summary.counts() if summary.seeded else "already present")


async def shutdown(container: Container) -> None:
    """Release what the container opened: the relay, if started; the database pool, if one was made."""
    task = _RELAYS.pop(id(container), None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    if container.database.initialized:
        await container.database().dispose()
    container.password_hasher().close()
