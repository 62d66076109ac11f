"""The SignInStore port over PostgreSQL: pending logins, one-time codes, identity links.

One Core statement per operation on the unit of work's connection. Single use is the
database's: a pending login is taken by `DELETE … RETURNING` (of two concurrent takers, one gets
the row), a code is claimed `FOR UPDATE` (a concurrent exchange waits, then sees it used).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Text, Uuid, bindparam, delete, insert, select, update

from adapters.postgres.errors import Action, Attempt, ConstraintCatalogue, Link, translated
from adapters.postgres.executor import Connections
from adapters.postgres.tables import authorization_codes, identity_links, oidc_pending_logins
from upskill.domain.identity import User
from upskill.domain.signin import AuthorizationCode, IdentityLink, PendingLogin

LINKS = {
    "fk_authorization_codes_user_id_users": Link("authorization_codes", "Authorization code", "user_id", User.label),
    "fk_identity_links_user_id_users": Link("identity_links", "Identity link", "user_id", User.label),
}
"""The foreign keys of the sign-in tables, for `ConstraintCatalogue.link`."""

_P, _C, _L = oidc_pending_logins.c, authorization_codes.c, identity_links.c
_NOW = bindparam("b_now", type_=DateTime(timezone=True))
_DIGEST = bindparam("b_digest", type_=Text)
_KEEP_USED = timedelta(days=1)

_ADD_PENDING = insert(oidc_pending_logins)
_DROP_EXPIRED = delete(oidc_pending_logins).where(_P.expires_at < _NOW)
_TAKE_PENDING = delete(oidc_pending_logins).where(_P.state_digest == _DIGEST).returning(*oidc_pending_logins.c)
_ADD_CODE = insert(authorization_codes)
_DROP_EXPIRED_CODES = delete(authorization_codes).where(
    _C.expires_at < bindparam("b_before", type_=DateTime(timezone=True))
)
_CLAIM_CODE = select(authorization_codes).where(_C.digest == _DIGEST).with_for_update()
_USE_CODE = (
    update(authorization_codes)
    .where(_C.digest == _DIGEST)
    .values(used_at=_NOW, session_id=bindparam("b_session", type_=Uuid))
)
_USER_BY_LINK = select(_L.user_id).where(
    _L.issuer == bindparam("b_issuer", type_=Text), _L.subject == bindparam("b_subject", type_=Text)
)
_ADD_LINK = insert(identity_links)


class PostgresSignInStore:
    """Implements `upskill.domain.signin.SignInStore` inside one unit of work's transaction."""

    def __init__(self, connections: Connections, constraints: ConstraintCatalogue) -> None:
        self._connections = connections
        self._constraints = constraints

    async def _run(self, statement: Any, values: dict[str, object], *, write: bool = True) -> Any:
        with translated(self._constraints, Attempt(Action.WRITE)):
            return await (await self._connections.connection(write=write)).execute(statement, values)

    async def add_pending(self, login: PendingLogin) -> None:
        await self._run(_DROP_EXPIRED, {"b_now": login.created_at})
        await self._run(_ADD_PENDING, {c.name: getattr(login, c.name) for c in oidc_pending_logins.c})

    async def take_pending(self, state_digest: str) -> PendingLogin | None:
        row = (await self._run(_TAKE_PENDING, {"b_digest": state_digest})).first()
        return PendingLogin(*row) if row is not None else None

    async def add_code(self, code: AuthorizationCode) -> None:
        # Codes live 60 s; a used one is kept a day so that its replay can still end its session.
        await self._run(_DROP_EXPIRED_CODES, {"b_before": code.created_at - _KEEP_USED})
        await self._run(_ADD_CODE, {c.name: getattr(code, c.name) for c in authorization_codes.c})

    async def claim_code(self, digest: str) -> AuthorizationCode | None:
        row = (await self._run(_CLAIM_CODE, {"b_digest": digest})).first()
        return AuthorizationCode(*row) if row is not None else None

    async def use_code(self, digest: str, at: datetime, session_id: UUID | None) -> None:
        await self._run(_USE_CODE, {"b_digest": digest, "b_now": at, "b_session": session_id})

    async def user_by_link(self, issuer: str, subject: str) -> UUID | None:
        row = (await self._run(_USER_BY_LINK, {"b_issuer": issuer, "b_subject": subject}, write=False)).first()
        return row[0] if row is not None else None

    async def add_link(self, link: IdentityLink) -> None:
        await self._run(_ADD_LINK, {c.name: getattr(link, c.name) for c in identity_links.c})
