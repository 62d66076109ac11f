"""Repository port: scopes whose conditions look at a related record (`Related`) or offer
alternatives (`either`), as the training policies use them; the store applies them in its
query, for the page and its total alike."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from tests.factories import assessment, competency, department, employee, feedback, persist, requirement
from upskill.domain.competency import Competency
from upskill.domain.entity import Entity
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import Related, Scope
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.training import Assessment, Feedback, Requirement


@dataclass(frozen=True)
class Org:
    eng: Department
    ops: Department
    python: Competency
    ada: Employee
    alan: Employee
    grace: Employee


@pytest.fixture
async def org(uow_factory: UnitOfWorkFactory) -> Org:
    eng, ops, python = department(name="Engineering"), department(name="Operations"), competency()
    ada, alan = employee(department_id=eng.id, full_name="Ada"), employee(department_id=eng.id, full_name="Alan")
    grace = employee(department_id=ops.id, full_name="Grace")
    await persist(uow_factory, eng, ops, python, ada, alan, grace)
    return Org(eng, ops, python, ada, alan, grace)


async def _visible(uow_factory: UnitOfWorkFactory, entity: type[Entity], scope: Scope, *filters: Filter) -> set[UUID]:
    query = ListQuery(filters=filters, sort=(SortKey("id"),), limit=200, with_total=True)
    async with uow_factory() as uow:
        page = await uow.repository(entity).page(query, scope)
    assert page.total == len(page.items)
    return {r.id for r in page.items}


def _in(department_id: UUID, field: str = "employee_id") -> Related:
    return Related(field, Employee, (Filter("department_id", Op.EQ, department_id),))


async def test_related_selects_records_of_employees_in_the_department(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    of_ada, of_alan, of_grace = (
        assessment(employee_id=e.id, competency_id=org.python.id) for e in (org.ada, org.alan, org.grace)
    )
    await persist(uow_factory, of_ada, of_alan, of_grace)
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.eng.id),))) == {of_ada.id, of_alan.id}
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.ops.id),))) == {of_grace.id}
    only_ada = Filter("employee_id", Op.EQ, org.ada.id)
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.eng.id),)), only_ada) == {of_ada.id}
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.ops.id),)), only_ada) == set()


async def test_related_follows_a_move_to_another_department(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    of_grace = assessment(employee_id=org.grace.id, competency_id=org.python.id)
    await persist(uow_factory, of_grace)
    async with uow_factory() as uow:
        await uow.repository(Employee).update(org.grace.evolve(department_id=org.eng.id, version=2), expected_version=1)
        staged = await uow.repository(Assessment).page(
            ListQuery(sort=(SortKey("id"),)), Scope(filters=(_in(org.eng.id),))
        )
        assert [a.id for a in staged.items] == [of_grace.id]  # the unit of work sees its own write
        await uow.commit()
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.eng.id),))) == {of_grace.id}
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.ops.id),))) == set()


async def test_related_through_a_null_reference_holds_for_nothing(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    assessed_by_alan = assessment(employee_id=org.ada.id, competency_id=org.python.id, assessor_id=org.alan.id)
    unassessed = assessment(employee_id=org.ada.id, competency_id=org.python.id)
    await persist(uow_factory, assessed_by_alan, unassessed)
    by_eng = Scope(filters=(_in(org.eng.id, field="assessor_id"),))
    assert await _visible(uow_factory, Assessment, by_eng) == {assessed_by_alan.id}


async def test_related_conditions_on_several_fields_all_hold(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    inside = feedback(subject_id=org.ada.id, author_id=org.alan.id)
    across = feedback(subject_id=org.ada.id, author_id=org.grace.id)
    await persist(uow_factory, inside, across)
    both = Scope(filters=(_in(org.eng.id, "subject_id"), _in(org.eng.id, "author_id")))
    assert await _visible(uow_factory, Feedback, both) == {inside.id}


async def test_either_wants_one_group_to_hold(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    to_ada = feedback(subject_id=org.ada.id, author_id=org.grace.id)
    by_ada = feedback(subject_id=org.alan.id, author_id=org.ada.id)
    between_others = feedback(subject_id=org.grace.id, author_id=org.alan.id)
    await persist(uow_factory, to_ada, by_ada, between_others)
    mine = org.ada.id
    ada = Scope(either=((Filter("subject_id", Op.EQ, mine),), (Filter("author_id", Op.EQ, mine),)))
    assert await _visible(uow_factory, Feedback, ada) == {to_ada.id, by_ada.id}
    assert await _visible(uow_factory, Feedback, ada, Filter("author_id", Op.EQ, org.grace.id)) == {to_ada.id}
    narrowed = Scope(filters=(Filter("subject_id", Op.EQ, org.alan.id),), either=ada.either)
    assert await _visible(uow_factory, Feedback, narrowed) == {by_ada.id}


async def test_either_groups_may_hold_several_and_related_conditions(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    to_grace = feedback(subject_id=org.grace.id, author_id=org.ada.id, score=5)
    to_alan = feedback(subject_id=org.alan.id, author_id=org.grace.id, score=1)
    to_ada = feedback(subject_id=org.ada.id, author_id=org.grace.id, score=5)
    await persist(uow_factory, to_grace, to_alan, to_ada)
    scope = Scope(
        either=(
            (_in(org.ops.id, "subject_id"),),
            (_in(org.eng.id, "subject_id"), Filter("score", Op.LTE, 2)),
        )
    )
    assert await _visible(uow_factory, Feedback, scope) == {to_grace.id, to_alan.id}


async def test_either_matches_nulls_with_eq_none(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    own = requirement(competency_id=org.python.id, department_id=org.eng.id)
    company_wide = requirement(competency_id=org.python.id)
    others = requirement(competency_id=org.python.id, department_id=org.ops.id)
    await persist(uow_factory, own, company_wide, others)
    eng = Scope(either=((Filter("department_id", Op.EQ, org.eng.id),), (Filter("department_id", Op.EQ, None),)))
    assert await _visible(uow_factory, Requirement, eng) == {own.id, company_wide.id}


async def test_a_single_record_read_through_a_scope(uow_factory: UnitOfWorkFactory, org: Org) -> None:
    of_grace = assessment(employee_id=org.grace.id, competency_id=org.python.id)
    await persist(uow_factory, of_grace)
    one = Filter("id", Op.EQ, of_grace.id)
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.eng.id),)), one) == set()
    assert await _visible(uow_factory, Assessment, Scope(filters=(_in(org.ops.id),)), one) == {of_grace.id}
