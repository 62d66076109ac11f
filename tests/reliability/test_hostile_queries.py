"""Hostile query strings, ids and look-alike emails: a clean 200, or the documented 4xx
problem (never a 500, never an injected statement), and one user / one employee per
normalised email (users fold look-alikes to one spelling: 409; employees refuse
compatibility forms: 422, and compare case-insensitively: 409)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.conftest import API
from tests.reliability.hostile_world import Attack, fingerprint

pytestmark = pytest.mark.postgres

LISTS = ("departments", "competencies", "employees", "users", "courses", "requirements", "assessments", "feedback")
SQL = (
    "'",
    "' OR '1'='1",
    "1; DROP TABLE departments; --",
    '"; SELECT pg_sleep(5); --',
    "%",
    "_",
    "\\",
    "name) --",
    "1/0",
    "$1",
    "ü' UNION SELECT password_hash FROM users --",
)
FILTERS = ("id", "created_at__gte", "name", "name__contains", "email__contains", "full_name__in", "title__contains")


async def _list(attack: Attack, collection: str, params: dict[str, str], allowed: set[int]) -> None:
    response = await attack.client.get(f"{API}/{collection}", params=params, headers=_as(attack, collection))
    assert response.status_code in allowed, (collection, params, response.status_code, response.text[:300])
    if response.status_code != 200:
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == response.status_code
    else:
        assert isinstance(response.json()["items"], list)


def _as(attack: Attack, collection: str) -> dict[str, str]:
    return attack.world.author if collection == "feedback" else {}


@pytest.mark.parametrize("collection", LISTS)
async def test_sql_metacharacters_in_filters_and_sort_are_400_or_a_clean_200(attack: Attack, collection: str) -> None:
    before = await fingerprint(attack.database_url)
    for value in SQL:
        for key in (*FILTERS, "q", value):
            await _list(attack, collection, {key: value}, {200, 400})
        await _list(attack, collection, {"sort": value}, {400})
        await _list(attack, collection, {"sort": f"name,{value}"}, {400})
    assert await fingerprint(attack.database_url) == before


@pytest.mark.parametrize("collection", LISTS)
@pytest.mark.parametrize("limit", ["-1", "0", "201", "1000000", "99999999999999999999", "1e3", "abc", " 5", ""])
async def test_bad_limits_are_400(attack: Attack, collection: str, limit: str) -> None:
    await _list(attack, collection, {"limit": limit}, {400})


@pytest.mark.parametrize("collection", LISTS)
async def test_malformed_cursors_and_ids_are_refused(attack: Attack, collection: str) -> None:
    for cursor in ("x", "%%%", "A" * 5000, "eyJhIjoxfQ", "eyJhIjoxfQ.c2ln", "..", "\u2603"):
        await _list(attack, collection, {"cursor": cursor}, {400})
    for value in ("not-a-uuid", "00000000-0000-0000-0000-00000000000g", "1" * 100, "'; --"):
        await _list(attack, collection, {"id": value}, {400})
    headers = _as(attack, collection)
    for record in ("not-a-uuid", "0" * 32 + "0", "%00", "..%2f..%2fetc", str(uuid.UUID(int=0))):
        response = await attack.client.get(f"{API}/{collection}/{record}", headers=headers)
        assert response.status_code in {400, 404, 422}, (record, response.text)
        assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("collection", LISTS)
async def test_naive_and_out_of_range_datetimes_in_filters_are_400(attack: Attack, collection: str) -> None:
    for value in ("2024-01-01T00:00:00", "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2024-13-01T00:00:00Z"):
        await _list(attack, collection, {"created_at__gte": value}, {400})


@pytest.mark.parametrize(
    "spelling",
    [
        "ANN@EXAMPLE.COM",
        "\uff41\uff4e\uff4e@example.com",
        " ann@example.com ",
        "Ann@Example.Com",
        "\uff21NN@EXAMPLE.COM",
    ],
)
async def test_look_alike_emails_are_one_user_and_one_employee(attack: Attack, spelling: str) -> None:
    before = await fingerprint(attack.database_url)
    user = await attack.client.post(
        f"{API}/users", json={"email": spelling, "password": "a-Long-passw0rd", "role": "employee"}
    )
    assert user.status_code == 409, user.text
    assert user.headers["content-type"] == "application/problem+json"
    body = attack.world.bodies()["employees"]("Ann Again")
    person = await attack.client.post(f"{API}/employees", json={**body, "email": spelling})
    assert person.status_code in {409, 422}, person.text  # a duplicate, or a spelling refused outright
    assert person.headers["content-type"] == "application/problem+json"
    assert await fingerprint(attack.database_url) == before
