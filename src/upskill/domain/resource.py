"""Declarations of a resource: what the generic stack needs to know, written once per resource."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Generic, TypeVar

from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.query import MAX_LIMIT, Filter, ListQuery, Op, SortKey

E = TypeVar("E", bound=Entity)

TEXT_OPS = frozenset({Op.EQ, Op.IN, Op.CONTAINS})
KEY_OPS = frozenset({Op.EQ, Op.IN})
RANGE_OPS = frozenset({Op.EQ, Op.IN, Op.GTE, Op.LTE})
SEARCH_OPS = frozenset({Op.SEARCH})
SEARCH_FIELD = "q"
"""The filter name of full-text search over `Resource.search`."""


@dataclass(frozen=True, slots=True)
class Unique:
    """Values of `fields` are unique together (compared case-insensitively if asked; with
    `nulls_distinct=False` a null collides with a null, as in `NULLS NOT DISTINCT`).
    `name` is the database constraint or index that holds the rule."""

    name: str
    fields: tuple[str, ...]
    case_insensitive: bool = False
    nulls_distinct: bool = True
    where: tuple[Filter, ...] = ()
    """Only records matching these filters take part (a partial unique index)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """`field` holds the id of a `target` record; it must exist, and the target cannot be
    deleted while referenced. `name` is the database foreign key that holds the rule."""

    name: str
    field: str
    target: type[Entity]


@dataclass(frozen=True, slots=True)
class Nested:
    """A field holding a tuple of value objects (frozen dataclasses), stored relationally in a
    child table named `table`, one row per item keyed by the parent id, replaced whole on every
    write and returned inline. Filters and references name an item field as `field.item_field`;
    filters on one nested field hold for one and the same item."""

    field: str
    item: type[object]
    table: str


@dataclass(frozen=True, slots=True)
class Computed:
    """A value shown with each record but never stored nor accepted: `value(record, today)`
    (e.g. an enrollment's `overdue` flag, a user's `auth_methods`). Not filterable: it may
    change with the day. `annotation` is its type in the read schema."""

    name: str
    value: Callable[[Any, date], object]
    description: str
    annotation: object = bool


@dataclass(frozen=True)
class Resource(Generic[E]):
    entity: type[E]
    collection: str
    filters: Mapping[str, frozenset[Op]] = field(default_factory=dict)
    sortable: frozenset[str] = frozenset({"id", "created_at", "updated_at"})
    default_sort: tuple[SortKey, ...] = (SortKey("created_at"),)
    unique: tuple[Unique, ...] = ()
    references: tuple[Reference, ...] = ()
    read_only: frozenset[str] = frozenset()
    """Entity fields shown to clients but set only by the service (e.g. a feedback's author)."""
    hidden: frozenset[str] = frozenset()
    """Entity fields never shown to nor set by clients (e.g. a password hash)."""
    redacted: Mapping[str, str] = field(default_factory=dict)
    """Hidden fields whose change history records under a public name, without values (a
    password hash changes: history shows `password` changed)."""
    write_only: frozenset[str] = frozenset()
    """Text inputs that are not entity fields: the service turns them into fields (a password
    into its hash) and they are never returned."""
    nested: tuple[Nested, ...] = ()
    computed: tuple[Computed, ...] = ()
    search: tuple[str, ...] = ()
    """Text fields the full-text filter `q` (Op.SEARCH) searches: every word of the query must
    start a word of one of these fields, case-insensitively (words: runs of letters and digits)."""

    @property
    def label(self) -> str:
        return self.entity.label

    @property
    def writable(self) -> frozenset[str]:
        """What a client may send in a body."""
        return (frozenset(self.entity.data_fields()) - self.read_only - self.hidden) | self.write_only

    def validate(self, query: ListQuery) -> ListQuery:
        """The query with the default sort applied; raises InvalidQuery naming what is wrong."""
        for f in query.filters:
            allowed = self.filters.get(f.field)
            if allowed is None:
                raise InvalidQuery(f"'{f.field}' is not a filterable field.", field=f.field)
            if f.op not in allowed:
                raise InvalidQuery(f"'{f.field}' does not support '{f.op}'.", field=f"{f.field}__{f.op}")
        for key in query.sort:
            if key.field not in self.sortable:
                raise InvalidQuery(f"'{key.field}' is not a sortable field.", field="sort")
        if len({k.field for k in query.sort}) != len(query.sort):
            raise InvalidQuery("A sort key is repeated.", field="sort")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
        if not query.sort:
            return ListQuery(query.filters, self.default_sort, query.limit, query.cursor, query.with_total)
        return query
