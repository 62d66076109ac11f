"""Accounts: self sign-up, the first admin, and UserService's password and email handling."""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.services.auth_world import OTHER_PASSWORD, PASSWORD, WEAK_PASSWORD, AuthWorld
from upskill.domain.errors import Forbidden, InvalidGrant, InvariantViolation, Unauthenticated
from upskill.domain.identity import User
from upskill.domain.principal import SYSTEM, Role

# -- register ------------------------------------------------------------------------------------


async def test_sign_up_is_refused_while_disabled(world: AuthWorld) -> None:
    with pytest.raises(Forbidden):
        await world.auth.register("ada@example.com", PASSWORD)
    assert world.store.table(User) == {}


async def test_sign_up_makes_an_employee_with_the_normalised_email(world: AuthWorld) -> None:
    world.auth.allow_signup = True
    ada = await world.auth.register("  Ada@\uff25XAMPLE.com ", PASSWORD)  # a full-width E
    assert (ada.email, ada.role, ada.is_active, ada.employee_id) == ("ada@example.com", Role.EMPLOYEE, True, None)
    assert await world.user(ada.id) == ada
    assert await world.is_live((await world.login("ada@example.com")).session_id)


# -- ensure_admin --------------------------------------------------------------------------------


async def test_the_first_admin_is_created_once(world: AuthWorld) -> None:
    root = await world.auth.ensure_admin("Root@Example.com", PASSWORD)
    assert root is not None
    assert (root.email, root.role) == ("root@example.com", Role.ADMIN)
    assert await world.auth.ensure_admin("other@example.com", PASSWORD) is None
    assert [u.email for u in world.store.table(User).values() if isinstance(u, User)] == ["root@example.com"]
    assert world.audit.of("user.admin_created") == [{"user_id": root.id}]
    assert await world.is_live((await world.login("root@example.com")).session_id)


# -- UserService ---------------------------------------------------------------------------------


async def test_a_user_needs_a_password(world: AuthWorld) -> None:
    with pytest.raises(InvariantViolation) as refused:
        await world.users.create(SYSTEM, {"email": "ada@example.com"})
    assert refused.value.field == "password"
    assert world.store.table(User) == {}


async def test_the_password_is_kept_only_as_a_hash(world: AuthWorld) -> None:
    ada = await world.add_user()
    assert "password" not in {f.name for f in dataclasses.fields(User)}
    assert all(PASSWORD not in str(value) for value in dataclasses.asdict(ada).values())
    assert ada.password_hash.startswith("$argon2id$")
    assert await world.hasher.verify(PASSWORD, ada.password_hash) == (True, None)
    assert ada.password_changed_at == world.clock.now().replace(microsecond=0)


async def test_a_weak_password_is_refused(world: AuthWorld) -> None:
    for weak in (WEAK_PASSWORD, "short"):
        with pytest.raises(InvariantViolation) as refused:
            await world.add_user(password=weak)
        assert refused.value.field == "password"
    assert world.store.table(User) == {}


async def test_the_email_is_stored_normalised_on_create_and_update(world: AuthWorld) -> None:
    ada = await world.add_user(" ADA@Example.COM")
    assert ada.email == "ada@example.com"
    renamed = await world.users.update(SYSTEM, ada.id, {"email": "Ada.L@Example.com "})
    assert renamed.email == "ada.l@example.com"


async def test_a_password_set_by_an_admin_ends_the_users_sessions(world: AuthWorld) -> None:
    admin = await world.admin()
    ada = await world.add_user()
    grant = await world.login()
    updated = await world.users.update(admin, ada.id, {"password": OTHER_PASSWORD})
    assert updated.password_hash != ada.password_hash
    assert await world.live_sessions(ada.id) == []
    with pytest.raises(Unauthenticated):
        await world.auth.authenticate(grant.access_token)
    with pytest.raises(InvalidGrant):
        await world.login(password=PASSWORD)
    assert await world.login(password=OTHER_PASSWORD)
    assert world.audit.of("user.password_set") == [{"actor": admin.user_id, "user_id": ada.id}]


async def test_a_change_without_a_password_keeps_the_sessions(world: AuthWorld) -> None:
    ada = await world.add_user()
    grant = await world.login()
    updated = await world.users.update(SYSTEM, ada.id, {"role": Role.MANAGER})
    assert updated.password_hash == ada.password_hash
    assert await world.is_live(grant.session_id)


async def test_only_an_admin_manages_users(world: AuthWorld) -> None:
    ada = await world.add_user()
    me = await world.auth.authenticate((await world.login()).access_token)
    with pytest.raises(Forbidden):
        await world.users.update(me, ada.id, {"role": Role.ADMIN})
    assert (await world.user(ada.id)).role is Role.EMPLOYEE
