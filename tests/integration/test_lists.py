"""Lists: envelope, keyset pages, `Link`, totals, filters, and 400 for a malformed query."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.integration.conftest import API, assert_problem, department, employee

# (full_name, hired_on): several share a date, so the second key decides within it.
STAFF = [
    ("Gus", "2021-05-01"),
    ("Ann", "2022-01-10"),
    ("Eve", "2021-05-01"),
    ("Cal", "2023-07-15"),
    ("Bea", "2022-01-10"),
    ("Fay", "2020-02-02"),
    ("Dan", "2021-05-01"),
]


async def _staff(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    sales = await department(client, "Sales")
    ops = await department(client, "Ops")
    people = {}
    for i, (name, hired_on) in enumerate(STAFF):
        dept = sales if i % 2 == 0 else ops
        people[name] = await employee(client, dept["id"], full_name=name, hired_on=hired_on)
    return people


async def _walk(client: httpx.AsyncClient, url: str) -> tuple[list[str], int]:
    """Follow `Link: rel="next"` from `url` to the last page; the names seen and the page count."""
    names: list[str] = []
    pages = 0
    next_url: str | None = url
    while next_url is not None:
        response = await client.get(next_url)
        assert response.status_code == 200, response.text
        body = response.json()
        pages += 1
        names += [e["full_name"] for e in body["items"]]
        link = response.headers.get("link")
        if body["next_cursor"] is None:
            assert link is None
            next_url = None
        else:
            assert link is not None
            assert link.endswith('>; rel="next"')
            next_url = link[1 : link.index(">")]
            assert parse_qs(urlsplit(next_url).query)["cursor"] == [body["next_cursor"]]
    return names, pages


async def test_a_list_is_an_envelope_with_the_default_sort(client: httpx.AsyncClient) -> None:
    await _staff(client)

    response = await client.get(f"{API}/employees")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "next_cursor", "total"}
    assert [e["full_name"] for e in body["items"]] == sorted(name for name, _ in STAFF)
    assert body["next_cursor"] is None
    assert body["total"] is None
    assert "link" not in response.headers


async def test_cursor_walk_over_pages_with_a_mixed_sort(client: httpx.AsyncClient) -> None:
    await _staff(client)
    expected = [name for name, _ in sorted(STAFF, key=lambda s: s[0])]
    expected.sort(key=lambda name: dict(STAFF)[name], reverse=True)  # stable: names stay ascending

    names, pages = await _walk(client, f"{API}/employees?sort=-hired_on,full_name&limit=2")

    assert names == expected
    assert pages == 4


async def test_count_true_adds_the_total_of_the_filtered_list(client: httpx.AsyncClient) -> None:
    await _staff(client)

    body = (await client.get(f"{API}/employees", params={"count": "true", "limit": 2})).json()
    assert body["total"] == len(STAFF)
    assert len(body["items"]) == 2
    filtered = (await client.get(f"{API}/employees", params={"count": "true", "hired_on": "2021-05-01"})).json()
    assert filtered["total"] == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"hired_on": "2021-05-01"}, ["Dan", "Eve", "Gus"]),
        ({"full_name__in": "Ann,Cal,Zed"}, ["Ann", "Cal"]),
        ({"hired_on__gte": "2022-01-10"}, ["Ann", "Bea", "Cal"]),
        ({"hired_on__lte": "2021-05-01"}, ["Dan", "Eve", "Fay", "Gus"]),
        ({"hired_on__gte": "2021-01-01", "hired_on__lte": "2022-12-31"}, ["Ann", "Bea", "Dan", "Eve", "Gus"]),
        ({"full_name__contains": "A"}, ["Ann", "Bea", "Cal", "Dan", "Fay"]),
        ({"email__contains": "EVE@"}, ["Eve"]),
    ],
)
async def test_filters_of_each_operator(client: httpx.AsyncClient, params: dict[str, str], expected: list[str]) -> None:
    await _staff(client)

    response = await client.get(f"{API}/employees", params=params)

    assert response.status_code == 200, response.text
    assert [e["full_name"] for e in response.json()["items"]] == expected


async def test_filters_by_reference_and_id(client: httpx.AsyncClient) -> None:
    people = await _staff(client)
    sales_id = people["Gus"]["department_id"]

    by_department = (await client.get(f"{API}/employees", params={"department_id": sales_id})).json()
    assert [e["full_name"] for e in by_department["items"]] == ["Bea", "Dan", "Eve", "Gus"]
    ids = f"{people['Ann']['id']},{people['Bea']['id']}"
    by_id = (await client.get(f"{API}/employees", params={"id__in": ids})).json()
    assert [e["full_name"] for e in by_id["items"]] == ["Ann", "Bea"]


async def test_filters_and_cursors_combine(client: httpx.AsyncClient) -> None:
    await _staff(client)

    names, pages = await _walk(client, f"{API}/employees?hired_on__lte=2022-01-10&sort=full_name&limit=2")

    assert names == ["Ann", "Bea", "Dan", "Eve", "Fay", "Gus"]
    assert pages == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("salary=1", "salary"),
        ("full_name__like=A", "full_name__like"),
        ("full_name__gte=A", "full_name__gte"),
        ("hired_on=someday", "hired_on"),
        ("department_id=42", "department_id"),
        ("created_at__gte=2024-01-01T00:00:00", "created_at__gte"),
        ("hired_on__in=2021-01-01,nope", "hired_on__in"),
        ("sort=salary", "sort"),
        ("sort=full_name,-full_name", "sort"),
        ("sort=", "sort"),
        ("cursor=not-a-cursor", "cursor"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("count=maybe", "count"),
        ("full_name=A&full_name=B", "full_name"),
        ("full_name=%00", "full_name"),
    ],
)
async def test_a_malformed_query_is_400_naming_the_parameter(client: httpx.AsyncClient, query: str, field: str) -> None:
    response = await client.get(f"{API}/employees?{query}")

    assert_problem(response, 400, "invalid-query", field=field)


async def test_a_cursor_only_continues_its_own_query(client: httpx.AsyncClient) -> None:
    await _staff(client)
    first = (await client.get(f"{API}/employees", params={"sort": "full_name", "limit": 2})).json()

    replayed = await client.get(
        f"{API}/employees", params={"sort": "-full_name", "limit": 2, "cursor": first["next_cursor"]}
    )

    assert_problem(replayed, 400, "invalid-query", field="cursor")


async def test_datetime_filters_take_rfc3339_with_an_offset(client: httpx.AsyncClient) -> None:
    await _staff(client)

    past = await client.get(
        f"{API}/employees", params={"created_at__gte": "2000-01-01T00:00:00+00:00", "count": "true"}
    )
    future = await client.get(f"{API}/employees", params={"created_at__gte": "2999-01-01T00:00:00Z", "count": "true"})

    assert past.json()["total"] == len(STAFF)
    assert future.json()["total"] == 0
