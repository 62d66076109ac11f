"""The login lockout: consecutive failures per account key (a normalised email, whether an
account has it or not, so that locking reveals nothing), counted in the store so that every
replica agrees."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from upskill.domain.errors import RateLimited
from upskill.domain.identity import Lockout, LockoutPolicy, User
from upskill.domain.ports import AuditLog, UnitOfWorkFactory


def email_digest(key: str) -> str:
    """How an account key is named in the audit log when no account may have it."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class LoginGuard:
    def __init__(self, uow: UnitOfWorkFactory, policy: LockoutPolicy, audit: AuditLog) -> None:
        self._uow, self._policy, self._audit = uow, policy, audit

    def refuse_if_locked(self, state: Lockout, now: datetime, key: str) -> None:
        """Raises RateLimited (with the seconds left) while `state` is locked."""
        if state.locked_until is not None and state.locked(now):
            retry = max(1, math.ceil((state.locked_until - now).total_seconds()))
            self._audit.record("login.refused_locked", account=email_digest(key), retry_after=retry)
            raise RateLimited("Too many failed attempts; try again later.", retry_after=retry)

    async def failed(self, key: str, now: datetime, user: User | None) -> None:
        """Count a failure in its own transaction (the login itself fails and rolls back)."""
        async with self._uow() as uow:
            state = await uow.identity.record_failure(key, now, self._policy)
            await uow.commit()
        who = {"user_id": user.id} if user is not None else {"account": email_digest(key)}
        self._audit.record("login.failure", **who)
        if state.locked(now):
            self._audit.record("login.lockout", until=state.locked_until, lockouts=state.lockouts, **who)
