"""The demo seeded through the services of `adapters/container.py` on a fresh memory store, with cheap argon2, real
token signing and a clock that stands still on `NOW` (so the services' "today" is `TODAY`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dependency_injector import providers

from adapters.demo import DemoServices, DemoSummary, seed_demo
from adapters.memory import MemoryStore, RecordingAuditLog
from adapters.security.passwords import Argon2PasswordHasher
from tests.wiring import settings_for_tests, wired
from upskill.domain.entity import Entity
from upskill.domain.principal import Principal
from upskill.services.auth import AuthService
from upskill.services.training import TrainingService

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


class StillClock:
    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


def cheap_hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(memory_cost=1024, time_cost=1, max_concurrent=2)


@dataclass
class DemoWorld:
    hasher: Argon2PasswordHasher
    store: MemoryStore = field(default_factory=MemoryStore)
    clock: StillClock = field(default_factory=StillClock)
    audit: RecordingAuditLog = field(default_factory=RecordingAuditLog)
    services: DemoServices = field(init=False)
    auth: AuthService = field(init=False)
    training: TrainingService = field(init=False)

    def __post_init__(self) -> None:
        container = wired(
            self.store,
            settings=settings_for_tests(issuer="https://upskill.test", audience="upskill"),
            clock=self.clock,
            audit=self.audit,
        )
        container.password_hasher.override(providers.Object(self.hasher))
        self.services = container.demo()
        self.auth = container.auth()
        self.training = container.training()

    async def seed(self, seed: int = 7) -> DemoSummary:
        return await seed_demo(self.services, today=TODAY, seed=seed)

    async def login(self, email: str, password: str) -> Principal:
        grant = await self.auth.password_grant(email, password)
        return await self.auth.authenticate(grant.access_token)

    def records(self, entity: type[Entity]) -> list[Any]:
        return list(self.store.table(entity).values())
