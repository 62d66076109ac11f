"""Filtering, ordering and keyset pagination with the semantics of the PostgreSQL adapter.

- Filters are ANDed. A null value matches no operator but `eq None` (SQL `IS NULL`);
  `contains` is a case-insensitive substring (PostgreSQL: an escaped ILIKE; here `str.lower()`,
  equal for every text whose case folding agrees); `search` wants every word of the value to
  start a word of the field (PostgreSQL: `~* '\\mword'`).
- Strings compare by code point (PostgreSQL `COLLATE "C"`), enums by their value, nulls sort
  after every value (PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending).
- A page holds the records strictly after the cursor's values in the full ordering
  (`ListQuery.ordering()`, taken as given: the caller has validated the query), at most
  `limit` of them; `next_cursor` encodes the last one's ordering values, and is None when no
  record follows (limit + 1 detection).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import fields
from enum import Enum
from functools import cmp_to_key
from typing import Any, TypeVar

from upskill.domain.cursor import CursorCodec
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.policy import Scope
from upskill.domain.query import Filter, ListQuery, Op, Page, SortKey
from upskill.domain.resource import Resource

E = TypeVar("E", bound=Entity)

_WORD = re.compile(r"\w+")


def _plain(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def _matches(record: Entity, flt: Filter) -> bool:
    value = _plain(getattr(record, flt.field))
    wanted = _plain(flt.value)
    if flt.op is Op.EQ:
        return value is None if wanted is None else value is not None and value == wanted
    if value is None:
        return False
    match flt.op:
        case Op.IN:
            options = flt.value if isinstance(flt.value, tuple | list | set | frozenset) else (flt.value,)
            return any(value == _plain(option) for option in options)
        case Op.GTE:
            return wanted is not None and value >= wanted  # type: ignore[operator]
        case Op.LTE:
            return wanted is not None and value <= wanted  # type: ignore[operator]
        case Op.CONTAINS:
            return str(wanted).lower() in str(value).lower()
        case Op.SEARCH:
            words = _WORD.findall(str(value).lower())
            return all(any(word.startswith(part) for word in words) for part in _WORD.findall(str(wanted).lower()))
    raise InvalidQuery(f"'{flt.op}' is not a supported operator.", field=f"{flt.field}__{flt.op}")


def check_fields(resource: Resource[Any], filters: Iterable[Filter], ordering: Iterable[SortKey] = ()) -> None:
    """Raises InvalidQuery for a filter or sort key on a name that is not a field of the entity."""
    names = {f.name for f in fields(resource.entity)}
    for flt in filters:
        if flt.field not in names:
            raise InvalidQuery(f"'{flt.field}' is not a filterable field.", field=flt.field)
    for key in ordering:
        if key.field not in names:
            raise InvalidQuery(f"'{key.field}' is not a sortable field.", field="sort")


def matching(records: Iterable[E], filters: Sequence[Filter]) -> list[E]:
    return [record for record in records if all(_matches(record, flt) for flt in filters)]


def _compare_values(a: object, b: object) -> int:
    if a is None or b is None:
        return (a is None) - (b is None)  # null after every value
    x, y = _plain(a), _plain(b)
    return int(x > y) - int(x < y)  # type: ignore[operator]


def _compare_keys(a: Sequence[object], b: Sequence[object], ordering: Sequence[SortKey]) -> int:
    for x, y, key in zip(a, b, ordering, strict=True):
        result = _compare_values(x, y)
        if result:
            return -result if key.descending else result
    return 0


def _sort_values(record: Entity, ordering: Sequence[SortKey]) -> tuple[object, ...]:
    return tuple(getattr(record, key.field) for key in ordering)


def select_page(
    records: Iterable[E], resource: Resource[E], query: ListQuery, scope: Scope, codec: CursorCodec
) -> Page[E]:
    """One page of `records` for `query` within `scope` (see the module docstring)."""
    ordering = query.ordering()
    check_fields(resource, (*query.filters, *scope.filters), ordering)
    after = codec.decode(query.cursor, query) if query.cursor is not None else None
    if scope.nothing:
        return Page(items=[], next_cursor=None, total=0 if query.with_total else None)
    rows = matching(records, (*query.filters, *scope.filters))

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
