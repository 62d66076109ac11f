"""Repository port: a course's `covers` (value objects stored beside it) — returned inline,
replaced whole on update, filtered item by item, and holding their references."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID, uuid4

import pytest

from tests.factories import competency, course, persist
from upskill.domain.competency import Competency, Level
from upskill.domain.errors import Conflict, InvalidReference
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.training import Course, CourseCoverage


@dataclass(frozen=True)
class Skills:
    python: Competency
    sql: Competency
    rust: Competency


@pytest.fixture
async def skills(uow_factory: UnitOfWorkFactory) -> Skills:
    made = Skills(competency(name="Python"), competency(name="SQL"), competency(name="Rust"))
    await persist(uow_factory, made.python, made.sql, made.rust)
    return made


async def _titles(uow_factory: UnitOfWorkFactory, *filters: Filter) -> list[str]:
    query = ListQuery(filters=filters, sort=(SortKey("title"),), limit=200, with_total=True)
    async with uow_factory() as uow:
        page = await uow.repository(Course).page(query, EVERYTHING)
        assert page.total == len(page.items)
        assert await uow.repository(Course).count(filters) == len(page.items)
    return [c.title for c in page.items]


async def test_covers_come_back_inline_in_their_order(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    mixed = course((skills.sql.id, Level.EXPERT), (skills.python.id, Level.BASIC), (skills.rust.id, Level.ADVANCED))
    empty = course()
    await persist(uow_factory, mixed, empty)
    async with uow_factory() as uow:
        assert await uow.repository(Course).get(mixed.id) == mixed
        assert await uow.repository(Course).get(empty.id) == empty
        listed = await uow.repository(Course).page(ListQuery(sort=(SortKey("title"),)), EVERYTHING)
    assert sorted(listed.items, key=lambda c: c.title) == sorted([mixed, empty], key=lambda c: c.title)


async def test_an_update_replaces_the_covers_whole(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    before = course((skills.python.id, Level.BASIC), (skills.sql.id, Level.BASIC), title="Data")
    await persist(uow_factory, before)
    after = before.evolve(
        covers=(CourseCoverage(skills.rust.id, Level.EXPERT), CourseCoverage(skills.python.id, Level.ADVANCED)),
        version=2,
    )
    async with uow_factory() as uow:
        await uow.repository(Course).update(after, expected_version=1)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.repository(Course).get(before.id) == after
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.EQ, skills.sql.id)) == []
    assert await _titles(uow_factory, Filter("covers.level", Op.EQ, Level.BASIC)) == []
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.EQ, skills.rust.id)) == ["Data"]


async def test_covers_can_be_emptied(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    before = course((skills.python.id, Level.BASIC), title="Data")
    await persist(uow_factory, before)
    async with uow_factory() as uow:
        await uow.repository(Course).update(before.evolve(covers=(), version=2), expected_version=1)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.repository(Course).get(before.id)).covers == ()


async def test_filters_on_covers(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    await persist(
        uow_factory,
        course((skills.python.id, Level.BASIC), (skills.sql.id, Level.EXPERT), title="A"),
        course((skills.python.id, Level.EXPERT), title="B"),
        course((skills.rust.id, Level.BASIC), title="C"),
        course(title="D"),
    )
    python, sql = skills.python.id, skills.sql.id
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.EQ, python)) == ["A", "B"]
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.IN, (sql, skills.rust.id))) == ["A", "C"]
    assert await _titles(uow_factory, Filter("covers.level", Op.IN, (Level.EXPERT,))) == ["A", "B"]
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.EQ, uuid4())) == []


async def test_filters_on_one_nested_field_hold_for_one_and_the_same_item(
    uow_factory: UnitOfWorkFactory, skills: Skills
) -> None:
    await persist(
        uow_factory,
        course((skills.python.id, Level.BASIC), (skills.sql.id, Level.EXPERT), title="A"),
        course((skills.python.id, Level.EXPERT), title="B"),
    )
    python_expert = (Filter("covers.competency_id", Op.EQ, skills.python.id), Filter("covers.level", Op.EQ, "expert"))
    assert await _titles(uow_factory, *python_expert) == ["B"]
    basic_or_expert = Filter("covers.level", Op.IN, (Level.BASIC, Level.EXPERT))
    assert await _titles(uow_factory, Filter("covers.competency_id", Op.EQ, skills.sql.id), basic_or_expert) == ["A"]
    sql_basic = (Filter("covers.competency_id", Op.EQ, skills.sql.id), Filter("covers.level", Op.EQ, Level.BASIC))
    assert await _titles(uow_factory, *sql_basic) == []


async def test_nested_filters_combine_with_plain_ones(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    await persist(
        uow_factory,
        course((skills.python.id, Level.BASIC), title="A", rating=4.5),
        course((skills.python.id, Level.BASIC), title="B", rating=2.0),
    )
    found = await _titles(
        uow_factory, Filter("covers.competency_id", Op.EQ, skills.python.id), Filter("rating", Op.GTE, 4.0)
    )
    assert found == ["A"]


async def test_every_covered_competency_must_exist(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    ghost = uuid4()
    bad = course((skills.python.id, Level.BASIC), (ghost, Level.BASIC), title="Ghost")
    async with uow_factory() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Course).add(bad)
    assert (caught.value.entity, caught.value.field) == ("Course", "covers.1.competency_id")
    assert await _titles(uow_factory) == []


async def test_an_update_may_not_cover_a_missing_competency(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    before = course((skills.python.id, Level.BASIC))
    await persist(uow_factory, before)
    broken = before.evolve(covers=(CourseCoverage(uuid4(), Level.BASIC),), version=2)
    async with uow_factory() as uow:
        with pytest.raises(InvalidReference) as caught:
            await uow.repository(Course).update(broken, expected_version=1)
    assert caught.value.field == "covers.0.competency_id"
    async with uow_factory() as uow:
        assert await uow.repository(Course).get(before.id) == before


async def _delete_competency(uow_factory: UnitOfWorkFactory, id: UUID) -> None:
    async with uow_factory() as uow:
        await uow.repository(Competency).delete(id)
        await uow.commit()


async def test_a_covered_competency_cannot_be_deleted_until_no_course_covers_it(
    uow_factory: UnitOfWorkFactory, skills: Skills
) -> None:
    taught = course((skills.rust.id, Level.BASIC), (skills.sql.id, Level.ADVANCED))
    await persist(uow_factory, taught)
    with pytest.raises(Conflict) as caught:
        await _delete_competency(uow_factory, skills.sql.id)
    assert caught.value.entity == "Competency"
    async with uow_factory() as uow:
        await uow.repository(Course).update(
            taught.evolve(covers=taught.covers[:1], version=2), expected_version=taught.version
        )
        await uow.commit()
    await _delete_competency(uow_factory, skills.sql.id)
    async with uow_factory() as uow:
        assert not await uow.repository(Competency).exists(skills.sql.id)


async def test_deleting_a_course_frees_its_competencies(uow_factory: UnitOfWorkFactory, skills: Skills) -> None:
    taught = course((skills.rust.id, Level.BASIC))
    await persist(uow_factory, taught)
    async with uow_factory() as uow:
        await uow.repository(Course).delete(taught.id)
        await uow.commit()
    await _delete_competency(uow_factory, skills.rust.id)
