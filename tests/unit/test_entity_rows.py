"""Entities read from rows: the mapper fills an entity's `__dict__` in one go (entities are not
slotted, see `upskill.domain.entity`), and the JSON of such an entity is the JSON of one made
by its constructor — every field, in field order, nothing more. orjson reads a dict-backed
dataclass from its `__dict__`; a field kept elsewhere would silently go missing."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import orjson
import pytest

from adapters.http.responses import JsonResponse
from adapters.postgres.mapping import EntityMapper, RowMapper
from tests import factories
from upskill.domain.competency import Level
from upskill.domain.entity import Entity

ID = uuid4()

ENTITIES: dict[str, Callable[[], Entity]] = {
    "department": lambda: factories.department(),
    "competency": lambda: factories.competency(),
    "employee": lambda: factories.employee(department_id=ID, manager_id=uuid4()),
    "user": lambda: factories.user(),
    "requirement": lambda: factories.requirement(department_id=ID, competency_id=ID),
    "assessment": lambda: factories.assessment(employee_id=ID, competency_id=ID, assessor_id=uuid4()),
    "feedback": lambda: factories.feedback(subject_id=ID, author_id=uuid4(), competency_id=ID, score=4),
    "course": lambda: factories.course((ID, Level.ADVANCED), (uuid4(), Level.BASIC)),
    "enrollment": lambda: factories.enrollment(employee_id=ID, course_id=ID),
    "plan": lambda: factories.plan(employee_id=ID, competency_id=ID),
}


def _row_of(mapper: RowMapper[Any], entity: Entity) -> tuple[list[object], dict[str, object]]:
    """The column values of `entity` as PostgreSQL hands them back, and its nested fields."""
    stored = mapper.to_row(entity)
    return [stored[name] for name in mapper.fields], {name: getattr(entity, name) for name in mapper.nested}


def _nested(entity: Entity) -> list[str]:
    return [f.name for f in dataclasses.fields(entity) if isinstance(getattr(entity, f.name), tuple)]


@pytest.mark.parametrize("make", ENTITIES.values(), ids=ENTITIES.keys())
def test_an_entity_read_from_a_row_equals_and_serialises_as_the_one_it_was_written_from(
    make: Callable[[], Entity],
) -> None:
    entity = make()
    mapper = EntityMapper(type(entity), nested=_nested(entity))
    values, nested = _row_of(mapper, entity)

    read = mapper.from_row(values, **nested)

    assert read == entity
    assert not any("__slots__" in vars(cls) for cls in type(entity).__mro__)  # see upskill.domain.entity
    assert list(vars(read)) == [f.name for f in dataclasses.fields(entity)]  # field order, nothing else
    body = JsonResponse(read).body
    assert body == JsonResponse(entity).body
    assert list(orjson.loads(body)) == [f.name for f in dataclasses.fields(entity)]
    if not nested:
        assert mapper.from_rows([values, values]) == [entity, entity]


def test_a_slotted_record_is_still_read_through_its_slots() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Item:
        name: str
        level: Level

    mapper = RowMapper(Item)

    assert mapper.from_row(["x", "advanced"]) == Item("x", Level.ADVANCED)
    assert mapper.from_rows([["y", "basic"]]) == [Item("y", Level.BASIC)]
