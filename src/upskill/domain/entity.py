"""The base every stored entity shares: identity, optimistic-concurrency version, timestamps."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Self
from uuid import UUID

from upskill.domain.errors import FieldError, InvariantViolation
from upskill.domain.text import check_no_nul

SYSTEM_FIELDS = frozenset({"id", "version", "created_at", "updated_at"})


@dataclass(frozen=True, kw_only=True)
class Entity:
    """An immutable snapshot of a stored record.

    Subclasses check their own rules in `check()`; `__post_init__` runs it, so an entity that
    exists is valid. Changes produce a new snapshot through `evolve()`.

    Entities are not slotted (a slotted subclass works, without the gain): their fields live in
    the instance's `__dict__`, which a reader fills in one call and a JSON encoder reads in one
    pass — a page of 50 employees is built and serialised in about half the CPU time of slotted
    ones, for ~100 bytes more per live entity (README "Performance").
    """

    label: ClassVar[str] = "Record"

    id: UUID
    version: int = 1
    created_at: datetime
    updated_at: datetime

    def __post_init__(self) -> None:
        problems = check_no_nul(self) + self.check()
        if problems:
            first = problems[0]
            raise InvariantViolation(first.message, entity=self.label, id=self.id, field=first.field, errors=problems)

    def check(self) -> list[FieldError]:
        """Business rules of this entity; an empty list means valid."""
        return []

    def evolve(self, **changes: Any) -> Self:
        """A copy with `changes` applied (validated like any new snapshot)."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.init}
        values.update(changes)
        return type(self)(**values)

    @classmethod
    def data_fields(cls) -> tuple[str, ...]:
        """The fields a client may write (everything but identity, version and timestamps)."""
        return tuple(f.name for f in fields(cls) if f.init and f.name not in SYSTEM_FIELDS)
