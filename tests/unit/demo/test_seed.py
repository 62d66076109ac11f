"""The demo organisation, seeded through the services on the memory adapter."""

from __future__ import annotations

from collections import Counter

from adapters.demo import DEMO_ACCOUNTS, DEMO_ADMIN, DEMO_EMPLOYEE, DEMO_MANAGER
from adapters.security.passwords import Argon2PasswordHasher
from tests.unit.demo.content import content
from tests.unit.demo.world import TODAY, DemoWorld
from upskill.domain.identity import User
from upskill.domain.organisation import Department, Employee
from upskill.domain.principal import Role
from upskill.domain.training import Assessment, Enrollment, EnrollmentStatus

EXPECTED = {
    "departments": 5,
    "competencies": 26,
    "employees": 61,
    "requirements": 23,
    "feedback": 120,
    "courses": 44,
    "enrollments": 72,
    "plans": 4,
    "users": 3,
}


async def test_seeds_the_whole_organisation(world: DemoWorld) -> None:
    summary = await world.seed()

    assert summary.seeded
    counts = summary.counts()
    assert {k: v for k, v in counts.items() if k != "assessments"} == EXPECTED
    assert counts["assessments"] == len(world.records(Assessment)) > 3 * EXPECTED["employees"]
    for name, count in EXPECTED.items():
        assert len(content(world)[name]) == count, name


async def test_the_organisation_looks_real(world: DemoWorld) -> None:
    await world.seed()

    employees = world.records(Employee)
    by_id = {e.id: e for e in employees}
    heads = [e for e in employees if e.manager_id is None]
    assert len(heads) == len(world.records(Department))
    assert any(by_id[e.manager_id].manager_id is not None for e in employees if e.manager_id)  # managers of managers
    assert all(by_id[e.manager_id].department_id == e.department_id for e in employees if e.manager_id)
    assert 1 <= sum(e.left_on is not None for e in employees) <= 6
    assert min(e.hired_on for e in employees).year >= TODAY.year - 8
    assessments = world.records(Assessment)
    assert any(a.expires_on is not None and a.expires_on <= TODAY for a in assessments)
    histories = Counter((a.employee_id, a.competency_id) for a in assessments)
    assert any(n > 1 for n in histories.values())
    assert {e.status for e in world.records(Enrollment)} == set(EnrollmentStatus)
    completed = [e for e in world.records(Enrollment) if e.status is EnrollmentStatus.COMPLETED]
    assert all(e.completed_on is not None and e.completed_on <= TODAY for e in completed)


async def test_the_same_seed_gives_the_same_content(hasher: Argon2PasswordHasher) -> None:
    first, second, other = DemoWorld(hasher), DemoWorld(hasher), DemoWorld(hasher)

    await first.seed(seed=11)
    await second.seed(seed=11)
    await other.seed(seed=12)

    assert content(first) == content(second)
    assert content(first)["employees"] != content(other)["employees"]


async def test_a_second_seed_does_nothing(world: DemoWorld) -> None:
    await world.seed()
    before = content(world)

    again = await world.seed()

    assert not again.seeded
    assert set(again.counts().values()) == {0}
    assert content(world) == before


async def test_the_demo_accounts_log_in_with_their_roles(world: DemoWorld) -> None:
    await world.seed()

    for account in DEMO_ACCOUNTS:
        principal = await world.login(account.email, account.password)
        assert principal.role is account.role
    users = {u.email: u for u in world.records(User)}
    assert users[DEMO_ADMIN.email].employee_id is None
    assert users[DEMO_MANAGER.email].role is Role.MANAGER
    assert users[DEMO_EMPLOYEE.email].employee_id is not None


async def test_the_manager_heads_engineering_and_it_falls_short(world: DemoWorld) -> None:
    await world.seed()
    manager = await world.login(DEMO_MANAGER.email, DEMO_MANAGER.password)
    assert manager.department_id is not None

    coverage = await world.training.coverage(manager, manager.department_id)

    assert coverage.department.name == "Engineering"
    head = {e.id: e for e in world.records(Employee)}[manager.employee_id]
    assert head.manager_id is None
    assert any(item.is_open for item in coverage.requirements)
    assert any(not item.is_open for item in coverage.requirements)


async def test_the_demo_employee_has_gaps_and_recommendations(world: DemoWorld) -> None:
    await world.seed()
    employee = await world.login(DEMO_EMPLOYEE.email, DEMO_EMPLOYEE.password)
    assert employee.employee_id is not None

    gaps = await world.training.gaps(employee, employee.employee_id)
    recommendations = await world.training.recommendations(employee, employee.employee_id)

    assert gaps.employee.department_id == employee.department_id
    assert len(gaps.gaps) >= 3
    assert len(recommendations.items) >= 3
    assert all(item.score > 0 for item in recommendations.items)
