"""Who may do what (DOMAIN.md), over HTTP, generated from one table.

The world is `matrix_world`'s. Each row of MATRIX is one role on one collection and target;
each cell the status of one route. Targets: `-` for the collection routes (list, and a create
with the default body), otherwise a record (see `World.target`): its POST creates a record like
it (same department, employee), the other routes act on it. 404 = outside the read scope, 403 =
a write on a visible record, 2xx = allowed. Each row is one test on a fresh world, its routes
called in the table's order (so an allowed DELETE comes last); a refused write must leave the
record as it was, and a list must show exactly the role's read scope (LISTS).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.accounts import access_token
from tests.integration.conftest import ADMIN_PASSWORD, API, PASSWORD, Stack
from tests.integration.matrix_world import BODIES, ROLES, World, build

MATRIX = """
role      collection    target    LIST  POST  GET  PATCH  PUT  DELETE
admin     departments   -         200   201   .    .      .    .
admin     departments   other     .     .     200  200    200  204
admin     employees     -         200   201   .    .      .    .
admin     employees     other     .     .     200  200    200  204
admin     competencies  -         200   201   .    .      .    .
admin     competencies  any       .     .     200  200    200  204
admin     users         -         200   201   .    .      .    .
admin     users         own       .     .     200  200    200  204
admin     users         other     .     .     200  200    200  204
admin     requirements  -         200   201   .    .      .    .
admin     requirements  other     .     201   200  200    200  204
admin     requirements  company   .     201   200  200    200  204
admin     assessments   -         200   201   .    .      .    .
admin     assessments   other     .     201   200  200    200  204
admin     enrollments   -         200   201   .    .      .    .
admin     enrollments   other     .     201   200  200    200  204
admin     feedback      -         200   403   .    .      .    .
admin     feedback      other     .     .     200  200    200  204
admin     courses       -         200   201   .    .      .    .
admin     courses       any       .     .     200  200    200  204
manager   departments   -         200   403   .    .      .    .
manager   departments   own       .     .     200  403    403  403
manager   departments   other     .     .     200  403    403  403
manager   employees     -         200   403   .    .      .    .
manager   employees     own       .     .     200  403    403  403
manager   employees     peer      .     .     200  403    403  403
manager   employees     other     .     .     404  404    404  404
manager   competencies  -         200   403   .    .      .    .
manager   competencies  any       .     .     200  403    403  403
manager   users         -         200   403   .    .      .    .
manager   users         own       .     .     200  403    403  403
manager   users         other     .     .     404  404    404  404
manager   requirements  -         200   201   .    .      .    .
manager   requirements  own       .     201   200  200    200  204
manager   requirements  company   .     403   200  403    403  403
manager   requirements  other     .     403   200  403    403  403
manager   assessments   -         200   201   .    .      .    .
manager   assessments   own       .     201   200  200    200  204
manager   assessments   peer      .     201   200  200    200  204
manager   assessments   other     .     403   404  404    404  404
manager   enrollments   -         200   201   .    .      .    .
manager   enrollments   peer      .     201   200  200    200  204
manager   enrollments   other     .     403   404  404    404  404
manager   feedback      -         200   201   .    .      .    .
manager   feedback      given     .     .     200  200    200  204
manager   feedback      received  .     .     200  403    403  403
manager   feedback      peer      .     .     200  403    403  403
manager   feedback      other     .     .     404  404    404  404
manager   courses       -         200   403   .    .      .    .
manager   courses       any       .     .     200  403    403  403
employee  departments   -         200   403   .    .      .    .
employee  departments   own       .     .     200  403    403  403
employee  departments   other     .     .     404  404    404  404
employee  employees     -         200   403   .    .      .    .
employee  employees     own       .     .     200  403    403  403
employee  employees     peer      .     .     404  404    404  404
employee  employees     other     .     .     404  404    404  404
employee  competencies  -         200   403   .    .      .    .
employee  competencies  any       .     .     200  403    403  403
employee  users         -         200   403   .    .      .    .
employee  users         own       .     .     200  403    403  403
employee  users         other     .     .     404  404    404  404
employee  requirements  -         200   403   .    .      .    .
employee  requirements  own       .     .     200  403    403  403
employee  requirements  company   .     .     200  403    403  403
employee  requirements  other     .     .     404  404    404  404
employee  assessments   -         200   403   .    .      .    .
employee  assessments   own       .     403   200  403    403  403
employee  assessments   peer      .     .     404  404    404  404
employee  enrollments   -         200   201   .    .      .    .
employee  enrollments   own       .     201   200  200    200  204
employee  enrollments   peer      .     403   404  404    404  404
employee  enrollments   other     .     403   404  404    404  404
employee  feedback      -         200   201   .    .      .    .
employee  feedback      given     .     .     200  200    200  204
employee  feedback      received  .     .     200  403    403  403
employee  feedback      peer      .     .     404  404    404  404
employee  feedback      other     .     .     404  404    404  404
employee  courses       -         200   403   .    .      .    .
employee  courses       any       .     .     200  403    403  403
loner     departments   -         200   403   .    .      .    .
loner     departments   other     .     .     404  404    404  404
loner     employees     -         200   403   .    .      .    .
loner     employees     other     .     .     404  404    404  404
loner     competencies  -         200   403   .    .      .    .
loner     competencies  any       .     .     200  403    403  403
loner     users         -         200   403   .    .      .    .
loner     users         own       .     .     200  403    403  403
loner     users         other     .     .     404  404    404  404
loner     requirements  -         200   403   .    .      .    .
loner     requirements  company   .     .     404  404    404  404
loner     assessments   -         200   403   .    .      .    .
loner     assessments   other     .     .     404  404    404  404
loner     enrollments   -         200   403   .    .      .    .
loner     enrollments   other     .     .     404  404    404  404
loner     feedback      -         200   403   .    .      .    .
loner     feedback      other     .     .     404  404    404  404
loner     courses       -         200   403   .    .      .    .
loner     courses       any       .     .     200  403    403  403
"""

LISTS = """
collection    admin  manager          employee         loner
departments   *      *                Home             -
employees     *      Eve,Mona         Eve              -
competencies  *      *                *                *
users         *      user:mona        user:eve         user:lone
requirements  *      *                R-all,R-home     -
assessments   *      A-eve,A-mona     A-eve            -
enrollments   *      N-eve,N-mona     N-eve            -
feedback      *      e>m,m>e,x>e,x>m  e>m,e>x,m>e,x>e  -
courses       *      *                *                *
"""
"""What each role's list shows, by world name; `*` every record of the world, `-` none."""

TRAINING = frozenset({"requirements", "assessments", "enrollments", "feedback", "courses"})


def _table(text: str) -> list[list[str]]:
    return [line.split() for line in text.strip().splitlines()[1:]]


ROUTES = tuple(MATRIX.strip().splitlines()[0].split()[3:])


def _rows() -> list[Any]:
    rows = []
    for role, collection, target, *cells in _table(MATRIX):
        expected = {route: int(cell) for route, cell in zip(ROUTES, cells, strict=True) if cell != "."}
        rows.append(pytest.param(role, collection, target, expected, id=f"{role}-{collection}-{target}"))
    return rows


def _visible(world: World, role: str, collection: str) -> list[str]:
    roles = LISTS.strip().splitlines()[0].split()
    cell = next(r for r in _table(LISTS) if r[0] == collection)[roles.index(role)]
    if cell == "*":
        return world.everything(collection)
    return [] if cell == "-" else cell.split(",")


@pytest.mark.parametrize(("role", "collection", "target", "expected"), _rows())
async def test_authorization_matrix(
    stack: Stack, client: httpx.AsyncClient, role: str, collection: str, target: str, expected: dict[str, int]
) -> None:
    world = await build(stack, client, training=collection in TRAINING)
    password = ADMIN_PASSWORD if role == "admin" else PASSWORD
    collection_url = url = f"{API}/{collection}"
    create_body, patch_body, put_body = BODIES[collection]
    current: dict[str, Any] | None = None
    if target != "-":
        url = f"{url}/{world.target(role, collection, target)}"
        current = (await client.get(url)).json()  # as the admin sees it
    actual: dict[str, int] = {}
    async with stack.client(await access_token(client, ROLES[role], password)) as caller:
        for route in expected:
            if route == "POST":
                response = await caller.post(collection_url, json=create_body(world, current))
            elif route == "LIST":
                response = await caller.get(url, params={"count": "true"})
                if response.status_code == 200:
                    listed = response.json()
                    assert sorted(world.name_of(r["id"]) for r in listed["items"]) == _visible(world, role, collection)
                    assert listed["total"] == len(listed["items"])
            elif route == "GET":
                response = await caller.get(url)
            elif route == "PATCH":
                assert current is not None
                response = await caller.patch(url, json=patch_body(current))
            elif route == "PUT":
                assert current is not None
                response = await caller.put(url, json=put_body(current))
            else:
                response = await caller.delete(url)
            actual[route] = response.status_code
            if current is not None and route != "GET" and response.status_code >= 400:
                assert (await client.get(url)).json() == current, f"a refused {route} changed the record"

    assert actual == expected
