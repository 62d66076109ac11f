"""The memory identity store at commit: new rows are checked again against what others
committed meanwhile, and the row locks end whatever the outcome."""

from __future__ import annotations

import pytest

from adapters.memory import MemoryStore
from tests.factories import BASE_TIME, auth_session, persist, refresh_token, user
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.identity import LockoutPolicy, User


async def test_a_session_whose_user_was_deleted_meanwhile_is_refused_at_commit(memory_store: MemoryStore) -> None:
    owner, kept = user(), user()
    live = auth_session(user_id=kept.id)
    await persist(memory_store.unit_of_work, owner, kept)
    async with memory_store.unit_of_work() as uow:
        await uow.identity.add_session(live)
        await uow.commit()
    async with memory_store.unit_of_work() as adding:
        await adding.identity.add_session(auth_session(user_id=owner.id))
        await adding.identity.revoke_session(live.id, BASE_TIME)  # holds the row lock
        async with memory_store.unit_of_work() as deleting:
            await deleting.repository(User).delete(owner.id)
            await deleting.commit()
        with pytest.raises(InvalidReference) as caught:
            await adding.commit()
    assert caught.value.field == "user_id"
    assert len(memory_store.identity.locks) == 0
    assert list(memory_store.identity.sessions) == [live.id]
    assert memory_store.identity.sessions[live.id].revoked_at is None  # nothing of the failed commit


async def test_a_digest_committed_meanwhile_is_a_conflict(memory_store: MemoryStore) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    token = refresh_token(session_id=session.id)
    await persist(memory_store.unit_of_work, owner)
    async with memory_store.unit_of_work() as uow:
        await uow.identity.add_session(session)
        await uow.commit()
    async with memory_store.unit_of_work() as first, memory_store.unit_of_work() as second:
        await first.identity.add_refresh_token(token)
        await second.identity.add_refresh_token(token)
        await first.commit()
        with pytest.raises(Conflict) as caught:
            await second.commit()
    assert caught.value.field == "digest"
    assert memory_store.identity.refresh_tokens == {token.digest: token}


async def test_the_row_locks_end_with_the_block(memory_store: MemoryStore) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    await persist(memory_store.unit_of_work, owner)
    async with memory_store.unit_of_work() as uow:
        await uow.identity.add_session(session)
        await uow.commit()
        await uow.identity.touch_session(session.id, used_at=BASE_TIME, idle_expires_at=BASE_TIME)
        await uow.identity.record_failure("ada@example.com", BASE_TIME, LockoutPolicy())
        assert len(memory_store.identity.locks) == 2
    assert len(memory_store.identity.locks) == 0
    assert memory_store.identity.login_attempts == {}


async def test_a_change_to_a_session_deleted_meanwhile_does_not_bring_it_back(memory_store: MemoryStore) -> None:
    owner = user()
    session = auth_session(user_id=owner.id)
    await persist(memory_store.unit_of_work, owner)
    async with memory_store.unit_of_work() as uow:
        await uow.identity.add_session(session)
        await uow.commit()
    async with memory_store.unit_of_work() as touching:
        await touching.identity.touch_session(session.id, used_at=BASE_TIME, idle_expires_at=BASE_TIME)
        async with memory_store.unit_of_work() as deleting:
            await deleting.repository(User).delete(owner.id)
            await deleting.commit()
        with pytest.raises(InvalidReference):
            await touching.identity.add_refresh_token(refresh_token(session_id=session.id))
        await touching.commit()
    assert memory_store.identity.sessions == {}
