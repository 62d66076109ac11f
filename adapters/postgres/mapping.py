"""Dataclass snapshots to row values and back, by field name.

A table has one column per field, under the field's name (see `tables`), but for the nested
fields of a resource, which live in child tables (see `nested`). Enum fields are stored as
their value (text) and turned back into the enum when read.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Callable, Collection, Iterable, Sequence
from enum import Enum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


def _enum_in(annotation: object) -> type[Enum] | None:
    """The enum class in `Level` or `Level | None`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, Enum):
                return arg
    return None


def _slot(cls: type, name: str) -> types.MemberDescriptorType | None:
    """The slot of field `name` when `cls` keeps it in one."""
    slot = inspect.getattr_static(cls, name, None)
    return slot if isinstance(slot, types.MemberDescriptorType) else None


def _setter(cls: type, name: str) -> Callable[[object, object], None]:
    """How to set field `name` on a new instance of `cls`, frozen or not: the slot's own
    descriptor when the class has slots (half the cost of `object.__setattr__`)."""
    slot = _slot(cls, name)
    if slot is not None:
        return slot.__set__

    def set_attribute(record: object, value: object) -> None:
        object.__setattr__(record, name, value)

    return set_attribute


class RowMapper(Generic[T]):
    """Maps one dataclass type: an entity, or the item of a nested field. `fields` is the
    column order rows are read and written in; the `nested` fields are not columns."""

    def __init__(self, cls: type[T], *, nested: Collection[str] = ()) -> None:
        self.cls = cls
        self.nested = frozenset(nested)
        names = [f.name for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
        if not self.nested <= set(names):
            raise ValueError(f"{cls.__name__} has no field {sorted(self.nested - set(names))}")
        self.fields: tuple[str, ...] = tuple(name for name in names if name not in self.nested)
        self._names = tuple(names)
        hints = typing.get_type_hints(cls)
        self._setters = tuple(_setter(cls, name) for name in self.fields)
        self._in_dict = hasattr(object.__new__(cls), "__dict__") and not any(_slot(cls, name) for name in names)
        """Instances keep their fields in their `__dict__` (entities: see `upskill.domain.entity`):
        a record is made by filling it, in field order, with no call per field."""
        self._enums: dict[str, dict[object, Enum]] = {
            name: {member.value: member for member in enum}
            for name in self.fields
            if (enum := _enum_in(hints[name])) is not None
        }

    def to_row(self, record: T) -> dict[str, Any]:
        """Column name → value; enums as their value."""
        row = {name: getattr(record, name) for name in self.fields}
        for name in self._enums:
            value = row[name]
            if isinstance(value, Enum):
                row[name] = value.value
        return row

    def from_row(self, row: Sequence[object], **nested: object) -> T:
        """The record from values in `fields` order, and the value of each nested field.

        A row is trusted: it was a valid record when written (and the database kept its
        constraints), so the checks are not run again — reading stays cheap, as it is in the
        memory adapter, which hands back the snapshots it stored.
        """
        if nested.keys() != self.nested:
            raise ValueError(f"{self.cls.__name__} needs the nested fields {sorted(self.nested)}")
        if len(row) != len(self._setters):
            raise ValueError(f"{self.cls.__name__} needs {len(self._setters)} values, got {len(row)}")
        record: T = object.__new__(self.cls)
        if self._in_dict:
            values = dict(zip(self.fields, row))  # noqa: B905 - lengths checked above
            if nested:
                values.update(nested)
                values = {name: values[name] for name in self._names}  # field order, as JSON shows it
            for name, members in self._enums.items():
                value = values[name]
                if value is not None:
                    values[name] = members[value]
            record.__dict__.update(values)
            return record
        for setter, value in zip(self._setters, row):  # noqa: B905 - lengths checked above
            setter(record, value)
        for name, value in nested.items():
            object.__setattr__(record, name, value)
        for name, members in self._enums.items():
            value = getattr(record, name)
            if value is not None:
                object.__setattr__(record, name, members[value])
        return record

    def from_rows(self, rows: Iterable[Sequence[object]]) -> list[T]:
        """`from_row` of each row, for a class without nested fields (a page's worth: the
        loop is kept tight)."""
        if self.nested:
            raise ValueError(f"{self.cls.__name__} needs the nested fields {sorted(self.nested)}")
        if not self._in_dict:
            return [self.from_row(row) for row in rows]
        cls, fields, width, enums, new = self.cls, self.fields, len(self.fields), self._enums, object.__new__
        records: list[T] = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{cls.__name__} needs {width} values, got {len(row)}")
            record = new(cls)
            values = record.__dict__
            values.update(zip(fields, row))  # noqa: B905 - lengths checked above
            for name, members in enums.items():
                value = values[name]
                if value is not None:
                    values[name] = members[value]
            records.append(record)
        return records


EntityMapper = RowMapper
"""The mapper of an entity (the same class: entities are dataclasses)."""
