"""The AccessGate port over PostgreSQL: the per-request check, in one indexed query, whose
answers are remembered for at most a second and forgotten as soon as access may have changed.

The check is one autocommit SELECT on a pooled connection (the database's pool, shared with
units of work), compiled once from Core and prepared once per connection. Even so it was a
quarter of the CPU an authenticated GET costs, so a live caller's answer is remembered, keyed
by (session, user, token issue time), for `max_age_s` (1 s by default, 0 turns it off) and
never past the session's own expiry. What may end or change a caller's access — a session
revoked or shortened, a user deactivated, re-roled, given a new password or relinked, an
employee moved, any of them deleted — fires a trigger (migration 0004) that sends
`NOTIFY upskill_access` (`ACCESS_CHANNEL`) at its commit, whoever made the change; every
replica's gate LISTENs on a connection of its own and forgets everything it remembered when
a notification arrives, within milliseconds of the commit. The process that committed forgets
at once, before its own request is answered (its unit of work saw an UPDATE or DELETE of
those tables). While the listening connection is not up (not yet made, or lost with the
server), nothing is remembered: every request is checked.

A connection that the server closed is replaced at the next acquire; one that cannot be made,
a pool that stays exhausted, or a server that does not answer raises Unavailable within the
connect / pool / command timeouts, like the rest of the adapter.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from contextlib import suppress
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from loguru import logger
from sqlalchemy import DateTime, Uuid, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

from adapters.postgres.errors import ConstraintCatalogue, lost_connection, translated
from adapters.postgres.pool import ConnectionPool
from adapters.postgres.tables import auth_sessions, employees, users
from upskill.domain.principal import Principal, Role
from upskill.domain.security import AccessTokenClaims

_S, _U, _E = auth_sessions.c, users.c, employees.c
_NOW = bindparam("now", type_=DateTime(timezone=True))
_IAT = bindparam("iat", type_=DateTime(timezone=True))

GATE = (
    select(_U.role, _U.employee_id, _E.department_id, func.least(_S.idle_expires_at, _S.expires_at))
    .select_from(auth_sessions.join(users, _U.id == _S.user_id).outerjoin(employees, _E.id == _U.employee_id))
    .where(
        _S.id == bindparam("sid", type_=Uuid),
        _S.user_id == bindparam("sub", type_=Uuid),
        _S.revoked_at.is_(None),
        _S.idle_expires_at > _NOW,
        _S.expires_at > _NOW,
        _U.is_active,
        or_(_U.password_changed_at.is_(None), _U.password_changed_at <= _IAT),
    )
)
"""Index look-ups only (the session by id or user, its user and the user's employee by
primary key). Bound parameters: sid, sub, now, iat. Also answers when the session ends (if not
used before), the end of a remembered answer."""

ACCESS_CHANNEL = "upskill_access"
"""The PostgreSQL NOTIFY channel of access changes (payload unused)."""
RELISTEN_AFTER_S = 1.0
"""How long after a failed or lost listening connection the next request tries again."""

_COMPILED = GATE.compile(dialect=PGDialect_asyncpg())  # type: ignore[no-untyped-call]
SQL: str = _COMPILED.string
"""GATE as asyncpg SQL ($n placeholders)."""
_ORDER: tuple[str, ...] = tuple(_COMPILED.positiontup or ())


def _uuid(value: UUID | None) -> UUID | None:
    """asyncpg's own UUID subclass as a plain `uuid.UUID`."""
    return None if value is None else UUID(int=value.int)


class PostgresAccessGate:
    """Implements `upskill.domain.ports.AccessGate` on `pool`; listens for access changes on
    a connection of its own, made with `connect_args` (on first use; `close()` ends it; without
    `connect_args` nothing is remembered)."""

    def __init__(
        self,
        pool: ConnectionPool,
        *,
        acquire_timeout_s: float,
        constraints: ConstraintCatalogue | None = None,
        connect_args: Mapping[str, Any] | None = None,
        max_age_s: float = 1.0,
        max_entries: int = 10_000,
    ) -> None:
        self._pool = pool
        self._acquire_timeout_s = acquire_timeout_s
        self._constraints = constraints or ConstraintCatalogue()
        self._connect_args = {k: v for k, v in (connect_args or {}).items() if k != "command_timeout"}
        self._max_age_s = max_age_s if connect_args is not None else 0.0
        self._max_entries = max_entries
        self._remembered: dict[tuple[UUID, UUID, datetime], tuple[Principal, datetime, float]] = {}
        self._generation = 0
        self._listener: asyncpg.Connection[Any] | None = None
        self._listening = False
        self._connecting: asyncio.Task[None] | None = None
        self._next_try = 0.0

    # -- remembering ---------------------------------------------------------------------------

    def forget(self) -> None:
        """Forget every remembered answer (access may have changed)."""
        self._remembered.clear()
        self._generation += 1

    def _remember_ready(self) -> bool:
        """Whether answers may be remembered now: on, and the listening connection up (else
        try to bring it up, at most once a second)."""
        if self._max_age_s <= 0:
            return False
        if self._listening:
            return True
        if self._connecting is None and time.monotonic() >= self._next_try:
            self._connecting = asyncio.get_running_loop().create_task(self._listen())
        return False

    async def _listen(self) -> None:
        try:
            connection = await asyncpg.connect(**self._connect_args)
            await connection.add_listener(ACCESS_CHANNEL, self._notified)
            connection.add_termination_listener(self._lost)
        except Exception as error:
            logger.warning("access gate: cannot listen for access changes ({}); checking every request", error)
            self._next_try = time.monotonic() + RELISTEN_AFTER_S
        else:
            self._listener = connection
            self.forget()  # nothing missed while not listening can be served
            self._listening = True
        finally:
            self._connecting = None

    def _notified(self, *_: object) -> None:
        self.forget()

    def _lost(self, *_: object) -> None:
        self._listening = False
        self._listener = None
        self.forget()
        self._next_try = time.monotonic() + RELISTEN_AFTER_S

    # -- the check -----------------------------------------------------------------------------

    async def principal(self, claims: AccessTokenClaims, now: datetime) -> Principal | None:
        """The caller if the token's session is live, its user active and the token issued
        at or after the user's last password change; None otherwise. The role is the user's
        current one, not the token's."""
        key = (claims.sid, claims.sub, claims.iat)
        remembering = self._remember_ready()
        if remembering:
            found = self._remembered.get(key)
            if found is not None:
                principal, ends, until = found
                if now < ends and time.monotonic() < until:
                    return principal
                del self._remembered[key]
        generation = self._generation
        values = {"sid": claims.sid, "sub": claims.sub, "now": now, "iat": claims.iat}
        with translated(self._constraints):
            row = await self._fetch([values[name] for name in _ORDER])
        if row is None:
            return None
        role, employee_id, department_id, ends = row
        principal = Principal(claims.sub, Role(role), _uuid(employee_id), _uuid(department_id), claims.sid)
        if remembering and self._listening and generation == self._generation:  # nothing changed meanwhile
            if len(self._remembered) >= self._max_entries:
                del self._remembered[next(iter(self._remembered))]
            self._remembered[key] = (principal, ends, time.monotonic() + self._max_age_s)
        return principal

    async def _fetch(self, arguments: list[object], *, retry: bool = True) -> asyncpg.Record | None:
        """The gate's row. When the pooled connection turns out to have been ended by the
        server (a restart, a terminated backend), it is dropped and the read tried once more
        on a new one."""
        connection = await self._pool.acquire(self._acquire_timeout_s)
        try:
            row = await connection.fetchrow(SQL, *arguments)
        except BaseException as error:  # lost, cancelled or timed out: never reused
            self._pool.discard(connection)
            if retry and lost_connection(error):
                return await self._fetch(arguments, retry=False)
            raise
        await self._pool.release(connection)
        return row

    async def close(self) -> None:
        """Stop listening (a later check starts again) and forget everything."""
        connecting, self._connecting = self._connecting, None
        if connecting is not None:
            connecting.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await connecting
        listener, self._listener = self._listener, None
        self._listening = False
        self.forget()
        if listener is not None:
            listener.remove_termination_listener(self._lost)
            with suppress(Exception):
                await listener.close(timeout=2)
