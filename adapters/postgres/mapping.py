"""Entity snapshots to row values and back, by field name.

A table has one column per entity field, under the field's name (see `tables`). Enum fields
are stored as their value (text) and turned back into the enum when read.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Generic, TypeVar

from upskill.domain.entity import Entity

E = TypeVar("E", bound=Entity)


def _enum_in(annotation: object) -> type[Enum] | None:
    """The enum class in `Level` or `Level | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, Enum):
                return arg
    return None


class EntityMapper(Generic[E]):
    """Maps one entity type. `fields` is the column order rows are read and written in."""

    def __init__(self, entity: type[E]) -> None:
        self.entity = entity
        self.fields: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(entity) if f.init)
        hints = typing.get_type_hints(entity)
        self._enums: dict[str, type[Enum]] = {
            name: enum for name in self.fields if (enum := _enum_in(hints[name])) is not None
        }

    def to_row(self, entity: E) -> dict[str, object]:
        """Column name → value; enums as their value."""
        row = {name: getattr(entity, name) for name in self.fields}
        for name in self._enums:
            value = row[name]
            if isinstance(value, Enum):
                row[name] = value.value
        return row

    def from_row(self, row: Sequence[object]) -> E:
        """The entity from values in `fields` order.

        A row is trusted: it was a valid entity when written (and the database kept its
        constraints), so the entity's checks are not run again — reading stays cheap, as it
        is in the memory adapter, which hands back the snapshots it stored.
        """
        entity = object.__new__(self.entity)
        for name, value in zip(self.fields, row, strict=True):
            object.__setattr__(entity, name, value)
        for name, enum in self._enums.items():
            value = getattr(entity, name)
            if value is not None:
                object.__setattr__(entity, name, enum(value))
        return entity
