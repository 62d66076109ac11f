"""Resource.validate: names what is wrong with a list query, and applies the default sort."""

from __future__ import annotations

import pytest

from upskill.domain.errors import InvalidQuery
from upskill.domain.query import MAX_LIMIT, Filter, ListQuery, Op, SortKey
from upskill.domain.resources import DEPARTMENTS, EMPLOYEES


@pytest.mark.parametrize(
    ("query", "field"),
    [
        (ListQuery(filters=(Filter("colour", Op.EQ, "red"),)), "colour"),
        (ListQuery(filters=(Filter("version", Op.EQ, 1),)), "version"),
        (ListQuery(filters=(Filter("name", Op.GTE, "a"),)), "name__gte"),
        (ListQuery(filters=(Filter("id", Op.CONTAINS, "a"),)), "id__contains"),
        (ListQuery(filters=(Filter("name", Op.SEARCH, "a"),)), "name__search"),
        (ListQuery(sort=(SortKey("description"),)), "sort"),
        (ListQuery(sort=(SortKey("name"), SortKey("name", descending=True))), "sort"),
        (ListQuery(limit=0), "limit"),
        (ListQuery(limit=MAX_LIMIT + 1), "limit"),
    ],
    ids=[
        "unknown-filter",
        "unfilterable",
        "op",
        "op-on-key",
        "search",
        "sort",
        "repeated-sort",
        "limit-0",
        "limit-max",
    ],
)
def test_an_invalid_query_names_what_is_wrong(query: ListQuery, field: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        DEPARTMENTS.validate(query)
    assert caught.value.field == field


def test_an_unsorted_query_gets_the_default_sort() -> None:
    query = ListQuery(filters=(Filter("full_name", Op.CONTAINS, "a"),), limit=7, cursor="c", with_total=True)
    validated = EMPLOYEES.validate(query)
    assert validated == ListQuery(query.filters, (SortKey("full_name"),), 7, "c", True)
    assert validated.ordering() == (SortKey("full_name"), SortKey("id"))


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_a_valid_query_is_kept(limit: int) -> None:
    query = ListQuery(
        filters=(Filter("hired_on", Op.GTE, "2020-01-01"), Filter("department_id", Op.IN, ())),
        sort=(SortKey("hired_on", descending=True), SortKey("email")),
        limit=limit,
    )
    assert EMPLOYEES.validate(query) == query


@pytest.mark.parametrize(
    ("sort", "ordering"),
    [
        ((SortKey("name", descending=True),), (SortKey("name", True), SortKey("id", True))),
        ((SortKey("name", True), SortKey("created_at")), (SortKey("name", True), SortKey("created_at"), SortKey("id"))),
        ((SortKey("id", True), SortKey("name")), (SortKey("id", True), SortKey("name"))),
    ],
)
def test_the_ordering_breaks_ties_by_id_in_the_last_keys_direction(
    sort: tuple[SortKey, ...], ordering: tuple[SortKey, ...]
) -> None:
    assert ListQuery(sort=sort).ordering() == ordering
