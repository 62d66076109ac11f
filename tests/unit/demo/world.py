"""The demo seeded through the real services on a fresh memory store, with cheap argon2, real
token signing and a clock that stands still on `NOW` (so the services' "today" is `TODAY`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from adapters.demo import DemoServices, DemoSummary, seed_demo
from adapters.memory import MemoryAccessGate, MemoryStore, RecordingAuditLog
from adapters.security.keys import SigningKeys
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JoseTokenSigner
from tests.wiring import learning_services
from upskill.domain.entity import Entity
from upskill.domain.ids import UUIDv7Factory
from upskill.domain.principal import Principal
from upskill.domain.resources import COMPETENCIES, COURSES, DEPARTMENTS, EMPLOYEES, FEEDBACK, REQUIREMENTS, USERS
from upskill.services.access import (
    CataloguePolicy,
    DepartmentPolicy,
    EmployeePolicy,
    FeedbackPolicy,
    RequirementPolicy,
    UserPolicy,
)
from upskill.services.auth import AuthService
from upskill.services.crud import CrudService
from upskill.services.feedback import FeedbackService
from upskill.services.training import TrainingService
from upskill.services.users import UserService

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

    def __post_init__(self) -> None:
        uow, clock, ids = self.store.unit_of_work, self.clock, UUIDv7Factory()
        users = UserService(USERS, uow, clock, ids, UserPolicy(), hasher=self.hasher, audit=self.audit)
        learning = learning_services(uow, clock, ids)
        self.services = DemoServices(
            departments=CrudService(DEPARTMENTS, uow, clock, ids, DepartmentPolicy()),
            competencies=CrudService(COMPETENCIES, uow, clock, ids, CataloguePolicy()),
            employees=CrudService(EMPLOYEES, uow, clock, ids, EmployeePolicy()),
            users=users,
            requirements=CrudService(REQUIREMENTS, uow, clock, ids, RequirementPolicy()),
            assessments=learning.assessments,
            feedback=FeedbackService(FEEDBACK, uow, clock, ids, FeedbackPolicy()),
            courses=CrudService(COURSES, uow, clock, ids, CataloguePolicy()),
            enrollments=learning.enrollments,
            plans=learning.plans,
        )
        signer = JoseTokenSigner(SigningKeys.generate(), issuer="https://upskill.test", audience="upskill", clock=clock)
        self.auth = AuthService(
            uow=uow,
            gate=MemoryAccessGate(self.store),
            users=users,
            hasher=self.hasher,
            signer=signer,
            clock=clock,
            ids=ids,
            audit=self.audit,
        )
        self.training = TrainingService(uow, clock, departments=DepartmentPolicy(), employees=EmployeePolicy())

    async def seed(self, seed: int = 7) -> DemoSummary:
        return await seed_demo(self.services, today=TODAY, seed=seed)

    async def login(self, email: str, password: str) -> Principal:
        grant = await self.auth.password_grant(email, password)
        return await self.auth.authenticate(grant.access_token)

    def records(self, entity: type[Entity]) -> list[Any]:
        return list(self.store.table(entity).values())
