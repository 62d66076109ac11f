"""The authentication use cases wired on the memory adapters, with real argon2 (cheap
parameters) and real JWT signing on a clock the test moves by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from adapters.memory import MemoryAccessGate, MemoryStore, RecordingAuditLog
from adapters.security.keys import SigningKeys
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JoseTokenSigner
from tests.factories import BASE_TIME
from upskill.domain.identity import AuthSession, Lockout, LockoutPolicy, RefreshToken, SessionPolicy, User
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.principal import SYSTEM, Principal, Role
from upskill.domain.resources import USERS
from upskill.domain.security import hash_refresh_token
from upskill.services.access import UserPolicy
from upskill.services.auth import AuthService
from upskill.services.issuing import TokenGrant
from upskill.services.users import UserService

ISSUER = "https://upskill.test"
AUDIENCE = "upskill-api"
PASSWORD = "violet-harbour-lantern-42"
OTHER_PASSWORD = "quiet-meadow-copper-77"
WEAK_PASSWORD = "password"  # on the common-passwords list
LOCKOUT = LockoutPolicy(threshold=3, base=timedelta(minutes=1), longest=timedelta(minutes=4))
SESSIONS = SessionPolicy(idle=timedelta(days=1), absolute=timedelta(days=3), reuse_grace=timedelta(seconds=10))


class SettableClock:
    """Stands still until the test moves it."""

    def __init__(self, now: datetime = BASE_TIME) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


def cheap_hasher(memory_cost: int = 1024) -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_cost=memory_cost, time_cost=1, max_concurrent=2)


@dataclass
class AuthWorld:
    """The services and everything behind them, plus reads of the end state."""

    hasher: Argon2PasswordHasher
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: SettableClock = field(default_factory=SettableClock)
    audit: RecordingAuditLog = field(default_factory=RecordingAuditLog)
    keys: SigningKeys = field(default_factory=SigningKeys.generate)

    def __post_init__(self) -> None:
        self.signer = JoseTokenSigner(self.keys, issuer=ISSUER, audience=AUDIENCE, clock=self.clock)
        self.users = self.user_service(self.hasher)
        self.auth = self.auth_service(self.hasher)

    def user_service(self, hasher: Argon2PasswordHasher) -> UserService:
        ids = UUIDv7Factory()
        return UserService(
            USERS, self.store.unit_of_work, self.clock, ids, UserPolicy(), hasher=hasher, audit=self.audit
        )

    def auth_service(self, hasher: Argon2PasswordHasher) -> AuthService:
        return AuthService(
            uow=self.store.unit_of_work,
            gate=MemoryAccessGate(self.store),
            users=self.users,
            hasher=hasher,
            signer=self.signer,
            clock=self.clock,
            ids=UUIDv7Factory(),
            audit=self.audit,
            sessions=SESSIONS,
            lockout=LOCKOUT,
        )

    # -- arranging -----------------------------------------------------------------------------

    async def add_user(
        self, email: str = "ada@example.com", password: str = PASSWORD, role: Role = Role.EMPLOYEE
    ) -> User:
        return await self.users.create(SYSTEM, {"email": email, "password": password, "role": role})

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD, **kwargs: str) -> TokenGrant:
        return await self.auth.password_grant(email, password, **kwargs)

    async def admin(self) -> Principal:
        """A logged-in admin (its own account, its own session)."""
        await self.add_user("root@example.com", role=Role.ADMIN)
        return await self.auth.authenticate((await self.login("root@example.com")).access_token)

    # -- reading the end state -----------------------------------------------------------------

    async def user(self, id: UUID) -> User:
        async with self.store.unit_of_work() as uow:
            return await uow.repository(User).get(id)

    async def session(self, id: UUID) -> AuthSession | None:
        async with self.store.unit_of_work() as uow:
            return await uow.identity.session(id)

    async def live_sessions(self, user_id: UUID) -> list[AuthSession]:
        async with self.store.unit_of_work() as uow:
            return await uow.identity.live_sessions(user_id, self.clock.now())

    async def stored_token(self, token: str) -> RefreshToken | None:
        async with self.store.unit_of_work() as uow:
            return await uow.identity.claim_refresh_token(hash_refresh_token(token))

    async def lockout(self, email: str = "ada@example.com") -> Lockout:
        async with self.store.unit_of_work() as uow:
            return await uow.identity.lockout(email)

    async def is_live(self, session_id: UUID) -> bool:
        session = await self.session(session_id)
        return session is not None and session.is_live(self.clock.now())
