"""The identity store on PostgreSQL: what only a real database shows — row locks that make
concurrent refreshes wait, an upsert that loses no concurrent failure, the identity tables'
constraints and cascades."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.postgres.database import Database
from tests.e2e.conftest import connect
from tests.factories import BASE_TIME, auth_session, department, employee, persist, refresh_token, user
from upskill.domain.errors import Conflict, InvalidReference, InvariantViolation
from upskill.domain.identity import AuthSession, Lockout, LockoutPolicy, RefreshToken, User
from upskill.domain.organisation import Employee

NOW = BASE_TIME + timedelta(hours=1)
KEY = "someone@example.com"


async def _open_session(db: Database, *, tokens: int = 1) -> tuple[User, AuthSession, list[RefreshToken]]:
    """A committed user with one session and `tokens` refresh tokens."""
    owner = user()
    await persist(db.unit_of_work, owner)
    session = auth_session(user_id=owner.id)
    issued = [refresh_token(session_id=session.id) for _ in range(tokens)]
    async with db.unit_of_work() as uow:
        await uow.identity.add_session(session)
        for token in issued:
            await uow.identity.add_refresh_token(token)
        await uow.commit()
    return owner, session, issued


async def _waiting_on_a_lock(url: str) -> None:
    """Returns once a backend of this database waits for a lock; fails after about 5 s."""
    conn = await connect(url)
    try:
        for _ in range(500):
            if await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ):
                return
            await asyncio.sleep(0.01)
    finally:
        await conn.close()
    raise AssertionError("no backend waits for a lock")


async def test_a_second_claim_of_a_token_waits_for_the_first_and_sees_it_used(db: Database, module_url: str) -> None:
    _, _, (token,) = await _open_session(db)

    async def claim() -> RefreshToken | None:
        async with db.unit_of_work() as uow:
            return await uow.identity.claim_refresh_token(token.digest)

    async with db.unit_of_work() as first:
        claimed = await first.identity.claim_refresh_token(token.digest)
        assert claimed == token
        second = asyncio.create_task(claim())
        await _waiting_on_a_lock(module_url)
        assert not second.done()
        await first.identity.use_refresh_token(token.digest, NOW)
        await first.commit()
    seen = await asyncio.wait_for(second, timeout=5)
    assert seen is not None
    assert seen.used_at == NOW


async def test_claims_of_different_tokens_do_not_wait_for_each_other(db: Database) -> None:
    _, _, (one, other) = await _open_session(db, tokens=2)
    async with db.unit_of_work() as first, db.unit_of_work() as second:
        assert await first.identity.claim_refresh_token(one.digest) == one
        claimed = await asyncio.wait_for(second.identity.claim_refresh_token(other.digest), timeout=2)
        assert claimed == other


async def test_an_exchange_is_two_statements_and_no_access_change(db: Database) -> None:
    """The refresh grant's reads and writes: the token joined to its session and user (locked),
    then one statement for the used token, the touched session and the next token. Lengthening
    a session's idle life changes no one's access, so the access gate keeps what it knows."""
    owner, session, (token,) = await _open_session(db)
    following = refresh_token(session_id=session.id, issued_at=NOW)
    async with db.unit_of_work() as uow:
        with db.statements() as seen:
            claim = await uow.identity.claim_refresh(token.digest)
            await uow.identity.rotate_refresh_token(token.digest, following, idle_expires_at=NOW + timedelta(hours=1))
        assert claim is not None
        assert (claim.session, claim.user) == (session, owner)
        assert not (await uow.connection()).changed_access
        await uow.commit()
    assert len(seen) == 2
    async with db.unit_of_work() as uow:
        assert await uow.identity.claim_refresh_token(following.digest) == following


async def test_concurrent_failures_all_count_and_lock_exactly_once(db: Database) -> None:
    policy = LockoutPolicy(threshold=20, base=timedelta(minutes=1), longest=timedelta(hours=1))

    async def fail() -> Lockout:
        async with db.unit_of_work() as uow:
            state = await uow.identity.record_failure(KEY, NOW, policy)
            await uow.commit()
            return state

    states = await asyncio.gather(*(fail() for _ in range(25)))

    assert sorted(s.failures for s in states) == sorted([0, *range(1, 20), *range(1, 6)])
    assert [s for s in states if s.failures == 0] == [Lockout(0, NOW + timedelta(minutes=1), 1)]
    async with db.unit_of_work() as uow:
        assert await uow.identity.lockout(KEY) == Lockout(5, NOW + timedelta(minutes=1), 1)


async def test_lockouts_double_in_exact_microseconds_up_to_the_longest(db: Database) -> None:
    base = timedelta(seconds=1, microseconds=1)
    policy = LockoutPolicy(threshold=1, base=base, longest=timedelta(seconds=5))
    expected = [base, base * 2, base * 4, timedelta(seconds=5), timedelta(seconds=5)]
    for n, period in enumerate(expected, start=1):
        async with db.unit_of_work() as uow:
            assert await uow.identity.record_failure(KEY, NOW, policy) == Lockout(0, NOW + period, n)
            await uow.commit()


async def test_a_lockout_after_very_many_lockouts_is_the_longest(db: Database, module_url: str) -> None:
    conn = await connect(module_url)
    try:
        await conn.execute("INSERT INTO login_attempts VALUES ($1, 0, NULL, 2000000000)", KEY)
    finally:
        await conn.close()
    policy = LockoutPolicy(threshold=1, base=timedelta(days=1), longest=timedelta(days=2))
    async with db.unit_of_work() as uow:
        assert await uow.identity.record_failure(KEY, NOW, policy) == Lockout(0, NOW + timedelta(days=2), 2000000001)


async def test_a_session_of_a_missing_user_is_an_invalid_reference_on_user_id(db: Database) -> None:
    async with db.unit_of_work() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.identity.add_session(auth_session(user_id=user().id))
    assert (caught.value.entity, caught.value.field) == ("Session", "user_id")


async def test_a_token_of_a_missing_session_is_an_invalid_reference_on_session_id(db: Database) -> None:
    async with db.unit_of_work() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.identity.add_refresh_token(refresh_token(session_id=auth_session(user_id=user().id).id))
    assert caught.value.field == "session_id"


async def test_a_session_id_added_twice_is_a_conflict(db: Database) -> None:
    _, session, _ = await _open_session(db, tokens=0)
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict):
            await uow.identity.add_session(session)


async def test_deleting_a_user_ends_its_sessions_and_their_tokens(db: Database) -> None:
    owner, session, (token,) = await _open_session(db)
    async with db.unit_of_work() as uow:
        await uow.repository(User).delete(owner.id)
        await uow.commit()
    async with db.unit_of_work() as uow:
        assert await uow.identity.session(session.id) is None
        assert await uow.identity.claim_refresh_token(token.digest) is None


async def test_an_employee_a_user_is_linked_to_cannot_be_deleted(db: Database) -> None:
    sales = department()
    ada = employee(department_id=sales.id)
    await persist(db.unit_of_work, sales, ada, user(employee_id=ada.id))
    async with db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            await uow.repository(Employee).delete(ada.id)
    assert "users" in str(caught.value)


async def test_a_user_linked_to_a_missing_employee_is_an_invalid_reference(db: Database) -> None:
    with pytest.raises(InvalidReference) as caught:
        await persist(db.unit_of_work, user(employee_id=user().id))
    assert (caught.value.entity, caught.value.field) == ("User", "employee_id")


async def test_an_email_taken_in_another_case_is_a_conflict_on_email(db: Database) -> None:
    await persist(db.unit_of_work, user(email="ada@example.com"))
    forged = user()
    object.__setattr__(forged, "email", "ADA@example.com")  # past the entity's own check
    with pytest.raises(Conflict) as caught:
        await persist(db.unit_of_work, forged)
    assert (caught.value.entity, caught.value.field) == ("User", "email")


async def test_a_role_outside_the_three_is_refused_on_role(db: Database) -> None:
    forged = user()
    object.__setattr__(forged, "role", "owner")
    with pytest.raises(InvariantViolation) as caught:
        await persist(db.unit_of_work, forged)
    assert (caught.value.entity, caught.value.field) == ("User", "role")


async def test_a_user_is_found_by_email_with_its_role(db: Database) -> None:
    stored = user(email="grace@example.com", password_changed_at=NOW)
    await persist(db.unit_of_work, stored)
    async with db.unit_of_work() as uow:
        assert await uow.identity.user_by_email("grace@example.com") == stored
        assert await uow.identity.user_by_email("nobody@example.com") is None
