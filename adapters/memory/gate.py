"""The AccessGate port over a MemoryStore's committed state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from adapters.memory.repository import round_trip
from upskill.domain.identity import User
from upskill.domain.organisation import Employee
from upskill.domain.principal import Principal
from upskill.domain.security import AccessTokenClaims

if TYPE_CHECKING:
    from adapters.memory.store import MemoryStore


class MemoryAccessGate:
    """One look-up per request, like the PostgreSQL join of session, user and linked employee:
    the session must be the token's (`sid` and `sub`), unrevoked, neither idle- nor absolutely
    expired; its user active and without a password change after the token's `iat`. The role
    is the stored user's, not the token's."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def principal(self, claims: AccessTokenClaims, now: datetime) -> Principal | None:
        await round_trip()
        session = self._store.identity.sessions.get(claims.sid)
        if session is None or session.user_id != claims.sub or not session.is_live(now):
            return None
        user = self._store.table(User).get(claims.sub)
        if not isinstance(user, User) or not user.is_active:
            return None
        if user.password_changed_at is not None and user.password_changed_at > claims.iat:
            return None
        employee = None if user.employee_id is None else self._store.table(Employee).get(user.employee_id)
        department_id = employee.department_id if isinstance(employee, Employee) else None
        return Principal(user.id, user.role, user.employee_id, department_id, session.id)
