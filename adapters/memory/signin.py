"""The SignInStore port over a unit of work's private writes (the memory twin of
`adapters.postgres.signin`): pending logins taken once, codes claimed under a row lock,
identity links unique by (issuer, subject) and pointing at an existing user. Writes are
published with the unit of work's commit, or not at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from adapters.memory.locks import HeldLocks, RowLocks
from adapters.memory.repository import round_trip
from adapters.memory.staging import Staging
from upskill.domain.entity import Entity
from upskill.domain.errors import Conflict, FieldError, InvalidReference
from upskill.domain.identity import User
from upskill.domain.signin import AuthorizationCode, IdentityLink, PendingLogin


@dataclass
class SignInTables:
    """The committed sign-in state of a MemoryStore."""

    pending: dict[str, PendingLogin] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    links: dict[tuple[str, str], IdentityLink] = field(default_factory=dict)
    locks: RowLocks = field(default_factory=RowLocks)


class MemorySignInStore:
    def __init__(self, tables: SignInTables, staging: Staging) -> None:
        self._tables, self._staging = tables, staging
        self._locks = HeldLocks(tables.locks)
        self.end()

    async def add_pending(self, login: PendingLogin) -> None:
        await round_trip()
        if login.state_digest in self._tables.pending or login.state_digest in self._pending:
            raise Conflict("This state is taken.", entity="Pending login", field="state")
        self._pending[login.state_digest] = login

    async def take_pending(self, state_digest: str) -> PendingLogin | None:
        await round_trip()
        if state_digest in self._pending:
            return self._pending.pop(state_digest)
        if state_digest not in self._tables.pending or state_digest in self._taken:
            return None
        await self._locks.take(("pending", state_digest))
        login = self._tables.pending.get(state_digest)  # another taker may have committed meanwhile
        if login is not None:
            self._taken.add(state_digest)
        return login

    async def add_code(self, code: AuthorizationCode) -> None:
        await round_trip()
        if self._staging.find(User, code.user_id) is None:
            raise _missing("Authorization code", code.user_id)
        self._codes[code.digest] = code
        self._new_codes.add(code.digest)

    async def claim_code(self, digest: str) -> AuthorizationCode | None:
        await round_trip()
        if digest in self._new_codes:
            return self._codes[digest]
        if digest not in self._tables.codes:
            return None
        await self._locks.take(("code", digest))
        return self._codes.get(digest, self._tables.codes.get(digest))

    async def use_code(self, digest: str, at: datetime, session_id: UUID | None) -> None:
        current = await self.claim_code(digest)
        if current is not None:
            self._codes[digest] = replace(current, used_at=at, session_id=session_id)

    async def user_by_link(self, issuer: str, subject: str) -> UUID | None:
        await round_trip()
        link = self._links.get((issuer, subject)) or self._tables.links.get((issuer, subject))
        return None if link is None else link.user_id

    async def add_link(self, link: IdentityLink) -> None:
        await round_trip()
        key = (link.issuer, link.subject)
        if key in self._links or key in self._tables.links:
            raise Conflict("This identity is linked already.", entity="Identity link", field="subject")
        if self._staging.find(User, link.user_id) is None:
            raise _missing("Identity link", link.user_id)
        self._links[key] = link

    # -- the unit of work's end (a staging Companion) ------------------------------------------

    def check(self) -> None:
        for key, link in self._links.items():
            if key in self._tables.links:
                raise Conflict("This identity is linked already.", entity="Identity link", field="subject")
            if self._staging.find(User, link.user_id) is None:
                raise _missing("Identity link", link.user_id)

    def publish(self, writes: Mapping[type[Entity], Mapping[UUID, Entity | None]]) -> None:
        for digest in self._taken:
            self._tables.pending.pop(digest, None)
        self._tables.pending.update(self._pending)
        self._tables.codes.update(self._codes)
        self._tables.links.update(self._links)
        gone = {id for id, entity in writes.get(User, {}).items() if entity is None}
        if gone:  # the foreign keys cascade
            self._tables.links = {k: v for k, v in self._tables.links.items() if v.user_id not in gone}
            self._tables.codes = {k: v for k, v in self._tables.codes.items() if v.user_id not in gone}

    def end(self) -> None:
        """Forget every private write and release every row lock (commit or rollback)."""
        self._pending: dict[str, PendingLogin] = {}
        self._taken: set[str] = set()
        self._codes: dict[str, AuthorizationCode] = {}
        self._new_codes: set[str] = set()
        self._links: dict[tuple[str, str], IdentityLink] = {}
        self._locks.release_all()


def _missing(entity: str, user_id: UUID) -> InvalidReference:
    return InvalidReference(
        f"User {user_id} does not exist.",
        entity=entity,
        field="user_id",
        errors=[FieldError("user_id", "does not exist")],
    )
