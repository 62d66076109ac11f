"""Authentication use cases: the OAuth 2.0 grants, revocation, introspection, sessions,
password change and the per-request check of an access token.

Tokens: a short-lived signed access token (checked on every request against its session, in
one look-up) and an opaque single-use refresh token stored as a digest, rotated inside one
transaction with the row locked. Presenting a used refresh token ends its session, except
within `SessionPolicy.reuse_grace` (a client that sent it twice at once gets `InvalidGrant`
and its session lives on).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from upskill.domain.errors import (
    Conflict,
    Forbidden,
    InvalidGrant,
    InvariantViolation,
    NotFound,
    StaleVersion,
    Unauthenticated,
)
from upskill.domain.identity import (
    AuthSession,
    LockoutPolicy,
    SessionPolicy,
    User,
    normalise_email,
)
from upskill.domain.ids import Clock, IdFactory
from upskill.domain.ports import AccessGate, AuditLog, UnitOfWorkFactory
from upskill.domain.principal import SYSTEM, Principal, Role
from upskill.domain.security import PasswordHasher, TokenSigner, hash_refresh_token
from upskill.services.issuing import SCOPE, TokenGrant, TokenIssuer
from upskill.services.lockout import LoginGuard
from upskill.services.users import UserService


@dataclass(frozen=True, slots=True)
class Introspection:
    """RFC 7662: `active` only, unless the token is valid now."""

    active: bool
    token_type: str | None = None
    sub: UUID | None = None
    sid: UUID | None = None
    role: str | None = None
    scope: str | None = None
    exp: datetime | None = None
    iat: datetime | None = None


class AuthService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gate: AccessGate,
        users: UserService,
        hasher: PasswordHasher,
        signer: TokenSigner,
        clock: Clock,
        ids: IdFactory,
        audit: AuditLog,
        sessions: SessionPolicy = SessionPolicy(),
        lockout: LockoutPolicy = LockoutPolicy(),
        allow_signup: bool = False,
        password_login: bool = True,
    ) -> None:
        self._uow, self._gate, self._users = uow, gate, users
        self._hasher, self._signer, self._clock = hasher, signer, clock
        self._audit, self._sessions = audit, sessions
        self._guard = LoginGuard(uow, lockout, audit)
        self.issuer = TokenIssuer(signer, ids, sessions)
        self.allow_signup = allow_signup
        self.password_login = password_login
        """False: the password grant is not offered (company sign-in only)."""

    # -- grants --------------------------------------------------------------------------------

    async def password_grant(
        self, email: str, password: str, *, client_id: str | None = None, user_agent: str | None = None
    ) -> TokenGrant:
        """Raises RateLimited while the account key is locked (even for the right password) and
        InvalidGrant for an unknown email, a wrong password or an inactive user alike."""
        key, now = normalise_email(email), self._clock.now()
        async with self._uow() as uow:
            state = await uow.identity.lockout(key)
            user = None if state.locked(now) else await uow.identity.user_by_email(key)
        self._guard.refuse_if_locked(state, now, key)
        if user is None:
            await self._hasher.dummy_verify()
            ok, rehashed = False, None
        else:
            ok, rehashed = await self._hasher.verify(password, user.password_hash)
        if user is None or not ok or not user.is_active:
            await self._guard.failed(key, now, user)
            raise InvalidGrant("The credentials are not valid.")
        async with self._uow() as uow:
            await uow.identity.clear_failures(key)
            grant = await self.issuer.open_session(uow, user, client_id, user_agent, now)
            await uow.commit()
        self._audit.record("login.success", user_id=user.id, session_id=grant.session_id, client_id=client_id)
        if rehashed is not None:
            await self._store_rehash(user, rehashed, now)
        return grant

    async def refresh_grant(self, refresh_token: str, *, client_id: str | None = None) -> TokenGrant:
        digest, now = hash_refresh_token(refresh_token), self._clock.now()
        async with self._uow() as uow:
            claim = await uow.identity.claim_refresh(digest)
            if claim is None or claim.session is None:
                raise InvalidGrant("The refresh token is not valid.")
            stored, session, user = claim.token, claim.session, claim.user
            if stored.used_at is not None:
                if now - stored.used_at <= self._sessions.reuse_grace and session.is_live(now):
                    raise InvalidGrant("The refresh token was just exchanged.")
                if await uow.identity.revoke_session(session.id, now):
                    await uow.commit()
                    self._audit.record("refresh.reuse", user_id=session.user_id, session_id=session.id)
                raise InvalidGrant("The refresh token was already used; the session is ended.")
            if not session.is_live(now) or (client_id is not None and client_id != session.client_id):
                raise InvalidGrant("The refresh token is not valid.")
            if user is None or not user.is_active:
                raise InvalidGrant("The refresh token is not valid.")
            grant = await self.issuer.rotate(uow, user, session, digest, now)
            await uow.commit()
        return grant

    # -- the per-request check -----------------------------------------------------------------

    async def authenticate(self, access_token: str) -> Principal:
        """The caller behind a bearer token; raises Unauthenticated if the token is invalid,
        expired, or its session ended, its user deactivated or its password changed since."""
        claims = self._signer.verify(access_token)
        principal = await self._gate.principal(claims, self._clock.now())
        if principal is None:
            raise Unauthenticated("The session of this token has ended.")
        return principal

    # -- revocation and introspection ----------------------------------------------------------

    async def revoke(self, token: str) -> None:
        """RFC 7009: end the session of a refresh or access token; an invalid token is no error."""
        now = self._clock.now()
        session_id = await self._session_of_refresh_token(token)
        if session_id is None:
            try:
                session_id = self._signer.verify(token).sid
            except Unauthenticated:
                return
        async with self._uow() as uow:
            if await uow.identity.revoke_session(session_id, now):
                await uow.commit()
                self._audit.record("session.revoked", session_id=session_id, by="revocation")

    async def introspect(self, principal: Principal, token: str) -> Introspection:
        if not principal.is_admin:
            raise Forbidden("Only an admin may introspect tokens.")
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.identity.claim_refresh_token(hash_refresh_token(token))
            session = None if stored is None else await uow.identity.session(stored.session_id)
        if stored is not None and session is not None:
            if stored.used_at is None and session.is_live(now):
                return Introspection(
                    True,
                    "refresh_token",
                    session.user_id,
                    session.id,
                    None,
                    SCOPE,
                    session.expires_at,
                    stored.issued_at,
                )
            return Introspection(False)
        try:
            claims = self._signer.verify(token)
        except Unauthenticated:
            return Introspection(False)
        holder = await self._gate.principal(claims, now)
        if holder is None:
            return Introspection(False)
        return Introspection(
            True, "access_token", claims.sub, claims.sid, str(holder.role), claims.scope, claims.exp, claims.iat
        )

    # -- sessions ------------------------------------------------------------------------------

    async def logout(self, principal: Principal) -> None:
        if principal.session_id is not None:
            await self._revoke(principal.session_id, "logout")

    async def sessions(self, principal: Principal) -> list[AuthSession]:
        async with self._uow() as uow:
            return await uow.identity.live_sessions(self._user_id(principal), self._clock.now())

    async def end_session(self, principal: Principal, session_id: UUID) -> None:
        """Raises NotFound for a session that is not the caller's."""
        async with self._uow() as uow:
            session = await uow.identity.session(session_id)
        if session is None or session.user_id != self._user_id(principal):
            raise NotFound(f"Session {session_id} does not exist.", entity="Session", id=session_id)
        await self._revoke(session_id, "user")

    async def end_other_sessions(self, principal: Principal) -> int:
        async with self._uow() as uow:
            ended = await uow.identity.revoke_sessions(
                self._user_id(principal), self._clock.now(), keep=principal.session_id
            )
            await uow.commit()
        self._audit.record("session.revoked", user_id=principal.user_id, count=ended, by="user")
        return ended

    async def change_password(self, principal: Principal, current: str, new: str) -> TokenGrant:
        """Ends every session of the user (this one too) and opens a new one for the same
        client: the caller gets a fresh pair, every other holder of a token is logged out."""
        user_id, now = self._user_id(principal), self._clock.now()
        async with self._uow() as uow:
            user = await uow.repository(User).get(user_id)
            state = await uow.identity.lockout(user.email)
            session = None if principal.session_id is None else await uow.identity.session(principal.session_id)
        client_id = None if session is None else session.client_id
        self._guard.refuse_if_locked(state, now, user.email)
        ok, _ = await self._hasher.verify(current, user.password_hash)
        if not ok:
            await self._guard.failed(user.email, now, user)
            raise InvariantViolation("is not correct", entity="User", field="current_password")
        fields = await self._users.password_fields(new, field="new_password")
        async with self._uow() as uow:
            changed = user.evolve(**fields, version=user.version + 1, updated_at=now)
            before, user = user, await uow.repository(User).update(changed, expected_version=user.version)
            await self._users.record(uow, principal, before, user)
            await uow.identity.revoke_sessions(user.id, now)
            grant = await self.issuer.open_session(uow, user, client_id, None, now)
            await uow.commit()
        self._audit.record("user.password_changed", user_id=user.id)
        return grant

    # -- accounts ------------------------------------------------------------------------------

    async def register(self, email: str, password: str) -> User:
        if not self.allow_signup:
            raise Forbidden("Self sign-up is disabled.")
        return await self._users.create(SYSTEM, {"email": email, "password": password, "role": Role.EMPLOYEE})

    async def ensure_admin(self, email: str, password: str) -> User | None:
        """Create this admin when no admin exists (several replicas may race: one wins)."""
        async with self._uow() as uow:
            if await uow.identity.admin_exists():
                return None
        try:
            user = await self._users.create(SYSTEM, {"email": email, "password": password, "role": Role.ADMIN})
        except Conflict:
            return None
        self._audit.record("user.admin_created", user_id=user.id)
        return user

    # -- internals -----------------------------------------------------------------------------

    async def _store_rehash(self, user: User, rehashed: str, now: datetime) -> None:
        """Best effort, in its own transaction: if the user changed meanwhile, the next login
        rehashes."""
        changed = user.evolve(password_hash=rehashed, version=user.version + 1, updated_at=now)
        with suppress(StaleVersion, NotFound):
            async with self._uow() as uow:
                stored = await uow.repository(User).update(changed, expected_version=user.version)
                await self._users.record(uow, SYSTEM, user, stored)
                await uow.commit()

    async def _session_of_refresh_token(self, token: str) -> UUID | None:
        async with self._uow() as uow:
            stored = await uow.identity.claim_refresh_token(hash_refresh_token(token))
        return None if stored is None else stored.session_id

    async def _revoke(self, session_id: UUID, by: str) -> None:
        async with self._uow() as uow:
            if await uow.identity.revoke_session(session_id, self._clock.now()):
                await uow.commit()
                self._audit.record("session.revoked", session_id=session_id, by=by)

    @staticmethod
    def _user_id(principal: Principal) -> UUID:
        if principal.user_id is None:
            raise Unauthenticated("No user is logged in.")
        return principal.user_id
