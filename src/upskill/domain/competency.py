"""Competencies and the ordered levels at which one can hold them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from upskill.domain.entity import Entity
from upskill.domain.errors import FieldError
from upskill.domain.text import check_name


class Level(StrEnum):
    """Ordered: basic < intermediate < advanced < expert. Compare by `rank`, never by text."""

    BASIC = "basic"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"
    EXPERT = "expert"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {level: i + 1 for i, level in enumerate(Level)}


@dataclass(frozen=True, kw_only=True)
class Competency(Entity):
    """Name unique (case-insensitive); cannot be deleted while referenced."""

    label: ClassVar[str] = "Competency"

    name: str
    description: str | None = None
    category: str | None = None

    def check(self) -> list[FieldError]:
        return check_name("name", self.name)
