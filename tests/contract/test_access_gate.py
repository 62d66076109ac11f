"""AccessGate port: the per-request check of a validly signed token against the committed state
of its session, its user and the user's employee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from tests.factories import BASE_TIME, auth_session, department, employee, persist, user
from upskill.domain.identity import AuthSession, User
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import AccessGate, UnitOfWorkFactory
from upskill.domain.principal import Principal, Role
from upskill.domain.security import AccessTokenClaims

HOUR = timedelta(hours=1)
ISSUED = BASE_TIME + timedelta(minutes=5)
NOW = BASE_TIME + HOUR


def _claims(sub: UUID, sid: UUID, *, iat: datetime = ISSUED, role: str = "admin") -> AccessTokenClaims:
    """Claims as a verified token carries them; the role claim is deliberately not the stored one."""
    return AccessTokenClaims(sub, sid, "jti", role, "api", iat, iat, iat + timedelta(minutes=15), "iss", "aud")


@dataclass(frozen=True)
class Caller:
    department: Department
    employee: Employee
    user: User
    session: AuthSession

    def claims(self, *, iat: datetime = ISSUED) -> AccessTokenClaims:
        return _claims(self.user.id, self.session.id, iat=iat)


async def _open(uow_factory: UnitOfWorkFactory, session: AuthSession) -> AuthSession:
    async with uow_factory() as uow:
        await uow.identity.add_session(session)
        await uow.commit()
    return session


async def _caller(
    uow_factory: UnitOfWorkFactory, *, idle: timedelta = 9 * HOUR, absolute: timedelta = 9 * HOUR
) -> Caller:
    dept = department()
    staff = employee(department_id=dept.id)
    manager = user(role=Role.MANAGER, employee_id=staff.id, password_changed_at=BASE_TIME)
    await persist(uow_factory, dept, staff, manager)
    session = await _open(uow_factory, auth_session(user_id=manager.id, idle=idle, absolute=absolute))
    return Caller(dept, staff, manager, session)


async def _update(uow_factory: UnitOfWorkFactory, changed: User, expected_version: int) -> None:
    async with uow_factory() as uow:
        await uow.repository(User).update(changed, expected_version=expected_version)
        await uow.commit()


async def test_a_live_session_gives_the_stored_user_with_their_department(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    caller = await _caller(uow_factory)
    assert await access_gate.principal(caller.claims(), NOW) == Principal(
        caller.user.id, Role.MANAGER, caller.employee.id, caller.department.id, caller.session.id
    )


async def test_a_user_without_an_employee_has_no_department(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    loner = user()
    await persist(uow_factory, loner)
    session = await _open(uow_factory, auth_session(user_id=loner.id))
    found = await access_gate.principal(_claims(loner.id, session.id), NOW)
    assert found == Principal(loner.id, Role.EMPLOYEE, None, None, session.id)


async def test_the_role_is_the_stored_one_at_once(uow_factory: UnitOfWorkFactory, access_gate: AccessGate) -> None:
    caller = await _caller(uow_factory)
    await _update(uow_factory, caller.user.evolve(role=Role.EMPLOYEE, version=2), expected_version=1)
    found = await access_gate.principal(caller.claims(), NOW)
    assert found is not None
    assert found.role is Role.EMPLOYEE


async def test_a_revoked_session_gives_nobody(uow_factory: UnitOfWorkFactory, access_gate: AccessGate) -> None:
    caller = await _caller(uow_factory)
    async with uow_factory() as uow:
        await uow.identity.revoke_session(caller.session.id, NOW)
        await uow.commit()
    assert await access_gate.principal(caller.claims(), NOW) is None


async def test_an_idle_expired_session_gives_nobody(uow_factory: UnitOfWorkFactory, access_gate: AccessGate) -> None:
    caller = await _caller(uow_factory, idle=2 * HOUR)
    assert await access_gate.principal(caller.claims(), BASE_TIME + 2 * HOUR - timedelta(seconds=1)) is not None
    assert await access_gate.principal(caller.claims(), BASE_TIME + 2 * HOUR) is None


async def test_an_absolutely_expired_session_gives_nobody(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    caller = await _caller(uow_factory, idle=9 * HOUR, absolute=2 * HOUR)
    assert await access_gate.principal(caller.claims(), BASE_TIME + 2 * HOUR - timedelta(seconds=1)) is not None
    assert await access_gate.principal(caller.claims(), BASE_TIME + 2 * HOUR) is None


async def test_an_inactive_user_gives_nobody(uow_factory: UnitOfWorkFactory, access_gate: AccessGate) -> None:
    caller = await _caller(uow_factory)
    await _update(uow_factory, caller.user.evolve(is_active=False, version=2), expected_version=1)
    assert await access_gate.principal(caller.claims(), NOW) is None


async def test_a_token_issued_before_the_last_password_change_gives_nobody(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    caller = await _caller(uow_factory)
    changed_at = ISSUED + timedelta(seconds=1)
    await _update(uow_factory, caller.user.evolve(password_changed_at=changed_at, version=2), expected_version=1)
    assert await access_gate.principal(caller.claims(iat=ISSUED), NOW) is None
    assert await access_gate.principal(caller.claims(iat=changed_at), NOW) is not None


async def test_the_session_of_another_user_gives_nobody(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    caller = await _caller(uow_factory)
    other = user()
    await persist(uow_factory, other)
    theirs = await _open(uow_factory, auth_session(user_id=other.id))
    assert await access_gate.principal(_claims(caller.user.id, theirs.id), NOW) is None
    assert await access_gate.principal(_claims(other.id, caller.session.id), NOW) is None


async def test_an_unknown_or_uncommitted_session_gives_nobody(
    uow_factory: UnitOfWorkFactory, access_gate: AccessGate
) -> None:
    caller = await _caller(uow_factory)
    assert await access_gate.principal(_claims(caller.user.id, uuid4()), NOW) is None
    pending = auth_session(user_id=caller.user.id)
    async with uow_factory() as uow:
        await uow.identity.add_session(pending)
        assert await access_gate.principal(_claims(caller.user.id, pending.id), NOW) is None
