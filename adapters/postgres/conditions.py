"""Filters and read scopes as SQL conditions on a resource's table, with the semantics the
memory adapter shares:

- a NULL matches only `eq None` (IS NULL); `contains` is a case-insensitive substring, case
  folded in the database's collation (Unicode-aware on a UTF-8 locale);
- `search` wants every word of the value to start a word of the field, case-insensitively;
  on `q`, a word of one of the resource's `search` fields. Words are runs of letters and
  digits (Python's `[^\\W_]+`, the database's `[[:alnum:]]+`), folded to lower case by the
  'simple' text-search configuration. `q` is the generated, indexed `search_vector` matched
  against the prefix query `'w1':* & 'w2':*`, built from the value's words only (so no
  tsquery syntax gets through); a value without words matches every record (on a plain
  column: every non-NULL value);
- filters on a nested field's items (`covers.level`) hold for one and the same item (EXISTS);
- `Related(field, target, filters)` is `field IN (SELECT id FROM target WHERE filters)`;
- a scope is its filters AND, when `either` is given, the OR of its groups (each an AND).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Text,
    and_,
    any_,
    bindparam,
    collate,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
)

from adapters.postgres.nested import Children, exists_item
from adapters.postgres.registry import Binding
from adapters.postgres.tables import CASE_FOLDING_COLLATION
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.policy import Condition, Related, Scope
from upskill.domain.query import Filter, Op
from upskill.domain.resource import SEARCH_FIELD

Column = ColumnElement[Any]
Lookup = Callable[[type[Entity]], Binding[Any]]
"""The binding of a related entity (`Registry.binding`)."""

SEARCH_CONFIG = "simple"
SEPARATORS = "[^[:alnum:]]+"
"""What separates words in the database (the generated column's expression uses the same)."""
_WORD = re.compile(r"[^\W_]+")


def bound(column: Column, value: object) -> ColumnElement[Any]:
    """`value` as a parameter of the column's type: a value of the wrong type is refused by
    the driver (a DataError, an invalid query) instead of making the SQL ill-typed."""
    return literal(value, column.type)


def search_words(text: str) -> list[str]:
    """The words of a search query: runs of letters and digits; anything else separates."""
    return _WORD.findall(text)


def prefix_query(words: Sequence[str]) -> str:
    """The tsquery text wanting every word as a prefix. Words hold letters and digits only,
    so quoting them keeps every tsquery operator out."""
    return " & ".join(f"'{word}':*" for word in words)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _unknown(f: Filter) -> InvalidQuery:
    return InvalidQuery(f"'{f.field}' is not a filterable field.", field=f.field)


def column_filter(column: Column, f: Filter) -> ColumnElement[bool]:
    """One filter on one column."""
    match f.op:
        case Op.EQ:
            return column.is_(None) if f.value is None else column == bound(column, f.value)
        case Op.IN:
            values = f.value if isinstance(f.value, tuple | list | set | frozenset) else (f.value,)
            # one array parameter (`= ANY($n)`): the same SQL text for any number of values
            return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        case Op.GTE:
            return column >= bound(column, f.value)
        case Op.LTE:
            return column <= bound(column, f.value)
        case Op.CONTAINS:
            pattern = f"%{_escape_like(str(f.value))}%"
            return collate(column, CASE_FOLDING_COLLATION).ilike(pattern, escape="\\")
        case Op.SEARCH:
            return column_search(column, f)
    raise InvalidQuery(f"'{f.op}' is not a supported operator.", field=f"{f.field}__{f.op}")


def _config() -> ColumnElement[Any]:
    return literal_column(f"'{SEARCH_CONFIG}'::regconfig")


def _prefix_match(vector: ColumnElement[Any], words: Sequence[str]) -> ColumnElement[bool]:
    query = func.to_tsquery(_config(), bindparam(None, prefix_query(words), type_=Text))
    return vector.bool_op("@@")(query)


def _search(binding: Binding[Any], f: Filter) -> ColumnElement[bool] | None:
    """`q`: the resource's generated `search_vector` (indexed); None = no condition."""
    if binding.search is None:
        raise _unknown(f)
    words = search_words(str(f.value))
    return _prefix_match(binding.search, words) if words else None


def column_search(column: Column, f: Filter) -> ColumnElement[bool]:
    """SEARCH on one text column (not indexed): its words as the generated column makes them;
    a NULL never matches."""
    words = search_words(str(f.value))
    if not words:
        return column.is_not(None)
    separated = func.regexp_replace(collate(column, CASE_FOLDING_COLLATION), SEPARATORS, " ", "g")
    return _prefix_match(func.to_tsvector(_config(), separated), words)


class Conditions:
    """Compiles conditions on one resource's table; `lookup` finds the tables of related
    resources."""

    def __init__(self, binding: Binding[Any], lookup: Lookup) -> None:
        self._binding = binding
        self._table = binding.table
        self._lookup = lookup
        self._children = {c.field: c for c in binding.children}

    def of(self, conditions: Iterable[Condition]) -> list[ColumnElement[bool]]:
        """One SQL condition per filter or relation, but one per nested field (the
        conditions are ANDed)."""
        result: list[ColumnElement[bool]] = []
        per_item: dict[str, list[Filter]] = defaultdict(list)
        for condition in conditions:
            if isinstance(condition, Related):
                result.append(self._related(condition))
            elif condition.op is Op.SEARCH and condition.field == SEARCH_FIELD:
                if (searched := _search(self._binding, condition)) is not None:
                    result.append(searched)
            elif condition.field in self._table.c:
                result.append(column_filter(self._table.c[condition.field], condition))
            elif (nested := condition.field.partition(".")[0]) in self._children:
                per_item[nested].append(condition)
            else:
                raise _unknown(condition)
        result += [self._item(self._children[name], filters) for name, filters in per_item.items()]
        return result

    def scope(self, scope: Scope) -> list[ColumnElement[bool]]:
        """The conditions of a scope that is not `nothing` (which the caller answers itself)."""
        result = self.of(scope.filters)
        if scope.either:
            result.append(or_(*(and_(true(), *self.of(group)) for group in scope.either)))
        return result

    def _item(self, children: Children, filters: Sequence[Filter]) -> ColumnElement[bool]:
        conditions = []
        for f in filters:
            column = children.table.c.get(f.field.partition(".")[2])
            if column is None or column.key not in children.mapper.fields:
                raise _unknown(f)
            conditions.append(column_filter(column, f))
        return exists_item(children, self._table, conditions)

    def _related(self, related: Related) -> ColumnElement[bool]:
        column = self._table.c.get(related.field)
        if column is None:
            raise InvalidQuery(f"'{related.field}' is not a field.", field=related.field)
        target = self._lookup(related.target)
        matching = select(target.table.c.id).where(*Conditions(target, self._lookup).of(related.filters))
        return column.in_(matching)
