"""Opening sessions and issuing token pairs, inside the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from upskill.domain.identity import AuthSession, RefreshToken, SessionPolicy, User
from upskill.domain.ids import IdFactory
from upskill.domain.ports import UnitOfWork
from upskill.domain.security import TokenSigner, hash_refresh_token, new_refresh_token

SCOPE = "api"


@dataclass(frozen=True, slots=True)
class TokenGrant:
    access_token: str
    expires_in: int
    refresh_token: str
    scope: str
    session_id: UUID


class TokenIssuer:
    def __init__(self, signer: TokenSigner, ids: IdFactory, policy: SessionPolicy) -> None:
        self._signer, self._ids, self.policy = signer, ids, policy

    async def open_session(
        self,
        uow: UnitOfWork,
        user: User,
        client_id: str | None,
        user_agent: str | None,
        now: datetime,
        auth_method: str = "password",
    ) -> TokenGrant:
        session = AuthSession(
            id=self._ids.new(),
            user_id=user.id,
            client_id=client_id,
            created_at=now,
            last_used_at=now,
            idle_expires_at=min(now + self.policy.idle, now + self.policy.absolute),
            expires_at=now + self.policy.absolute,
            user_agent=user_agent[:200] if user_agent else None,
            auth_method=auth_method,
        )
        await uow.identity.add_session(session)
        return await self._issue(uow, user, session, now)

    async def rotate(self, uow: UnitOfWork, user: User, session: AuthSession, used: str, now: datetime) -> TokenGrant:
        """A new pair for a live session, exchanged for its refresh token whose digest is `used`
        (claimed by the caller): the old token marked used, the session touched and the new
        token stored in one write."""
        refresh = new_refresh_token()
        token = RefreshToken(hash_refresh_token(refresh), session.id, now)
        idle_until = min(now + self.policy.idle, session.expires_at)
        await uow.identity.rotate_refresh_token(used, token, idle_expires_at=idle_until)
        return self._pair(user, session, refresh)

    async def _issue(self, uow: UnitOfWork, user: User, session: AuthSession, now: datetime) -> TokenGrant:
        refresh = new_refresh_token()
        await uow.identity.add_refresh_token(RefreshToken(hash_refresh_token(refresh), session.id, now))
        return self._pair(user, session, refresh)

    def _pair(self, user: User, session: AuthSession, refresh: str) -> TokenGrant:
        access, claims = self._signer.issue(user.id, session.id, str(user.role), SCOPE)
        lifetime = int((claims.exp - claims.iat).total_seconds())
        return TokenGrant(access, lifetime, refresh, SCOPE, session.id)
