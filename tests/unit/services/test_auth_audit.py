"""The audit trail of authentication: which events are recorded, and that no recorded field
carries a password or a token."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.services.auth_world import LOCKOUT, OTHER_PASSWORD, PASSWORD, SESSIONS, AuthWorld
from upskill.domain.errors import InvalidGrant, RateLimited
from upskill.domain.principal import Role
from upskill.services.issuing import TokenGrant


def _secrets(*grants: TokenGrant) -> set[str]:
    return {token for grant in grants for token in (grant.access_token, grant.refresh_token)}


async def test_a_login_records_its_success(world: AuthWorld) -> None:
    ada = await world.add_user()
    grant = await world.login(client_id="web")
    assert world.audit.of("login.success") == [{"user_id": ada.id, "session_id": grant.session_id, "client_id": "web"}]


async def test_failures_and_the_lockout_are_recorded_without_revealing_the_email(world: AuthWorld) -> None:
    ada = await world.add_user()
    for _ in range(LOCKOUT.threshold):
        with pytest.raises(InvalidGrant):
            await world.login(password=OTHER_PASSWORD)
    with pytest.raises(InvalidGrant):
        await world.login("ghost@example.com", OTHER_PASSWORD)
    with pytest.raises(RateLimited):
        await world.login()
    assert world.audit.of("login.failure")[: LOCKOUT.threshold] == [{"user_id": ada.id}] * LOCKOUT.threshold
    [ghost] = world.audit.of("login.failure")[LOCKOUT.threshold :]
    assert set(ghost) == {"account"}
    assert "ghost" not in str(ghost["account"])
    [lockout] = world.audit.of("login.lockout")
    assert lockout == {"user_id": ada.id, "until": world.clock.now() + LOCKOUT.base, "lockouts": 1}
    [refused] = world.audit.of("login.refused_locked")
    assert refused["retry_after"] == 60
    assert "ada" not in str(refused["account"])


async def test_refresh_reuse_revocation_and_account_changes_are_recorded(world: AuthWorld) -> None:
    admin = await world.admin()
    ada = await world.add_user()
    first = await world.login()
    await world.auth.refresh_grant(first.refresh_token)
    world.clock.advance(SESSIONS.reuse_grace + timedelta(seconds=1))
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(first.refresh_token)
    again = await world.login()
    await world.auth.revoke(again.refresh_token)
    latest = await world.login()
    await world.auth.change_password(await world.auth.authenticate(latest.access_token), PASSWORD, OTHER_PASSWORD)
    await world.users.update(admin, ada.id, {"role": Role.MANAGER})
    await world.users.update(admin, ada.id, {"is_active": False})

    assert world.audit.of("refresh.reuse") == [{"user_id": ada.id, "session_id": first.session_id}]
    assert world.audit.of("session.revoked") == [{"session_id": again.session_id, "by": "revocation"}]
    assert world.audit.of("user.password_changed") == [{"user_id": ada.id}]
    assert world.audit.of("user.role_set") == [{"actor": admin.user_id, "user_id": ada.id, "role": "manager"}]
    assert world.audit.of("user.deactivated") == [{"actor": admin.user_id, "user_id": ada.id}]


async def test_no_audit_field_carries_a_password_or_a_token(world: AuthWorld) -> None:
    admin = await world.admin()
    ada = await world.add_user()
    world.auth.allow_signup = True
    await world.auth.register("alan@example.com", PASSWORD)
    grants = [await world.login(client_id="web")]
    grants.append(await world.auth.refresh_grant(grants[0].refresh_token))
    world.clock.advance(SESSIONS.reuse_grace * 2)
    with pytest.raises(InvalidGrant):
        await world.auth.refresh_grant(grants[0].refresh_token)
    for _ in range(LOCKOUT.threshold + 1):
        with pytest.raises((InvalidGrant, RateLimited)):
            await world.login("alan@example.com", OTHER_PASSWORD)
    grants.append(await world.login())
    await world.auth.introspect(admin, grants[-1].access_token)
    await world.auth.revoke(grants[-1].access_token)
    grants.append(await world.login())
    grants.append(
        await world.auth.change_password(
            await world.auth.authenticate(grants[-1].access_token), PASSWORD, OTHER_PASSWORD
        )
    )
    await world.users.update(admin, ada.id, {"password": "third-secret-passphrase-5", "role": Role.MANAGER})
    await world.auth.end_other_sessions(admin)
    await world.auth.logout(admin)

    forbidden = {PASSWORD, OTHER_PASSWORD, "third-secret-passphrase-5"} | _secrets(*grants)
    assert len(world.audit.events) > 10
    for event, fields in world.audit.events:
        for name, value in fields.items():
            assert not any(secret in str(value) for secret in forbidden), (event, name)
        assert not {"password", "token", "access_token", "refresh_token"} & set(fields), event
