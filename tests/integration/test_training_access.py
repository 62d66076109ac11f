"""Who may call the domain routes (DOMAIN.md "Who may do what"), from one table, on both
adapters, in the world of `training_world`: mona manages Eng (linked to Cy), otto manages Ops
(linked to Olga), bob and ada are Eng employees, lone has no employee.

Coverage: the admin any department; a manager or an employee their own; another department is
403 for a manager (who may read every department) and 404 for an employee (who may not).
Competencies, gaps, recommendations: the admin anyone; a manager their department's employees;
an employee themselves; anyone else is 404. An allowed answer is the one the admin gets.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.conftest import API, Stack
from tests.integration.training_world import build_world

ACCESS = """
caller  route            target  status
admin   coverage         Eng     200
admin   coverage         Ops     200
admin   competencies     Olga    200
admin   gaps             Bob     200
admin   recommendations  Dee     200
mona    coverage         Eng     200
mona    coverage         Ops     403
mona    competencies     Ada     200
mona    gaps             Bob     200
mona    recommendations  Bob     200
mona    recommendations  Dee     200
mona    competencies     Olga    404
mona    gaps             Olga    404
mona    recommendations  Olga    404
otto    coverage         Ops     200
otto    coverage         Eng     403
otto    recommendations  Olga    200
otto    recommendations  Bob     404
bob     coverage         Eng     200
bob     coverage         Ops     404
bob     competencies     Bob     200
bob     gaps             Bob     200
bob     recommendations  Bob     200
bob     competencies     Ada     404
bob     gaps             Ada     404
bob     recommendations  Ada     404
bob     recommendations  Olga    404
lone    coverage         Eng     404
lone    coverage         Ops     404
lone    competencies     Bob     404
lone    gaps             Bob     404
lone    recommendations  Bob     404
"""
ROWS = [line.split() for line in ACCESS.strip().splitlines()[1:]]
CALLERS = sorted({row[0] for row in ROWS})


@pytest.mark.parametrize("caller", CALLERS)
async def test_domain_routes_answer_each_caller_per_the_rules(
    stack: Stack, client: httpx.AsyncClient, caller: str
) -> None:
    world = await build_world(stack, client)
    token = None if caller == "admin" else world.tokens[caller]
    expected: dict[tuple[str, str], int] = {}
    actual: dict[tuple[str, str], int] = {}
    async with stack.client(token) as http:
        if token is None:
            http.headers["Authorization"] = client.headers["Authorization"]
        for who, route, target, status in ROWS:
            if who != caller:
                continue
            owner = "departments" if route == "coverage" else "employees"
            url = f"{API}/{owner}/{world.ids[target]}/{route}"
            response = await http.get(url)
            expected[(route, target)] = int(status)
            actual[(route, target)] = response.status_code
            if response.status_code == 200:
                assert response.json() == (await client.get(url)).json(), url
            else:
                assert response.headers["content-type"] == "application/problem+json"

    assert actual == expected
