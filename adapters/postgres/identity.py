"""The IdentityStore port over PostgreSQL: users by email, sessions, refresh tokens, lockouts.

Every operation is one Core statement (built once, below) on the unit of work's connection,
so it stages in that transaction like a repository. Concurrency is the database's: a claimed
refresh token is row-locked (`FOR UPDATE`) until the transaction ends, and a login failure is
counted by one upsert, so concurrent failures all count and the lock is set exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Interval,
    Numeric,
    Text,
    Uuid,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as upsert

from adapters.postgres.errors import Action, Attempt, ConstraintCatalogue, Link, translated
from adapters.postgres.executor import Connections
from adapters.postgres.mapping import EntityMapper
from adapters.postgres.tables import auth_sessions, login_attempts, refresh_tokens, users
from upskill.domain.identity import AuthSession, Lockout, LockoutPolicy, RefreshClaim, RefreshToken, User
from upskill.domain.principal import Role

LINKS = {
    "fk_auth_sessions_user_id_users": Link("auth_sessions", "Session", "user_id", User.label),
    "fk_refresh_tokens_session_id_auth_sessions": Link("refresh_tokens", "Refresh token", "session_id", "Session"),
}
"""The foreign keys of the identity tables, for `ConstraintCatalogue.link`."""

_USER = EntityMapper(User)
# Parameters are named apart from the columns: SQLAlchemy keeps column names for the values
# of INSERT and UPDATE.
_NOW = bindparam("now", type_=DateTime(timezone=True))
_AT = bindparam("at", type_=DateTime(timezone=True))
_ID = bindparam("b_id", type_=Uuid)
_USER_ID = bindparam("b_user_id", type_=Uuid)
_KEEP = bindparam("b_keep", type_=Uuid)
_DIGEST = bindparam("b_digest", type_=Text)
_KEY = bindparam("b_key", type_=Text)

_USER_BY_EMAIL = select(*(users.c[name] for name in _USER.fields)).where(users.c.email == bindparam("b_email", Text))
_ADMIN_EXISTS = select(exists().where(users.c.role == literal(Role.ADMIN.value, Text), users.c.is_active))

_S = auth_sessions.c
_ADD_SESSION = insert(auth_sessions)
_SESSION = select(auth_sessions).where(_S.id == _ID)
_LIVE_SESSIONS = (
    select(auth_sessions)
    .where(_S.user_id == _USER_ID, _S.revoked_at.is_(None), _S.idle_expires_at > _NOW, _S.expires_at > _NOW)
    .order_by(_S.created_at.desc(), _S.id.desc())
)
_TOUCH_SESSION = (
    update(auth_sessions)
    .where(_S.id == _ID)
    .values(last_used_at=bindparam("b_used_at", type_=DateTime(timezone=True)), idle_expires_at=_AT)
)
_REVOKE_SESSION = update(auth_sessions).where(_S.id == _ID, _S.revoked_at.is_(None)).values(revoked_at=_AT)
_REVOKE_SESSIONS = (
    update(auth_sessions)
    .where(_S.user_id == _USER_ID, _S.revoked_at.is_(None), _S.id.is_distinct_from(_KEEP))
    .values(revoked_at=_AT)
)

_T = refresh_tokens.c
_ADD_TOKEN = insert(refresh_tokens)
_CLAIM_TOKEN = select(refresh_tokens).where(_T.digest == _DIGEST).with_for_update()
_USE_TOKEN = update(refresh_tokens).where(_T.digest == _DIGEST).values(used_at=_AT)
_TOKEN_WIDTH, _SESSION_WIDTH = len(refresh_tokens.c), len(auth_sessions.c)
_CLAIM_REFRESH = (
    select(
        refresh_tokens,
        *(c.label(f"s_{c.name}") for c in auth_sessions.c),
        *(users.c[name].label(f"u_{name}") for name in _USER.fields),
    )
    .select_from(
        refresh_tokens.outerjoin(auth_sessions, _S.id == _T.session_id).outerjoin(users, users.c.id == _S.user_id)
    )
    .where(_T.digest == _DIGEST)
    .with_for_update(of=refresh_tokens)
)
_SESSION_ID = bindparam("b_session_id", type_=Uuid)
# One statement: PostgreSQL runs every data-modifying WITH, referenced or not. Its form is an
# INSERT of refresh_tokens, so the executor does not count it as an access change: touching a
# session only lengthens its idle life (a shortened one still notifies, by the trigger).
_ROTATE = (
    insert(refresh_tokens)
    .values(digest=_DIGEST, session_id=_SESSION_ID, issued_at=_AT, used_at=None)
    .add_cte(
        update(refresh_tokens).where(_T.digest == bindparam("b_used", type_=Text)).values(used_at=_AT).cte("used"),
        update(auth_sessions)
        .where(_S.id == _SESSION_ID)
        .values(last_used_at=_AT, idle_expires_at=bindparam("b_idle", type_=DateTime(timezone=True)))
        .cte("touched"),
    )
)

_L = login_attempts.c
_LOCKOUT = select(_L.failures, _L.locked_until, _L.lockouts).where(_L.key == _KEY)
_CLEAR_FAILURES = update(login_attempts).where(_L.key == _KEY).values(failures=0)


_DOUBLINGS = 64
"""2^64 µs is over 500,000 years: more doublings change nothing but the size of the number."""


def _record_failure() -> Any:
    """Insert the state after a first failure (computed by the caller), or else update the
    stored one: failures + 1; on reaching the threshold lock until `now + min(base ·
    2^lockouts, longest)`, count the lockout and restart the failures. Durations are exact
    microseconds, as with `timedelta` (no floating point)."""
    reached = _L.failures + 1 >= bindparam("threshold", type_=Integer)
    exponent = func.least(_L.lockouts, _DOUBLINGS)  # past it any base is over any longest
    doubled = bindparam("base_us", type_=BigInteger) * func.power(literal(2, Numeric), exponent)
    period_us = cast(func.least(doubled, bindparam("longest_us", type_=BigInteger)), BigInteger)
    period = period_us * literal_column("interval '1 microsecond'", Interval)
    statement = upsert(login_attempts).values(
        key=_KEY,
        failures=bindparam("first_failures", type_=Integer),
        locked_until=bindparam("first_locked_until", type_=DateTime(timezone=True)),
        lockouts=bindparam("first_lockouts", type_=Integer),
    )
    return statement.on_conflict_do_update(
        index_elements=[_L.key],
        set_={
            "failures": case((reached, 0), else_=_L.failures + 1),
            "locked_until": case((reached, _NOW + period), else_=_L.locked_until),
            "lockouts": case((reached, _L.lockouts + 1), else_=_L.lockouts),
        },
    ).returning(_L.failures, _L.locked_until, _L.lockouts)


_RECORD_FAILURE = _record_failure()
_MICROSECOND = timedelta(microseconds=1)


def _first_failure(now: datetime, policy: LockoutPolicy) -> dict[str, object]:
    """The values stored for a key's first failure (no row yet: nothing locked before)."""
    if policy.threshold <= 1:
        return {"first_failures": 0, "first_locked_until": now + min(policy.base, policy.longest), "first_lockouts": 1}
    return {"first_failures": 1, "first_locked_until": None, "first_lockouts": 0}


class PostgresIdentityStore:
    """Implements `upskill.domain.ports.IdentityStore` inside one unit of work's transaction."""

    def __init__(self, connections: Connections, constraints: ConstraintCatalogue) -> None:
        self._connections = connections
        self._constraints = constraints

    async def _read(self, statement: Any, values: dict[str, object]) -> Any:
        with translated(self._constraints):
            return await (await self._connections.connection()).execute(statement, values)

    async def _write(self, statement: Any, values: dict[str, object], id: UUID | None = None) -> Any:
        with translated(self._constraints, Attempt(Action.WRITE, id=id)):
            return await (await self._connections.connection(write=True)).execute(statement, values)

    async def user_by_email(self, email: str) -> User | None:
        """`email` is normalised; the stored one is too."""
        row = (await self._read(_USER_BY_EMAIL, {"b_email": email})).first()
        return _USER.from_row(row) if row is not None else None

    async def admin_exists(self) -> bool:
        """Whether an active admin is stored (a deactivated one does not count)."""
        return bool((await self._read(_ADMIN_EXISTS, {})).scalar_one())

    async def add_session(self, session: AuthSession) -> None:
        """Raises InvalidReference(field="user_id") when the user does not exist."""
        values = {c.name: getattr(session, c.name) for c in auth_sessions.c}
        await self._write(_ADD_SESSION, values, session.id)

    async def session(self, id: UUID) -> AuthSession | None:
        row = (await self._read(_SESSION, {"b_id": id})).first()
        return AuthSession(*row) if row is not None else None

    async def live_sessions(self, user_id: UUID, now: datetime) -> list[AuthSession]:
        """The user's sessions that are live at `now`, newest first."""
        rows = (await self._read(_LIVE_SESSIONS, {"b_user_id": user_id, "now": now})).all()
        return [AuthSession(*row) for row in rows]

    async def touch_session(self, id: UUID, *, used_at: datetime, idle_expires_at: datetime) -> None:
        await self._write(_TOUCH_SESSION, {"b_id": id, "b_used_at": used_at, "at": idle_expires_at}, id)

    async def revoke_session(self, id: UUID, at: datetime) -> bool:
        """True if the session was live (not yet revoked) and is now revoked."""
        return bool((await self._write(_REVOKE_SESSION, {"b_id": id, "at": at}, id)).rowcount == 1)

    async def revoke_sessions(self, user_id: UUID, at: datetime, *, keep: UUID | None = None) -> int:
        """Revoke every unrevoked session of the user but `keep`; how many were revoked."""
        result = await self._write(_REVOKE_SESSIONS, {"b_user_id": user_id, "at": at, "b_keep": keep})
        return int(result.rowcount)

    async def add_refresh_token(self, token: RefreshToken) -> None:
        """Raises InvalidReference(field="session_id") when the session does not exist."""
        values = {c.name: getattr(token, c.name) for c in refresh_tokens.c}
        await self._write(_ADD_TOKEN, values)

    async def claim_refresh_token(self, digest: str) -> RefreshToken | None:
        """The token with this digest, locked (`FOR UPDATE`) until the unit of work ends: a
        concurrent claim of the same token waits, then sees what this one committed."""
        row = (await self._read(_CLAIM_TOKEN, {"b_digest": digest})).first()
        return RefreshToken(*row) if row is not None else None

    async def use_refresh_token(self, digest: str, at: datetime) -> None:
        await self._write(_USE_TOKEN, {"b_digest": digest, "at": at})

    async def claim_refresh(self, digest: str) -> RefreshClaim | None:
        """The token, locked (`FOR UPDATE OF refresh_tokens`), joined to its session and user."""
        row = (await self._read(_CLAIM_REFRESH, {"b_digest": digest})).first()
        if row is None:
            return None
        sessions_end = _TOKEN_WIDTH + _SESSION_WIDTH
        session = None if row[_TOKEN_WIDTH] is None else AuthSession(*row[_TOKEN_WIDTH:sessions_end])
        user = None if row[sessions_end] is None else _USER.from_row(row[sessions_end:])
        return RefreshClaim(RefreshToken(*row[:_TOKEN_WIDTH]), session, user)

    async def rotate_refresh_token(self, used: str, new: RefreshToken, *, idle_expires_at: datetime) -> None:
        """One statement: the new token's INSERT, with the used token's and the session's
        UPDATEs as data-modifying WITH queries."""
        values = {
            "b_digest": new.digest,
            "b_session_id": new.session_id,
            "at": new.issued_at,
            "b_used": used,
            "b_idle": idle_expires_at,
        }
        await self._write(_ROTATE, values, new.session_id)

    async def lockout(self, key: str) -> Lockout:
        row = (await self._read(_LOCKOUT, {"b_key": key})).first()
        return Lockout(*row) if row is not None else Lockout()

    async def record_failure(self, key: str, now: datetime, policy: LockoutPolicy) -> Lockout:
        """Count one failed login for `key` atomically (one upsert: concurrent failures all
        count). On reaching `policy.threshold` failures: lock until `now + min(base ·
        2^lockouts, longest)`, increment lockouts and restart the failure count."""
        values: dict[str, object] = {
            "b_key": key,
            "now": now,
            "threshold": policy.threshold,
            "base_us": policy.base // _MICROSECOND,
            "longest_us": policy.longest // _MICROSECOND,
            **_first_failure(now, policy),
        }
        row = (await self._write(_RECORD_FAILURE, values)).one()
        return Lockout(*row)

    async def clear_failures(self, key: str) -> None:
        """After a successful login: forget the failures (the lockout history stays)."""
        await self._write(_CLEAR_FAILURES, {"b_key": key})
