"""`GET /api/v1/departments/{id}/matrix` over HTTP on both adapters: the grid as JSON and as
CSV (parsed back with Python's `csv` module), content negotiation, parameters and who may see
which department's (DOMAIN.md, "The skills matrix")."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, Stack, assert_problem, create, department, employee

TODAY = date.today()
HOSTILE_NAMES = ('=HYPERLINK("http://x")', "@SUM(1+1)", "+1 555", "-2 Minus", 'Quote "Q" Smith', "Comma, Carl")


@dataclass
class Grid:
    eng: str
    ops: str
    python: str
    sql: str
    people: dict[str, str]


@pytest.fixture
async def grid(stack: Stack, client: httpx.AsyncClient) -> Grid:
    """Eng: Python (advanced, 2 people, own; basic, 1, company-wide) and `SQL, "core"` (intermediate, 1,
    own). Ann holds Python expert (expiring in 10 days) and SQL intermediate; Bob Python
    advanced; Cy only claims Python; the hostile names hold nothing. Ops has no requirement but
    the company-wide one, and Olga."""
    eng, ops = (await department(client, "Eng"))["id"], (await department(client, "Ops"))["id"]
    python = (await create(client, "competencies", name="Python"))["id"]
    sql = (await create(client, "competencies", name='SQL, "core"'))["id"]
    people = {}
    for name in ("Ann", "Bob", "Cy", *HOSTILE_NAMES):
        email = f"{''.join(ch for ch in name if ch.isalnum()).lower()}@example.com"
        people[name] = (await employee(client, eng, full_name=name, email=email))["id"]
    people["Olga"] = (await employee(client, ops, full_name="Olga"))["id"]
    await create(client, "requirements", department_id=eng, competency_id=python, level="advanced", headcount=2)
    await create(client, "requirements", department_id=None, competency_id=python, level="basic", headcount=1)
    await create(client, "requirements", department_id=eng, competency_id=sql, level="intermediate", headcount=1)
    soon = (TODAY + timedelta(days=10)).isoformat()
    for who, skill, level, expires in (
        ("Ann", python, "expert", soon),
        ("Ann", sql, "intermediate", None),
        ("Bob", python, "advanced", None),
    ):
        body = {"employee_id": people[who], "competency_id": skill, "level": level, "assessed_on": "2024-01-01"}
        await create(client, "assessments", **body, expires_on=expires)
    await add_user(client, "cy@example.com", employee_id=people["Cy"])
    await add_user(client, "mgr@example.com", role="manager", employee_id=people["Bob"])
    async with stack.client(await access_token(client, "cy@example.com")) as cy:
        claim = {"employee_id": people["Cy"], "competency_id": python, "level": "advanced", "assessed_on": "2024-02-01"}
        assert (await cy.post(f"{API}/assessments", json=claim)).status_code == 201
    return Grid(eng, ops, python, sql, people)


async def test_the_grid_as_json(client: httpx.AsyncClient, grid: Grid) -> None:
    response = await client.get(f"{API}/departments/{grid.eng}/matrix")

    assert response.status_code == 200, response.text
    assert response.headers["vary"] == "Accept"
    body = response.json()
    assert (body["department_id"], body["on"], body["expiring_within_days"]) == (grid.eng, TODAY.isoformat(), 30)
    assert [(c["name"], c["level"], c["headcount"], c["covered"], c["gap"]) for c in body["competencies"]] == [
        ("Python", "advanced", 2, 2, 0),
        ('SQL, "core"', "intermediate", 1, 1, 0),
    ]
    python, sql = body["competencies"]
    assert (python["single_point_of_failure"], python["at_risk"]) == (False, True)  # Ann's expert lapses
    assert (sql["single_point_of_failure"], sql["at_risk"]) == (True, False)
    rows = {r["full_name"]: r for r in body["employees"]}
    assert [r["full_name"] for r in body["employees"]] == sorted(rows)
    ann = rows["Ann"]
    assert ann["cells"][grid.python] == {
        "level": "expert",
        "claimed_level": None,
        "expires_on": (TODAY + timedelta(days=10)).isoformat(),
        "expiring": True,
    }
    assert ann["sole_cover_of"] == [grid.sql]
    assert rows["Cy"]["cells"] == {
        grid.python: {"level": None, "claimed_level": "advanced", "expires_on": None, "expiring": False}
    }
    assert rows["Comma, Carl"]["cells"] == {}
    later = (await client.get(f"{API}/departments/{grid.eng}/matrix", params={"expiring_within_days": 5})).json()
    assert later["competencies"][0]["at_risk"] is False
    assert {r["full_name"]: r for r in later["employees"]}["Ann"]["cells"][grid.python]["expiring"] is False
    past = (await client.get(f"{API}/departments/{grid.eng}/matrix", params={"on": "2023-12-31"})).json()
    assert [c["covered"] for c in past["competencies"]] == [0, 0]  # nobody assessed yet


async def test_the_grid_as_csv_for_a_spreadsheet(client: httpx.AsyncClient, grid: Grid) -> None:
    response = await client.get(f"{API}/departments/{grid.eng}/matrix", headers={"Accept": "text/csv"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="skills-matrix-{grid.eng}-{TODAY.isoformat()}.csv"'
    )
    assert b"\r\n" in response.content
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert table[0] == ["employee", "email", "Python (advanced \u00d72)", 'SQL, "core" (intermediate \u00d71)']
    rows = {row[0]: row for row in table[1:]}
    assert len(table) == 1 + 3 + len(HOSTILE_NAMES)
    assert rows["Ann"][2:] == ["expert", "intermediate"]
    assert rows["Bob"][2:] == ["advanced", ""]
    assert rows["Cy"][2:] == ["", ""]  # a claim is not a level
    for name in HOSTILE_NAMES:
        shown = "'" + name if name[0] in "=+-@" else name
        assert shown in rows, (name, sorted(rows))
        assert rows[shown][2:] == ["", ""]
    json_rows = (await client.get(f"{API}/departments/{grid.eng}/matrix")).json()["employees"]
    assert [r[0] for r in table[1:]] == [
        ("'" + r["full_name"]) if r["full_name"][0] in "=+-@" else r["full_name"] for r in json_rows
    ]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("text/*", "text/csv; charset=utf-8"),
        ("text/csv;q=0.9, application/json;q=0.5", "text/csv; charset=utf-8"),
        ("application/json, text/csv", "application/json"),
        ("text/csv, */*;q=0.1", "text/csv; charset=utf-8"),
        ("application/xml, */*;q=0.2", "application/json"),
    ],
)
async def test_content_negotiation(client: httpx.AsyncClient, grid: Grid, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    if accept is None:
        client.headers.pop("Accept", None)
    response = await client.get(f"{API}/departments/{grid.eng}/matrix", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == expected


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "text/csv;q=0, application/json;q=0", "image/*"])
async def test_other_formats_are_406(client: httpx.AsyncClient, grid: Grid, accept: str) -> None:
    response = await client.get(f"{API}/departments/{grid.eng}/matrix", headers={"Accept": accept})
    assert_problem(response, 406, "not-acceptable")


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"on": "2024-13-01"}, 422, "on"),
        ({"on": "yesterday"}, 422, "on"),
        ({"expiring_within_days": "366"}, 422, "expiring_within_days"),
        ({"expiring_within_days": "-1"}, 422, "expiring_within_days"),
        ({"expiring_within_days": "1.5"}, 422, "expiring_within_days"),
        ({"window": "3"}, 400, "window"),
    ],
)
async def test_parameters_are_checked(
    client: httpx.AsyncClient, grid: Grid, params: dict[str, str], status: int, field: str
) -> None:
    response = await client.get(f"{API}/departments/{grid.eng}/matrix", params=params)
    assert_problem(response, status, "invalid-input" if status == 422 else "invalid-query", field=field)


async def test_a_department_without_requirements_lists_its_people(client: httpx.AsyncClient, grid: Grid) -> None:
    lonely = (await department(client, "Lonely"))["id"]
    await employee(client, lonely, full_name="Lee", email="lee@example.com")
    body = (await client.get(f"{API}/departments/{lonely}/matrix")).json()
    only_company_wide = (await client.get(f"{API}/departments/{grid.ops}/matrix")).json()

    assert [c["name"] for c in only_company_wide["competencies"]] == ["Python"]
    assert [r["full_name"] for r in only_company_wide["employees"]] == ["Olga"]
    assert body["competencies"] == [c for c in body["competencies"] if c["name"] == "Python"]  # the company-wide one
    assert [r["full_name"] for r in body["employees"]] == ["Lee"]


async def test_who_may_see_which_matrix(stack: Stack, client: httpx.AsyncClient, grid: Grid) -> None:
    async with (
        stack.client(await access_token(client, "mgr@example.com")) as manager,
        stack.client(await access_token(client, "cy@example.com")) as employee_,
    ):
        assert (await manager.get(f"{API}/departments/{grid.eng}/matrix")).status_code == 200
        assert (
            await manager.get(f"{API}/departments/{grid.eng}/matrix", headers={"Accept": "text/csv"})
        ).status_code == 200
        assert_problem(await manager.get(f"{API}/departments/{grid.ops}/matrix"), 403, "forbidden")
        assert_problem(await employee_.get(f"{API}/departments/{grid.eng}/matrix"), 403, "forbidden")
        assert_problem(await employee_.get(f"{API}/departments/{grid.ops}/matrix"), 404, "not-found")
    missing = "01900000-0000-7000-8000-000000000000"
    assert_problem(await client.get(f"{API}/departments/{missing}/matrix"), 404, "not-found")
