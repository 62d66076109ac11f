"""SignInService on the memory store and the memory twin of the provider: races (one code
exchanged twice at once, one new person signing in twice at once), an unreachable provider,
and what each refusal leaves behind (nothing)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters.memory import MemoryStore
from adapters.memory.audit import RecordingAuditLog
from adapters.memory.identity_provider import MemoryIdentityProvider
from adapters.security.keys import SigningKeys
from adapters.security.tokens import JoseTokenSigner
from tests.factories import department, employee, persist, user
from upskill.domain.errors import InvalidGrant
from upskill.domain.identity import SessionPolicy, User
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.signin import new_secret, s256
from upskill.services.issuing import TokenIssuer
from upskill.services.signin import AuthorizationError, SignInPolicy, SignInService

APP = "https://app.example/cb"


class World:
    def __init__(self, **policy: Any) -> None:
        self.store, self.provider, self.audit = MemoryStore(), MemoryIdentityProvider(), RecordingAuditLog()
        signer = JoseTokenSigner(SigningKeys.generate(), issuer="https://upskill.example", audience="upskill-api")
        defaults: dict[str, Any] = {
            "redirect_uris": frozenset({APP}),
            "callback_url": "https://upskill.example/api/v1/auth/oidc/callback",
            "issuer": "https://upskill.example",
            "auto_provision": True,
        }
        self.service = SignInService(
            uow=self.store.unit_of_work,
            provider=self.provider,
            issuer=TokenIssuer(signer, UUIDv7Factory(), SessionPolicy()),
            policy=SignInPolicy(**{**defaults, **policy}),
            clock=SystemClock(),
            ids=UUIDv7Factory(),
            audit=self.audit,
        )

    async def code(self, subject: str, email: str, verifier: str, *, verified: bool = True) -> str:
        """The app's code after `subject` signs in."""
        url = await self.service.authorize(self._request(verifier))
        back = await self.service.callback(self.provider.sign_in(url, subject, email, verified=verified))
        return back.split("code=")[1].split("&")[0]

    @staticmethod
    def _request(verifier: str) -> dict[str, str]:
        return {
            "response_type": "code",
            "client_id": "web",
            "redirect_uri": APP,
            "state": "s",
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }

    async def users(self) -> list[User]:
        return [u for u in self.store.table(User).values() if isinstance(u, User)]


async def test_a_code_exchanged_twice_at_once_gives_one_pair_and_that_session_ends() -> None:
    world, verifier = World(), new_secret()
    code = await world.code("s-1", "ann@example.com", verifier)

    async def exchange() -> object:
        try:
            return await world.service.exchange(code=code, redirect_uri=APP, client_id="web", code_verifier=verifier)
        except InvalidGrant as refused:
            return refused

    results = await asyncio.gather(exchange(), exchange())
    assert sorted(type(r).__name__ for r in results) == ["InvalidGrant", "TokenGrant"]
    assert world.audit.names().count("authorization_code.reuse") == 1
    assert any(f.get("by") == "code_reuse" for f in world.audit.of("session.revoked"))


async def test_one_new_person_signing_in_twice_at_once_is_provisioned_once() -> None:
    world = World()
    first, second = new_secret(), new_secret()
    urls = [await world.service.authorize(world._request(v)) for v in (first, second)]
    callbacks = [world.provider.sign_in(url, "s-2", "bob@example.com") for url in urls]

    async def finish(params: dict[str, str]) -> str:
        try:
            return await world.service.callback(params)
        except AuthorizationError as refused:
            return f"refused:{refused.error}"

    outcomes = await asyncio.gather(*(finish(p) for p in callbacks))
    assert [u.email for u in await world.users()] == ["bob@example.com"]
    assert world.audit.names().count("sso.provisioned") == 1
    assert sum(o.startswith(APP + "?code=") for o in outcomes) >= 1


async def test_a_provisioned_user_is_linked_to_the_employee_with_that_email() -> None:
    world = World()
    sales = department()
    staff = employee(department_id=sales.id, email="carol@example.com")
    await persist(world.store.unit_of_work, sales, staff)
    await world.code("s-3", "Carol@Example.com", new_secret())
    (carol,) = await world.users()
    assert carol.email == "carol@example.com"
    assert carol.employee_id == staff.id
    assert carol.password_hash == ""
    assert carol.auth_methods() == ["oidc"]


async def test_an_unreachable_provider_leaves_no_pending_login() -> None:
    world = World()
    world.provider.reachable = False
    with pytest.raises(Exception, match="cannot be reached"):
        await world.service.authorize(world._request(new_secret()))
    assert world.store.sign_in.pending == {}


async def test_an_unverified_email_never_links_an_existing_user() -> None:
    world = World()
    dave = user(email="dave@example.com")
    await persist(world.store.unit_of_work, dave)
    with pytest.raises(AuthorizationError) as refused:
        await world.code("s-4", "dave@example.com", new_secret(), verified=False)
    assert refused.value.error == "access_denied"
    assert world.store.sign_in.links == {}
    assert [u.version for u in await world.users()] == [dave.version]


async def test_a_provider_refusal_goes_back_to_the_app_and_the_log_gets_only_a_clean_code() -> None:
    world = World()
    url = await world.service.authorize(world._request(new_secret()))
    state = world.provider.sign_in(url, "s-5", "eve@example.com")["state"]
    with pytest.raises(AuthorizationError) as refused:
        await world.service.callback({"state": state, "error": "access_denied\n{forged log line}"})
    assert (refused.value.error, refused.value.redirect_uri, refused.value.state) == ("access_denied", APP, "s")
    assert world.audit.of("sso.failure")[-1]["reason"] == "provider: access_deniedforgedlogline"
    with pytest.raises(AuthorizationError) as again:  # the pending login was spent
        await world.service.callback({"state": state, "code": "x"})
    assert again.value.redirect_uri is None
