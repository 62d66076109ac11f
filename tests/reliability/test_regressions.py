"""Regressions for what the reliability suites found, on both storage adapters."""

from __future__ import annotations

import httpx

from tests.integration.conftest import API, assert_problem, department, employee


async def test_a_full_width_look_alike_of_an_employee_email_is_refused(client: httpx.AsyncClient) -> None:
    """Found by the hostile-input suite: a full-width `ann@example.com` was stored as a second
    employee beside `ann@example.com`, since the unique constraint compares case only."""
    sales = (await department(client))["id"]
    await employee(client, sales, email="ann@example.com")
    body = {"full_name": "Ann Again", "department_id": sales, "hired_on": "2022-01-01"}
    for spelling in ("\uff41\uff4e\uff4e@example.com", "\uff21NN@EXAMPLE.COM"):
        refused = await client.post(f"{API}/employees", json={**body, "email": spelling})
        assert_problem(refused, 422, "invalid-input", field="email")
    duplicate = await client.post(f"{API}/employees", json={**body, "email": "ANN@example.com"})
    assert_problem(duplicate, 409, "conflict")
    listed = (await client.get(f"{API}/employees", params={"count": "true"})).json()
    assert listed["total"] == 1
