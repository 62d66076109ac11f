"""Storage ports: the generic repository and the unit of work. Adapters implement both."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import Holders
from upskill.domain.entity import Entity
from upskill.domain.events import Change, Event
from upskill.domain.idempotency import Claim, Lease, Remembered, StoredResponse
from upskill.domain.identity import AuthSession, Lockout, LockoutPolicy, RefreshClaim, RefreshToken, User
from upskill.domain.matrix import MatrixSnapshot
from upskill.domain.organisation import Department
from upskill.domain.policy import Scope
from upskill.domain.principal import Principal
from upskill.domain.query import Filter, ListQuery, Page
from upskill.domain.security import AccessTokenClaims
from upskill.domain.signin import SignInStore
from upskill.domain.training import Course, Enrollment, Feedback, Requirement

E = TypeVar("E", bound=Entity)


class Repository(Protocol[E]):
    """Stages reads and writes inside its unit of work; never commits.

    Writes are decided by the store: a duplicate raises Conflict(field), a missing referenced
    record InvalidReference(field), deleting a referenced record Conflict, a broken value rule
    InvariantViolation(field). The unit of work is unusable after such an error: roll back.
    """

    async def get(self, id: UUID) -> E:
        """Raises NotFound."""
        ...

    async def find(self, id: UUID) -> E | None: ...

    async def exists(self, id: UUID) -> bool: ...

    async def add(self, entity: E, *, deferred: bool = False) -> E:
        """Stores a new record; raises Conflict, InvalidReference, InvariantViolation as the
        store's rules refuse it. `deferred`: the caller runs nothing else in this unit of work
        but its commit, so the store may hold the write until the next statement or the commit
        (a lone write then needs no transaction: one round trip) — and raise its errors there,
        at the latest from `commit()`."""
        ...

    async def update(self, entity: E, *, expected_version: int) -> E:
        """Stores `entity` if the stored version is still `expected_version`; raises
        StaleVersion if it is not, NotFound if the record is gone."""
        ...

    async def delete(self, id: UUID, *, expected_version: int | None = None) -> None:
        """Raises NotFound, or StaleVersion when `expected_version` is given and stale."""
        ...

    async def page(self, query: ListQuery, scope: Scope) -> Page[E]:
        """One page in the query's full ordering (ties broken by id), restricted to `scope`.
        The query must have been validated against the resource."""
        ...

    async def count(self, filters: Sequence[Filter] = ()) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. `async with uow:` begins it; leaving without `commit()` rolls back."""

    def for_reading(self) -> Self:
        """Declare, before `async with`, that this unit of work only reads (writing through it
        is then an error). The store may run a lone statement outside any transaction; reads
        that take several statements still see one consistent state."""
        ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def repository(self, entity: type[E]) -> Repository[E]:
        """The repository of `entity` bound to this transaction."""
        ...

    @property
    def identity(self) -> IdentityStore:
        """Users by email, sessions, refresh tokens and login failures, in this transaction."""
        ...

    @property
    def sign_in(self) -> SignInStore:
        """Pending logins, one-time codes and identity links (company sign-in)."""
        ...

    @property
    def training(self) -> TrainingReader:
        """The set-based reads behind coverage, gaps and recommendations."""
        ...

    @property
    def events(self) -> EventLog:
        """The outbox: changes recorded in this transaction, history and the feed."""
        ...

    @property
    def idempotency(self) -> IdempotencyStore:
        """Idempotency keys. `commit()` itself marks the key named by `idempotency.CLAIM` (if
        any) `committed`, in the transaction it commits."""
        ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class IdentityStore(Protocol):
    """What authentication needs beyond the generic repository (users themselves are stored
    through `repository(User)`). Stages inside its unit of work like a repository."""

    async def user_by_email(self, email: str) -> User | None:
        """`email` is normalised; the stored one is too."""
        ...

    async def admin_exists(self) -> bool:
        """Whether an active admin exists (an inactive one cannot administer)."""
        ...

    async def add_session(self, session: AuthSession) -> None: ...

    async def session(self, id: UUID) -> AuthSession | None: ...

    async def live_sessions(self, user_id: UUID, now: datetime) -> list[AuthSession]:
        """The user's sessions that are live at `now`, newest first."""
        ...

    async def touch_session(self, id: UUID, *, used_at: datetime, idle_expires_at: datetime) -> None: ...

    async def revoke_session(self, id: UUID, at: datetime) -> bool:
        """True if the session was live (not yet revoked) and is now revoked."""
        ...

    async def revoke_sessions(self, user_id: UUID, at: datetime, *, keep: UUID | None = None) -> int:
        """Revoke every unrevoked session of the user but `keep`; how many were revoked."""
        ...

    async def add_refresh_token(self, token: RefreshToken) -> None: ...

    async def claim_refresh_token(self, digest: str) -> RefreshToken | None:
        """The token with this digest, locked until the unit of work ends, so that concurrent
        exchanges of one token run one after the other."""
        ...

    async def use_refresh_token(self, digest: str, at: datetime) -> None: ...

    async def claim_refresh(self, digest: str) -> RefreshClaim | None:
        """`claim_refresh_token` with the token's session and its user, in one look-up (the
        token locked until the unit of work ends, as there)."""
        ...

    async def rotate_refresh_token(self, used: str, new: RefreshToken, *, idle_expires_at: datetime) -> None:
        """The exchange's writes, together: mark the token `used` used at `new.issued_at`, touch
        its session (`last_used_at` = `new.issued_at`, `idle_expires_at`) and store `new`.
        Raises InvalidReference(field="session_id") when `new.session_id` does not exist."""
        ...

    async def lockout(self, key: str) -> Lockout: ...

    async def record_failure(self, key: str, now: datetime, policy: LockoutPolicy) -> Lockout:
        """Count one failed login for `key` atomically (concurrent failures all count). On
        reaching `policy.threshold` failures: lock until `now + min(base · 2^lockouts,
        longest)`, increment lockouts and restart the failure count."""
        ...

    async def clear_failures(self, key: str) -> None:
        """After a successful login: forget the failures (the lockout history stays)."""
        ...


class AccessGate(Protocol):
    """The per-request check behind a valid signature, in one cheap look-up."""

    async def principal(self, claims: AccessTokenClaims, now: datetime) -> Principal | None:
        """The caller if the token's session is live, its user active and the token issued
        at or after the user's last password change; None otherwise."""
        ...


class AuditLog(Protocol):
    """Security events (login, lockout, refresh reuse, revocation, password and role change).
    Never pass a password or a token."""

    def record(self, event: str, **fields: object) -> None: ...


@dataclass(frozen=True, slots=True)
class DepartmentSnapshot:
    """What coverage and gaps need of one department on one day: who holds which current level
    of each required competency (`coverage.Holders`), not the staff itself — coverage lists the
    holders, so the read costs what it shows."""

    department: Department
    requirements: tuple[Requirement, ...]
    """The department's own and the company-wide ones."""
    holders: Holders
    """Per required competency, per current (validated) level held in it, the ids of the
    department's members employed on the day (`Employee.is_current`) who hold it
    (`coverage.current_levels`), ascending; absent when nobody does."""
    own: Mapping[UUID, Level] = field(default_factory=dict)
    """The current levels in the required competencies of the employee named in the read
    (`department_snapshot(..., employee_id=...)`), when that employee is one of the staff."""


@dataclass(frozen=True, slots=True)
class Standing:
    """An employee's levels on one day, per competency: `current` (validated,
    `coverage.current_levels`) and `claimed` (proposed and newer, `coverage.claimed_levels`)."""

    current: Mapping[UUID, Level]
    claimed: Mapping[UUID, Level]


@dataclass(frozen=True, slots=True)
class LearningOptions:
    """What recommendations need besides the gaps."""

    courses: tuple[Course, ...]
    """Courses that cover at least one of the asked competencies."""
    enrollments: tuple[Enrollment, ...]
    """The employee's."""
    feedback: tuple[Feedback, ...]
    """Received by the employee, with a score."""


class TrainingReader(Protocol):
    """Bounded reads: each method costs a fixed number of round trips whatever the sizes."""

    async def department_snapshot(
        self, department_id: UUID, today: date, employee_id: UUID | None = None
    ) -> DepartmentSnapshot | None:
        """None if the department does not exist. With `employee_id`, `own` holds that
        employee's current levels (when they are one of the staff)."""
        ...

    async def current_levels(self, employee_id: UUID, today: date) -> Mapping[UUID, Level]:
        """Competency id → the employee's current level (latest unexpired validated assessment)."""
        ...

    async def standing(self, employee_id: UUID, today: date) -> Standing:
        """The employee's current and claimed levels (one round trip)."""
        ...

    async def learning_options(self, employee_id: UUID, competency_ids: Collection[UUID]) -> LearningOptions: ...

    async def department_matrix(self, department_id: UUID, today: date) -> MatrixSnapshot | None:
        """Everything the skills matrix shows of the department on `today`, in at most three
        round trips whatever its size: the department, its applicable requirements and the
        names of their competencies; its staff employed on the day with their holdings in those
        competencies. None if the department does not exist."""
        ...


@dataclass(frozen=True, slots=True)
class EventQuery:
    """A page of the feed: events after the position `after` (from the start when None),
    oldest first, of one of `types` (any when empty) and about `subject` (any when None)."""

    after: str | None = None
    types: tuple[str, ...] = ()
    subject: str | None = None
    limit: int = 50


class EventLog(Protocol):
    """The outbox of one unit of work. A change appended here is stored with the unit of work's
    other writes when it commits, and never when it rolls back. Positions (cursors) are opaque
    strings; a malformed one raises InvalidQuery(field="cursor")."""

    async def append(self, change: Change) -> None: ...

    async def history(self, subject: str, *, limit: int, cursor: str | None = None) -> Page[Event]:
        """The committed events about `subject`, newest first (`cursor`: the `next_cursor` of the
        previous page)."""
        ...

    async def feed(self, query: EventQuery) -> Page[Event]:
        """Committed events in the order of the feed, oldest first; `next_cursor` is the position
        of the last one given (`query.after` when the page is empty), to poll from. Never skips
        one: an event not yet visible when a page was read is never placed before that page's end."""
        ...

    async def unpublished(self, limit: int) -> Sequence[Event]:
        """Up to `limit` committed events not yet marked published, in the order they were
        recorded (per record, the order of its changes)."""
        ...

    async def mark_published(self, ids: Sequence[UUID], at: datetime) -> None: ...

    async def count_unpublished(self) -> int: ...


class EventPublisher(Protocol):
    """Where the relay sends events (a message broker)."""

    async def publish(self, events: Sequence[Event]) -> int:
        """Send `events` in order; how many of them, from the first, the broker acknowledged
        (stored). Raises Unavailable when the broker cannot be reached."""
        ...

    async def ready(self) -> None:
        """Raises Unavailable unless the broker can be reached (connecting if need be)."""
        ...

    async def close(self) -> None: ...


class Leadership(Protocol):
    """At most one holder across every replica at a time (the relay that may publish)."""

    async def acquire(self) -> bool:
        """Whether this process holds it now (taking it if free; False if another does or the
        store cannot be reached). A holder that lost its connection to the store no longer holds it."""
        ...

    async def wait_for_news(self, seconds: float) -> None:
        """Until new events may have been committed (a notification), or `seconds` passed."""
        ...

    async def release(self) -> None: ...


class IdempotencyStore(Protocol):
    """Idempotency keys by (user, key). Every method is one atomic step of the store."""

    async def claim(self, claim: Claim, fingerprint: str, lease: Lease) -> Remembered | None:
        """Claim the key for a request in flight: None when it was free, expired, or `running`
        past its lease with the same fingerprint (taken over); otherwise what is stored."""
        ...

    async def complete(self, claim: Claim, response: StoredResponse) -> None:
        """Store the response of the request that claimed the key (`done`)."""
        ...

    async def release(self, claim: Claim) -> None:
        """Forget a key still `running` (its request failed and wrote nothing)."""
        ...

    async def purge(self, now: datetime, limit: int) -> int:
        """Delete up to `limit` expired keys, skipping any in use; how many went."""
        ...
