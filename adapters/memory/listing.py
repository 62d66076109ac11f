"""Ordering and keyset pagination with the semantics of the PostgreSQL adapter (which records
match is `conditions.py`).

- Strings compare by code point (PostgreSQL `COLLATE "C"`), enums by their value, nulls sort
  after every value (PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending).
- A page holds the records strictly after the cursor's values in the full ordering
  (`ListQuery.ordering()`, taken as given: the caller has validated the query), at most
  `limit` of them; `next_cursor` encodes the last one's ordering values, and is None when no
  record follows (limit + 1 detection).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from functools import cmp_to_key
from typing import TypeVar

from adapters.memory.conditions import check_fields, holds, in_scope, plain
from adapters.memory.view import View
from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.policy import Scope
from upskill.domain.query import ListQuery, Page, SortKey
from upskill.domain.resource import Resource

E = TypeVar("E", bound=Entity)


def _compare_values(a: object, b: object) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # null after every value
    x, y = plain(a), plain(b)
    return int(x > y) - int(x < y)  # type: ignore[operator]


def _compare_keys(a: Sequence[object], b: Sequence[object], ordering: Sequence[SortKey]) -> int:
    for x, y, key in zip(a, b, ordering, strict=True):
        result = _compare_values(x, y)
        if result:
            return -result if key.descending else result
    return 0


def _sort_values(record: Entity, ordering: Sequence[SortKey]) -> tuple[object, ...]:
    return tuple(getattr(record, key.field) for key in ordering)


def _check_ordering(resource: Resource[E], ordering: Iterable[SortKey]) -> None:
    names = {f.name for f in fields(resource.entity)}
    for key in ordering:
        if key.field not in names:
            raise InvalidQuery(f"'{key.field}' is not a sortable field.", field="sort")


def select_page(
    view: View, records: Iterable[E], resource: Resource[E], query: ListQuery, scope: Scope, codec: CursorCodec
) -> Page[E]:
    """One page of `records` for `query` within `scope` (see the module docstring); related
    records are looked up in `view`."""
    ordering = query.ordering()
    check_fields(view, resource, (*query.filters, *scope.filters, *(c for group in scope.either for c in group)))
    _check_ordering(resource, ordering)
    after = codec.decode(query.cursor, query) if query.cursor is not None else None
    if scope.nothing:
        return Page(items=[], next_cursor=None, total=0 if query.with_total else None)
    rows = [r for r in records if holds(view, resource, r, query.filters) and in_scope(view, resource, r, scope)]

    def in_order(a: E, b: E) -> int:
        return _compare_keys(_sort_values(a, ordering), _sort_values(b, ordering), ordering)

    rows.sort(key=cmp_to_key(in_order))
    total = len(rows) if query.with_total else None
    if after is not None:
        rows = [row for row in rows if _compare_keys(_sort_values(row, ordering), after, ordering) > 0]
    items = rows[: query.limit]
    more = len(rows) > query.limit
    next_cursor = codec.encode(_sort_values(items[-1], ordering), query) if more else None
    return Page(items=items, next_cursor=next_cursor, total=total)
