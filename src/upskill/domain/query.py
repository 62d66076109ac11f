"""List queries and pages: what a caller asks of a collection, and what it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Op(StrEnum):
    EQ = "eq"
    IN = "in"
    GTE = "gte"
    LTE = "lte"
    CONTAINS = "contains"  # case-insensitive substring, text fields only
    SEARCH = "search"  # full-text: every word must match as a case-insensitive prefix


@dataclass(frozen=True, slots=True)
class Filter:
    """`field op value`; for `IN` the value is a tuple."""

    field: str
    op: Op
    value: object


@dataclass(frozen=True, slots=True)
class SortKey:
    field: str
    descending: bool = False

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else self.field


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Filters are ANDed. Sort keys apply in order; `id` always breaks ties (in the direction
    of the last key). `cursor` continues a previous page of the *same* sort and filters."""

    filters: tuple[Filter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    with_total: bool = False

    def ordering(self) -> tuple[SortKey, ...]:
        """The full ordering, `id` appended as the tie-breaker."""
        if any(k.field == "id" for k in self.sort):
            return self.sort
        last_desc = self.sort[-1].descending if self.sort else False
        return (*self.sort, SortKey("id", last_desc))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None
    total: int | None = None
