"""The IdentityStore port over a unit of work's private writes.

Honest in the ways authentication relies on:
- writes stay private until the unit of work commits, and all of them are published at once
  with the entity writes (or none is); rollback discards them;
- every change to an existing session, refresh token or login-attempt row locks that row until
  the unit of work ends (PostgreSQL's row locks): concurrent changes of one row run one after the
  other, each seeing the previous one's result. `claim_refresh_token` takes that lock to read;
- `record_failure` reads and writes with no await in between, under the row lock, so concurrent
  failures all count;
- a session must name an existing user and a refresh token an existing session
  (InvalidReference, like the foreign keys), checked when added and again at commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import cast
from uuid import UUID

from adapters.memory.identity_tables import IdentityTables
from adapters.memory.locks import HeldLocks
from adapters.memory.repository import round_trip
from adapters.memory.staging import Staging
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, FieldError, InvalidReference
from upskill.domain.identity import AuthSession, Lockout, LockoutPolicy, RefreshClaim, RefreshToken, User
from upskill.domain.principal import Role

SESSION, REFRESH_TOKEN = "Session", "Refresh token"


def _missing(entity: str, id: object, field: str, target: str) -> InvalidReference:
    return InvalidReference(
        f"{target} does not exist.", entity=entity, id=id, field=field, errors=[FieldError(field, "does not exist")]
    )


def _taken(entity: str, id: object, field: str) -> Conflict:
    return Conflict(f"{entity} {id} already exists.", entity=entity, id=id, field=field)


def lockout_after_failure(state: Lockout, now: datetime, policy: LockoutPolicy) -> Lockout:
    """`state` with one more failure: at the threshold, locked for base · 2^lockouts (at most
    `longest`), one more lockout, the count restarted."""
    failures = state.failures + 1
    if failures < policy.threshold:
        return Lockout(failures, state.locked_until, state.lockouts)
    longest = policy.longest // timedelta(microseconds=1)
    doubled = (policy.base // timedelta(microseconds=1)) << min(state.lockouts, 64)
    return Lockout(0, now + timedelta(microseconds=min(doubled, longest)), state.lockouts + 1)


class MemoryIdentityStore:
    """Users by email, sessions, refresh tokens and login attempts as one unit of work sees
    them: the store's committed state as it is now, overlaid with this unit of work's writes."""

    def __init__(self, tables: IdentityTables, staging: Staging) -> None:
        self._tables = tables
        self._staging = staging
        self._locks = HeldLocks(tables.locks)
        self._sessions: dict[UUID, AuthSession] = {}
        self._tokens: dict[str, RefreshToken] = {}
        self._attempts: dict[str, Lockout] = {}
        self._new_sessions: set[UUID] = set()
        self._new_tokens: set[str] = set()

    # -- users ---------------------------------------------------------------------------------

    async def user_by_email(self, email: str) -> User | None:
        await round_trip()
        return next((user for user in self._users() if user.email == email), None)

    async def admin_exists(self) -> bool:
        """Whether an active admin exists (an inactive one cannot administer anything)."""
        await round_trip()
        return any(user.role is Role.ADMIN and user.is_active for user in self._users())

    # -- sessions ------------------------------------------------------------------------------

    async def add_session(self, session: AuthSession) -> None:
        await round_trip()
        if self._session(session.id) is not None:
            raise _taken(SESSION, session.id, "id")
        if self._staging.find(User, session.user_id) is None:
            raise _missing(SESSION, session.id, "user_id", f"User {session.user_id}")
        self._sessions[session.id] = session
        self._new_sessions.add(session.id)

    async def session(self, id: UUID) -> AuthSession | None:
        await round_trip()
        return self._session(id)

    async def live_sessions(self, user_id: UUID, now: datetime) -> list[AuthSession]:
        await round_trip()
        mine = [s for s in self._all_sessions() if s.user_id == user_id and s.is_live(now)]
        return sorted(mine, key=lambda s: (s.created_at, s.id), reverse=True)

    async def touch_session(self, id: UUID, *, used_at: datetime, idle_expires_at: datetime) -> None:
        current = await self._lock_session(id)
        if current is not None:
            self._sessions[id] = replace(current, last_used_at=used_at, idle_expires_at=idle_expires_at)

    async def revoke_session(self, id: UUID, at: datetime) -> bool:
        current = await self._lock_session(id)
        if current is None or current.revoked_at is not None:
            return False
        self._sessions[id] = replace(current, revoked_at=at)
        return True

    async def revoke_sessions(self, user_id: UUID, at: datetime, *, keep: UUID | None = None) -> int:
        await round_trip()
        candidates = sorted(
            s.id for s in self._all_sessions() if s.user_id == user_id and s.revoked_at is None and s.id != keep
        )
        revoked = 0
        for id in candidates:  # in id order, so two of these never wait for each other
            revoked += await self.revoke_session(id, at)
        return revoked

    # -- refresh tokens ------------------------------------------------------------------------

    async def add_refresh_token(self, token: RefreshToken) -> None:
        await round_trip()
        if self._token(token.digest) is not None:
            raise _taken(REFRESH_TOKEN, token.digest, "digest")
        if not self._session_exists(token.session_id):
            raise _missing(REFRESH_TOKEN, token.digest, "session_id", f"Session {token.session_id}")
        self._tokens[token.digest] = token
        self._new_tokens.add(token.digest)

    async def claim_refresh_token(self, digest: str) -> RefreshToken | None:
        await round_trip()
        if self._token(digest) is None:
            return None  # no row, nothing to lock (another's uncommitted token is invisible)
        await self._locks.take(("refresh_token", digest))
        return self._token(digest)  # as the previous holder of the lock left it

    async def use_refresh_token(self, digest: str, at: datetime) -> None:
        current = await self.claim_refresh_token(digest)
        if current is not None:
            self._tokens[digest] = replace(current, used_at=at)

    async def claim_refresh(self, digest: str) -> RefreshClaim | None:
        token = await self.claim_refresh_token(digest)
        if token is None:
            return None
        session = self._session(token.session_id)
        user = None if session is None else cast(User | None, self._staging.find(User, session.user_id))
        return RefreshClaim(token, session, user)

    async def rotate_refresh_token(self, used: str, new: RefreshToken, *, idle_expires_at: datetime) -> None:
        await self.use_refresh_token(used, new.issued_at)
        await self.touch_session(new.session_id, used_at=new.issued_at, idle_expires_at=idle_expires_at)
        await self.add_refresh_token(new)

    # -- login attempts ------------------------------------------------------------------------

    async def lockout(self, key: str) -> Lockout:
        await round_trip()
        return self._attempt(key)

    async def record_failure(self, key: str, now: datetime, policy: LockoutPolicy) -> Lockout:
        await self._locks.take(("login_attempt", key))
        state = self._attempts[key] = lockout_after_failure(self._attempt(key), now, policy)  # no await: atomic
        return state

    async def clear_failures(self, key: str) -> None:
        await self._locks.take(("login_attempt", key))
        state = self._attempt(key)
        if state.failures:
            self._attempts[key] = replace(state, failures=0)

    # -- the unit of work's end ----------------------------------------------------------------

    def check(self) -> None:
        """Before commit: raises if a new row collides with or points past what is committed now."""
        for id in self._new_sessions:
            session = self._sessions[id]
            if id in self._tables.sessions:
                raise _taken(SESSION, id, "id")
            if self._staging.find(User, session.user_id) is None:
                raise _missing(SESSION, id, "user_id", f"User {session.user_id}")
        for digest in self._new_tokens:
            token = self._tokens[digest]
            if digest in self._tables.refresh_tokens:
                raise _taken(REFRESH_TOKEN, digest, "digest")
            if not self._session_exists(token.session_id):
                raise _missing(REFRESH_TOKEN, digest, "session_id", f"Session {token.session_id}")

    def publish(self, writes: Mapping[type[Entity], Mapping[UUID, Entity | None]]) -> None:
        """After `check` and the entity writes, with no await in between. A change to a row
        deleted meanwhile (its user deleted) changes nothing, like an UPDATE of no row."""
        sessions = {
            id: s for id, s in self._sessions.items() if id in self._new_sessions or id in self._tables.sessions
        }
        tokens = {d: t for d, t in self._tokens.items() if d in self._new_tokens or d in self._tables.refresh_tokens}
        self._tables.publish(sessions, tokens, self._attempts)
        deleted_users = {id for id, entity in writes.get(User, {}).items() if entity is None}
        self._tables.drop_users(deleted_users)

    def end(self) -> None:
        """Forget every private write and release every row lock (commit or rollback)."""
        self._sessions, self._tokens, self._attempts = {}, {}, {}
        self._new_sessions, self._new_tokens = set(), set()
        self._locks.release_all()

    # -- internals -----------------------------------------------------------------------------

    def _users(self) -> list[User]:
        return cast(list[User], self._staging.records(User))

    def _session(self, id: UUID) -> AuthSession | None:
        return self._sessions.get(id, self._tables.sessions.get(id))

    def _session_exists(self, id: UUID) -> bool:
        """Added here, or committed and not deleted since (a change staged here keeps no row alive)."""
        return id in self._new_sessions or id in self._tables.sessions

    def _all_sessions(self) -> list[AuthSession]:
        return list({**self._tables.sessions, **self._sessions}.values())

    def _token(self, digest: str) -> RefreshToken | None:
        return self._tokens.get(digest, self._tables.refresh_tokens.get(digest))

    def _attempt(self, key: str) -> Lockout:
        state = self._attempts.get(key, self._tables.login_attempts.get(key))
        return Lockout() if state is None else state

    async def _lock_session(self, id: UUID) -> AuthSession | None:
        await round_trip()
        if self._session(id) is None:
            return None
        if id not in self._new_sessions:
            await self._locks.take(("session", id))
        return self._session(id)
