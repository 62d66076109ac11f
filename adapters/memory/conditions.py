"""Which records a list of conditions (filters, scope conditions) selects, in memory, with the
semantics of the PostgreSQL adapter's WHERE clause.

- A `Filter` on a field: a null value matches no operator but `eq None` (SQL `IS NULL`);
  `contains` is a case-insensitive substring (PostgreSQL: an escaped ILIKE; here `str.lower()`);
  enums compare by their value.
- A `Filter` on `q` with `Op.SEARCH` searches the resource's `search` fields (`search.py`).
- Filters on the items of a nested field (`covers.competency_id`, `covers.level`) hold when
  one and the same item satisfies all of them (SQL: one EXISTS over the child table).
- `Related(field, target, filters)` holds when the record's `field` points at an existing
  `target` record (as the transaction sees it) that satisfies `filters` (SQL: EXISTS / join).
- A `Scope` holds when all its `filters` hold and, if it has `either` groups, all the
  conditions of at least one group.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from adapters.memory.search import search_matches
from adapters.memory.view import View, resource_of
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.policy import Condition, Related, Scope
from upskill.domain.query import Filter, Op
from upskill.domain.resource import SEARCH_FIELD, Nested, Resource


def plain(value: object) -> object:
    """What a stored value compares as (an enum by its value)."""
    return value.value if isinstance(value, Enum) else value


def _compare(value: object, flt: Filter) -> bool:
    value, wanted = plain(value), plain(flt.value)
    if flt.op is Op.EQ:
        return value is None if wanted is None else value is not None and value == wanted
    if value is None:
        return False
    match flt.op:
        case Op.IN:
            options = flt.value if isinstance(flt.value, tuple | list | set | frozenset) else (flt.value,)
            return any(value == plain(option) for option in options)
        case Op.GTE:
            return wanted is not None and value >= wanted  # type: ignore[operator]
        case Op.LTE:
            return wanted is not None and value <= wanted  # type: ignore[operator]
        case Op.CONTAINS:
            return str(wanted).lower() in str(value).lower()
        case Op.SEARCH:
            return search_matches(str(wanted), (str(value),))
    raise InvalidQuery(f"'{flt.op}' is not a supported operator.", field=f"{flt.field}__{flt.op}")


def _nested(resource: Resource[Any], path: str) -> tuple[Nested, str] | None:
    """The nested field and item field a dotted path names; None for a plain field."""
    head, dot, rest = path.partition(".")
    if not dot:
        return None
    for nested in resource.nested:
        if nested.field == head:
            return nested, rest
    return None


def field_values(resource: Resource[Any], record: Entity, path: str) -> list[tuple[str, object]]:
    """The values at `path` with the exact path of each: one for a plain field, one per item
    for a nested item field (`covers.0.competency_id`, `covers.1.competency_id`, ...)."""
    nested = _nested(resource, path)
    if nested is None:
        return [(path, getattr(record, path))]
    outer, inner = nested
    items: Sequence[object] = getattr(record, outer.field)
    return [(f"{outer.field}.{i}.{inner}", getattr(item, inner)) for i, item in enumerate(items)]


def _holds_filter(resource: Resource[Any], record: Entity, flt: Filter) -> bool:
    if flt.field == SEARCH_FIELD and flt.op is Op.SEARCH:
        return search_matches(str(flt.value), (getattr(record, name) for name in resource.search))
    return _compare(getattr(record, flt.field), flt)


def _holds_related(view: View, record: Entity, related: Related) -> bool:
    target_id = getattr(record, related.field)
    if target_id is None:
        return False
    target = view.find(related.target, target_id)
    return target is not None and holds(view, resource_of(view, related.target), target, related.filters)


def holds(view: View, resource: Resource[Any], record: Entity, conditions: Iterable[Condition]) -> bool:
    """Whether `record` satisfies every condition (see the module docstring)."""
    per_item: dict[str, list[Filter]] = defaultdict(list)
    for condition in conditions:
        if isinstance(condition, Related):
            if not _holds_related(view, record, condition):
                return False
        elif (nested := _nested(resource, condition.field)) is not None:
            outer, inner = nested
            per_item[outer.field].append(dataclasses.replace(condition, field=inner))
        elif not _holds_filter(resource, record, condition):
            return False
    return all(
        any(all(_compare(getattr(item, f.field), f) for f in filters) for item in getattr(record, outer))
        for outer, filters in per_item.items()
    )


def in_scope(view: View, resource: Resource[Any], record: Entity, scope: Scope) -> bool:
    if scope.nothing or not holds(view, resource, record, scope.filters):
        return False
    return not scope.either or any(holds(view, resource, record, group) for group in scope.either)


def check_fields(view: View, resource: Resource[Any], conditions: Iterable[Condition]) -> None:
    """Raises InvalidQuery for a condition on a name that is neither a field of the entity, an
    item field of a nested field, nor (with Op.SEARCH) the search field of a searchable resource."""
    names = {f.name for f in dataclasses.fields(resource.entity)}
    for condition in conditions:
        field = condition.field
        if isinstance(condition, Related):
            check_fields(view, resource_of(view, condition.target), condition.filters)
        elif (nested := _nested(resource, field)) is not None:
            outer, inner = nested
            names_of_item = {f.name for f in dataclasses.fields(outer.item)}  # type: ignore[arg-type]
            if inner in names_of_item:
                continue
        elif field == SEARCH_FIELD and resource.search and condition.op is Op.SEARCH:
            continue
        if field not in names:
            raise InvalidQuery(f"'{field}' is not a filterable field.", field=field)
