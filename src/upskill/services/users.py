"""Users through the generic stack, with what only users have: a write-only password that is
stored as a hash, emails stored normalised, sessions ended when the password changes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from upskill.domain.errors import FieldError, InvariantViolation
from upskill.domain.identity import User, normalise_email
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.policy import Policy
from upskill.domain.ports import AuditLog, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.resource import Resource
from upskill.domain.security import PasswordHasher
from upskill.services.crud import CrudService


def whole_seconds(moment: datetime) -> datetime:
    """Access tokens carry `iat` in whole seconds; a password change is stored the same way so
    that a token issued in the same second after the change still counts as issued after it."""
    return moment.replace(microsecond=0)


class UserService(CrudService[User]):
    def __init__(
        self,
        resource: Resource[User],
        uow: UnitOfWorkFactory,
        clock: Clock,
        ids: IdFactory,
        policy: Policy[User],
        *,
        hasher: PasswordHasher,
        audit: AuditLog,
    ) -> None:
        super().__init__(resource, uow, clock, ids, policy)
        self._hasher = hasher
        self._audit = audit

    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        email = values.get("email")
        if isinstance(email, str):
            values["email"] = normalise_email(email)
        password = values.pop("password", None)
        if password is None:
            if creating:
                raise InvariantViolation("is required", entity=User.label, field="password")
            return values
        if not isinstance(password, str):
            raise InvariantViolation("must be text", entity=User.label, field="password")
        values.update(await self.password_fields(password))
        return values

    async def password_fields(self, password: str, field: str = "password") -> dict[str, object]:
        """The stored form of a new password; raises InvariantViolation(field) if it is weak."""
        problems = [FieldError(field, p.message) for p in self._hasher.check_strength(password)]
        if problems:
            raise InvariantViolation(problems[0].message, entity=User.label, field=field, errors=problems)
        return {
            "password_hash": await self._hasher.hash(password),
            "password_changed_at": whole_seconds(self._clock.now()),
        }

    async def check(self, uow: UnitOfWork, principal: Principal, before: User | None, after: User) -> None:
        if before is not None and before.password_hash != after.password_hash:
            await uow.identity.revoke_sessions(after.id, self._clock.now())

    async def update(
        self,
        principal: Principal,
        id: UUID,
        changes: Mapping[str, object],
        *,
        expected_version: int | None = None,
        replace: bool = False,
    ) -> User:
        user = await super().update(principal, id, changes, expected_version=expected_version, replace=replace)
        if "role" in changes:
            self._audit.record("user.role_set", actor=principal.user_id, user_id=user.id, role=str(user.role))
        if "password" in changes:
            self._audit.record("user.password_set", actor=principal.user_id, user_id=user.id)
        if changes.get("is_active") is False:
            self._audit.record("user.deactivated", actor=principal.user_id, user_id=user.id)
        return user
