"""The committed authentication state of a MemoryStore: sessions, refresh tokens (by digest)
and login attempts (by account key), plus the row locks its units of work take on them."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from uuid import UUID

from adapters.memory.locks import RowLocks
from upskill.domain.identity import AuthSession, Lockout, RefreshToken


@dataclass
class IdentityTables:
    """Changed only by a committing unit of work (`publish`, then `drop_users`), with no await
    in between, like the entity tables. Frozen records are shared, never copied."""

    sessions: dict[UUID, AuthSession] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    login_attempts: dict[str, Lockout] = field(default_factory=dict)
    locks: RowLocks = field(default_factory=RowLocks)

    def publish(
        self,
        sessions: dict[UUID, AuthSession],
        refresh_tokens: dict[str, RefreshToken],
        login_attempts: dict[str, Lockout],
    ) -> None:
        self.sessions.update(sessions)
        self.refresh_tokens.update(refresh_tokens)
        self.login_attempts.update(login_attempts)

    def drop_users(self, user_ids: Collection[UUID]) -> None:
        """Deleting a user deletes its sessions and their refresh tokens (the PostgreSQL
        foreign keys cascade the same way)."""
        if not user_ids:
            return
        gone = {id for id, session in self.sessions.items() if session.user_id in user_ids}
        for id in gone:
            del self.sessions[id]
        for digest in [d for d, token in self.refresh_tokens.items() if token.session_id in gone]:
            del self.refresh_tokens[digest]
