"""The training use cases as `adapters/container.py` wires them, on the memory adapter (or a
given store): an organisation of two departments, callers of every role, and the services they call."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import TypeVar
from uuid import UUID, uuid4

from adapters.memory import MemoryStore
from tests.conftest import CURSOR_SECRET
from tests.factories import competency, department, employee, persist
from tests.wiring import wired
from upskill.domain.entity import Entity
from upskill.domain.organisation import Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.principal import Principal, Role
from upskill.domain.query import ListQuery, SortKey

TODAY = date(2024, 6, 1)

E = TypeVar("E", bound=Entity)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def _principal(role: Role, member: Employee | None = None) -> Principal:
    if member is None:
        return Principal(user_id=uuid4(), role=role)
    return Principal(user_id=uuid4(), role=role, employee_id=member.id, department_id=member.department_id)


@dataclass
class TrainingWorld:
    """Engineering (Ada, its manager; Alan; Barbara) and Operations (Grace, its manager;
    Linus); competencies Python and SQL. `admin` is linked to no employee, `unlinked` is an
    employee-role user linked to none."""

    store: MemoryStore = field(default_factory=lambda: MemoryStore(cursor_secret=CURSOR_SECRET))
    storage: UnitOfWorkFactory | None = None
    """Where the world lives: `store` unless another unit-of-work factory is given."""

    def __post_init__(self) -> None:
        self.uow: UnitOfWorkFactory = self.storage if self.storage is not None else self.store.unit_of_work
        self.eng, self.ops = department(name="Engineering"), department(name="Operations")
        self.python, self.sql = competency(name="Python"), competency(name="SQL")
        hired = date(2020, 1, 1)
        self.ada = employee(department_id=self.eng.id, full_name="Ada", hired_on=hired)
        self.alan = employee(department_id=self.eng.id, full_name="Alan", hired_on=hired)
        self.barbara = employee(department_id=self.eng.id, full_name="Barbara", hired_on=hired)
        self.grace = employee(department_id=self.ops.id, full_name="Grace", hired_on=hired)
        self.linus = employee(department_id=self.ops.id, full_name="Linus", hired_on=hired)
        self.admin = _principal(Role.ADMIN)
        self.eng_manager = _principal(Role.MANAGER, self.ada)
        self.ops_manager = _principal(Role.MANAGER, self.grace)
        self.alan_self = _principal(Role.EMPLOYEE, self.alan)
        self.barbara_self = _principal(Role.EMPLOYEE, self.barbara)
        self.linus_self = _principal(Role.EMPLOYEE, self.linus)
        self.unlinked = _principal(Role.EMPLOYEE)
        container = wired(self.uow, clock=FixedClock(datetime.combine(TODAY, time(9), UTC)))
        self.training = container.training()
        self.requirements = container.requirements()
        self.assessments, self.enrollments = container.assessments(), container.enrollments()
        self.plans = container.plans()
        self.feedback = container.feedback()

    async def setup(self) -> TrainingWorld:
        await persist(
            self.uow,
            self.eng,
            self.ops,
            self.python,
            self.sql,
            self.ada,
            self.alan,
            self.barbara,
            self.grace,
            self.linus,
        )
        return self

    async def add(self, *records: Entity) -> None:
        await persist(self.uow, *records)

    async def stored(self, entity: type[E]) -> set[E]:
        """Every stored record of `entity`, whoever may see it."""
        async with self.uow() as uow:
            page = await uow.repository(entity).page(ListQuery(sort=(SortKey("id"),), limit=200), EVERYTHING)
        return set(page.items)


def ids(*records: Entity) -> set[UUID]:
    return {r.id for r in records}
