"""Hostile input on every write route and every list: each answers its documented 4xx problem
(`application/problem+json`), never a 500, and leaves the database as it was."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from tests.integration.conftest import API
from tests.reliability.hostile_world import LIMIT, Attack, fingerprint

pytestmark = pytest.mark.postgres

COLLECTIONS = (
    "departments",
    "competencies",
    "employees",
    "users",
    "courses",
    "requirements",
    "assessments",
    "feedback",
    "enrollments",
    "plans",
)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_bodies_over_the_limit_are_413(attack: Attack, collection: str) -> None:
    for method, path in attack.targets(collection):
        await attack.refused_without_change(method, path, b'{"name": "' + b"x" * LIMIT + b'"}', {413})


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_deeply_nested_json_is_a_4xx(attack: Attack, collection: str) -> None:
    nested = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    arrays = b"[" * 10_000 + b"]" * 10_000
    for method, path in attack.targets(collection):
        await attack.refused_without_change(method, path, nested, {400, 422})
        await attack.refused_without_change(method, path, arrays, {400, 422})


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_invalid_utf8_is_400_or_422(attack: Attack, collection: str) -> None:
    for method, path in attack.targets(collection):
        await attack.refused_without_change(method, path, b'{"name": "\xff\xfe\xc3("}', {400, 422})


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_wrong_types_and_extra_fields_are_422(attack: Attack, collection: str) -> None:
    valid = attack.world.bodies()[collection]("Fine Name")
    for method, path in attack.targets(collection):
        for body in (
            [valid],
            "text",
            42,
            {**valid, "colour": "red"},
            {**valid, "id": str(uuid.uuid4())},
            {**valid, "version": 7},
            {key: {"$gt": ""} for key in valid},
            {key: [1, 2] for key in valid},
        ):
            await attack.refused_without_change(method, path, _json(body), {422})


@pytest.mark.parametrize("collection", COLLECTIONS)
async def test_nul_bytes_and_1mb_strings_in_text_are_refused(attack: Attack, collection: str) -> None:
    body = attack.world.bodies()[collection]
    text_fields = [k for k, v in body("probe").items() if v == "probe"]
    for method, path in attack.targets(collection):
        for field in text_fields:
            for bad in ("Sa\x00les", "x" * 1_000_000):
                await attack.refused_without_change(method, path, _json({**body("ok"), field: bad}), {413, 422})


@pytest.mark.parametrize(
    ("collection", "field"), [("employees", "hired_on"), ("assessments", "assessed_on"), ("employees", "left_on")]
)
@pytest.mark.parametrize("value", ["0000-01-01", "10000-01-01", "2024-02-30", "2024-01-01T10:30:00+02:00", "", -1])
async def test_dates_out_of_range_are_422(attack: Attack, collection: str, field: str, value: object) -> None:
    body = attack.world.bodies()[collection]("Date Probe")
    for method, path in attack.targets(collection):
        await attack.refused_without_change(method, path, _json({**body, field: value}), {422})


AUTH_JSON = (f"{API}/auth/register", f"{API}/auth/password")


@pytest.mark.parametrize("path", AUTH_JSON)
async def test_auth_json_routes_refuse_hostile_bodies(attack: Attack, path: str) -> None:
    await attack.refused_without_change("POST", path, b"{}" + b" " * LIMIT, {413})
    await attack.refused_without_change("POST", path, b"[" * 10_000 + b"]" * 10_000, {400, 422})
    await attack.refused_without_change("POST", path, b'{"email": "\xff"}', {400, 422})
    for body in ({"colour": 1}, {"email": 5, "password": []}, {"current_password": "x\x00", "new_password": 3}):
        await attack.refused_without_change("POST", path, _json(body), {422})
    await attack.refused_without_change("POST", path, _json({"email": "x" * 1_000_000, "password": "p"}), {413, 422})


@pytest.mark.parametrize("path", [f"{API}/auth/token", f"{API}/auth/revoke", f"{API}/auth/introspect"])
async def test_form_routes_refuse_hostile_bodies(attack: Attack, path: str) -> None:
    form = "application/x-www-form-urlencoded"
    before = await fingerprint(attack.database_url)
    too_large = await attack.send("POST", path, b"token=" + b"x" * LIMIT, form)
    assert too_large.status_code == 413
    for content in (b"token=\xff\xfe", b"%%%", b"=" * 50_000, b"token=a&token=b", b"a=1&" * 5_000):
        response = await attack.send("POST", path, content, form)
        assert response.status_code == 400, (content[:20], response.text)
        assert response.json()["error"] == "invalid_request"
    nul = await attack.send("POST", path, b"token=a%00b&grant_type=password&username=a%00&password=b", form)
    assert nul.status_code in {200, 400}, nul.text  # revoke: always 200; introspect: inactive; token: refused
    assert nul.json().get("active", False) is False if nul.content else True
    assert await fingerprint(attack.database_url) == before
