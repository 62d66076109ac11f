"""The Postgres repository beyond the shared contract: every ordering walked against a Python
reference, NULL ordering, the index a page uses, and the registry that binds resources (with
their nested child tables and search columns)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, ClassVar

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, Text, Uuid

from adapters.postgres.database import Database
from adapters.postgres.mapping import EntityMapper
from adapters.postgres.registry import Registry
from adapters.postgres.repository import PostgresRepository
from adapters.postgres.tables import course_covers, courses, employees
from tests.e2e.conftest import CURSOR_SECRET, connect
from tests.factories import BASE_TIME, department, employee, persist
from upskill.domain.competency import Level
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.organisation import Department, Employee
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.resource import Resource
from upskill.domain.resources import COURSES, DEPARTMENTS, EMPLOYEES
from upskill.domain.training import Course


def reference(records: Sequence[Entity], ordering: Sequence[SortKey]) -> list[Any]:
    """`records` in `ordering` the way the contract defines it: NULL greater than any value."""
    ordered = list(records)
    for key in reversed(ordering):
        present = sorted(
            (r for r in ordered if getattr(r, key.field) is not None),
            key=lambda r: getattr(r, key.field),
            reverse=key.descending,
        )
        missing = [r for r in ordered if getattr(r, key.field) is None]
        ordered = missing + present if key.descending else present + missing
    return [r.id for r in ordered]


async def walk(repository: PostgresRepository[Any], query: ListQuery) -> list[Any]:
    """The ids of every page of `query`, following next_cursor (failing on a walk that loops)."""
    ids: list[Any] = []
    cursor: str | None = None
    for _ in range(1000):
        page = await repository.page(ListQuery(query.filters, query.sort, query.limit, cursor), EVERYTHING)
        ids += [e.id for e in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor
    pytest.fail(f"the walk of {query} does not end")


def orderings(fields: Sequence[str]) -> list[tuple[SortKey, ...]]:
    """Every ordering of one or two keys over `fields`, in every direction."""
    keys = [SortKey(f, d) for f in fields for d in (False, True)]
    return [(k,) for k in keys] + [(a, b) for a, b in itertools.permutations(keys, 2) if a.field != b.field]


async def _staff(db: Database, count: int = 23) -> list[Employee]:
    """Employees tying on every sortable field but email and id; some have left."""
    dept = department()
    names = ["Ada", "ada", "Émile", "Zoë", "Bob", "bob"]
    people = [
        employee(
            department_id=dept.id,
            full_name=names[i % len(names)],
            email=f"p{(i * 7) % count:02d}@example.com",
            hired_on=date(2020, 1, 1) + timedelta(days=i % 3),
            left_on=date(2024, 1, 1) + timedelta(days=i % 2) if i % 3 else None,
            created_at=BASE_TIME + timedelta(seconds=i % 4),
            updated_at=BASE_TIME + timedelta(seconds=i % 5),
        )
        for i in range(count)
    ]
    await persist(db.unit_of_work, dept, *people)
    return people


async def test_every_ordering_walks_each_record_once_in_python_order(db: Database) -> None:
    people = await _staff(db)
    async with db.unit_of_work() as uow:
        repository = uow.repository(Employee)
        for ordering in orderings(sorted(EMPLOYEES.sortable)):
            query = EMPLOYEES.validate(ListQuery(sort=ordering, limit=4))
            assert await walk(repository, query) == reference(people, query.ordering()), ordering


async def test_a_nullable_sort_key_puts_null_after_every_value(db: Database, module_url: str) -> None:
    """No declared resource sorts by a nullable field yet; a resource that does walks like this."""
    people = await _staff(db)
    by_leaving = Resource(Employee, "employees", sortable=frozenset({"left_on", "full_name", "id"}))
    registry = Registry([by_leaving])
    async with db.unit_of_work() as uow:
        repository = PostgresRepository(uow, registry.binding(Employee), CursorCodec(CURSOR_SECRET), registry)
        for ordering in orderings(["left_on", "full_name"]):
            query = by_leaving.validate(ListQuery(sort=ordering, limit=3))
            assert await walk(repository, query) == reference(people, query.ordering()), ordering


async def _matching(db: Database, *filters: Filter) -> set[str]:
    async with db.unit_of_work() as uow:
        page = await uow.repository(Employee).page(ListQuery(filters=filters, limit=200), EVERYTHING)
    return {e.full_name for e in page.items}


async def test_text_filters_fold_case_beyond_ascii_and_skip_missing_values(db: Database) -> None:
    dept = department()
    await persist(
        db.unit_of_work,
        dept,
        employee(department_id=dept.id, full_name="Émile Zola", job_title="Écrivain"),
        employee(department_id=dept.id, full_name="ÉMILIE du Châtelet", job_title=None),
        employee(department_id=dept.id, full_name="Emil Nolde", job_title="painter"),
    )
    assert await _matching(db, Filter("full_name", Op.CONTAINS, "émil")) == {"Émile Zola", "ÉMILIE du Châtelet"}
    assert await _matching(db, Filter("job_title", Op.IN, ())) == set()
    assert await _matching(db, Filter("job_title", Op.EQ, None)) == {"ÉMILIE du Châtelet"}


async def test_a_later_page_in_the_default_order_is_read_from_the_index(db: Database, module_url: str) -> None:
    conn = await connect(module_url)
    try:
        await conn.execute(
            "INSERT INTO departments (id, version, created_at, updated_at, name) "
            "SELECT gen_random_uuid(), 1, now(), now(), 'Department ' || n FROM generate_series(1, 5000) n"
        )
        await conn.execute("ANALYZE departments")
    finally:
        await conn.close()
    async with db.unit_of_work() as uow:
        repository = uow.repository(Department)
        first = await repository.page(DEPARTMENTS.validate(ListQuery(limit=50)), EVERYTHING)
        with db.statements() as executed:
            await repository.page(DEPARTMENTS.validate(ListQuery(limit=50, cursor=first.next_cursor)), EVERYTHING)
        [(statement, parameters)] = executed
        connection = (await uow.connection()).connection
        plan = "\n".join(str(row[0]) for row in await connection.fetch(f"EXPLAIN {statement}", *parameters))
    assert "ix_departments_name_id" in plan
    assert "Sort" not in plan


def test_the_registry_binds_every_declared_resource_with_a_table() -> None:
    registry = Registry()
    assert registry.binding(Employee).table is employees
    with pytest.raises(LookupError):
        registry.binding(Entity)


def test_a_table_that_does_not_match_its_entity_is_refused() -> None:
    table = Table("employees", MetaData(), Column("id", Uuid, primary_key=True), Column("version", Integer))
    with pytest.raises(ValueError, match="employees"):
        Registry().add(EMPLOYEES, table)


def test_courses_are_bound_with_their_covers_table_and_search_column() -> None:
    binding = Registry().binding(Course)
    [covers] = binding.children
    assert (covers.field, covers.table, covers.parent_key.name) == ("covers", course_covers, "course_id")
    assert binding.search is courses.c.search_vector
    assert "covers" not in binding.mapper.fields
    assert "search_vector" not in binding.mapper.fields


def test_a_nested_field_without_a_fitting_child_table_is_refused() -> None:
    schema = MetaData()
    table = Table(
        "courses", schema, *(Column(c.name, c.type, primary_key=c.primary_key) for c in courses.c if c.computed is None)
    )
    with pytest.raises(ValueError, match="course_covers"):
        Registry().add(COURSES, table)
    Table("course_covers", schema, Column("course_id", Uuid, ForeignKey("courses.id")), Column("level", Text))
    with pytest.raises(ValueError, match="course_covers has columns"):
        Registry().add(COURSES, table)


def test_a_searchable_resource_needs_its_search_column() -> None:
    schema = MetaData()
    table = Table(
        "courses", schema, *(Column(c.name, c.type, primary_key=c.primary_key) for c in courses.c if c.computed is None)
    )
    course_covers.to_metadata(schema)
    with pytest.raises(ValueError, match="search_vector"):
        Registry().add(COURSES, table)


def test_a_registry_takes_further_resources() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Badge(Entity):
        label: ClassVar[str] = "Badge"
        title: str
        level: Level | None = None

    table = Table(
        "badges",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("version", Integer),
        Column("created_at", Text),
        Column("updated_at", Text),
        Column("title", Text),
        Column("level", Text),
    )
    registry = Registry([])
    registry.add(Resource(Badge, "badges"), table)
    assert registry.binding(Badge).table is table


def test_enum_fields_are_stored_as_their_value() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Rating(Entity):
        level: Level
        previous: Level | None = None

    mapper = EntityMapper(Rating)
    rating = Rating(
        id=employee(department_id=department().id).id, created_at=BASE_TIME, updated_at=BASE_TIME, level=Level.EXPERT
    )
    row = mapper.to_row(rating)
    assert (row["level"], row["previous"]) == ("expert", None)
    assert type(row["level"]) is str
    assert mapper.from_row([row[name] for name in mapper.fields]) == rating
