"""Who may do what (DOMAIN.md), over HTTP, generated from one table.

The world is `matrix_world`'s. Each row of MATRIX is one role on one collection and target;
each cell the status of one route. Targets: `-` for the collection routes (list, and a create
with the default body), otherwise a record (see `World.target`): its POST creates a record like
it (same department, employee), the other routes act on it. 404 = outside the read scope, 403 =
a write on a visible record, 2xx = allowed. Each row is one test on a fresh world, its routes
called in the table's order (so an allowed DELETE comes last); a refused write must leave the
record as it was, and a list must show exactly the role's read scope (LISTS).

On the memory store each row builds its world through the API on a fresh app. On PostgreSQL,
where that took about a second a row, one app serves the module: each world is built through
the API once, its tables copied, and every row starts from those tables restored — the same
records, ids and accounts, the writes of earlier rows gone (`pg_world`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest

from adapters.postgres.database import Database
from adapters.postgres.embedded import connect
from tests.integration.accounts import access_token
from tests.integration.conftest import ADMIN_PASSWORD, API, PASSWORD, Stack, build_stack, pg_backend, serve
from tests.integration.matrix_world import BODIES, ME, PEER, PROPOSED, ROLES, World, build

Rows = dict[str, list[asyncpg.Record]]


@dataclass
class PgMatrix:
    """One app on the test database for the module, and each world (with or without the
    training records) as built once through the API, with a copy of its tables."""

    stack: Stack
    client: httpx.AsyncClient
    database_url: str
    base: Rows = field(default_factory=dict)
    """The tables with the admin only (and its session)."""
    worlds: dict[bool, tuple[World, Rows]] = field(default_factory=dict)

    async def world(self, *, training: bool) -> World:
        """That world, as it was built: its tables restored (built and copied the first time)."""
        if training not in self.worlds:
            await self._restore(self.base)
            world = await build(self.stack, self.client, training=training)
            self.worlds[training] = (world, await self._copy())
        world, rows = self.worlds[training]
        await self._restore(rows)
        return world

    async def _tables(self, conn: asyncpg.Connection) -> list[str]:
        records = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
        )
        return [r["tablename"] for r in records]

    async def _copy(self) -> Rows:
        conn = await connect(self.database_url)
        try:
            rows: Rows = {}
            for table in await self._tables(conn):
                columns = await conn.fetch(
                    "SELECT quote_ident(attname) AS c FROM pg_attribute WHERE attrelid = $1::regclass"
                    " AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                    table,
                )
                names = ", ".join(c["c"] for c in columns)
                rows[table] = await conn.fetch(f'SELECT {names} FROM "{table}"')
            return rows
        finally:
            await conn.close()

    async def _restore(self, rows: Rows) -> None:
        """Every table emptied, then refilled with `rows` (triggers and foreign-key checks off
        while copying: the rows are a consistent copy)."""
        conn = await connect(self.database_url)
        try:
            async with conn.transaction():
                tables = await self._tables(conn)
                await conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE")
                await conn.execute("SET LOCAL session_replication_role = replica")
                for table, records in rows.items():
                    if records:
                        await conn.copy_records_to_table(table, records=records, columns=list(records[0].keys()))
        finally:
            await conn.close()


@pytest.fixture(scope="module")
async def pg_matrix(pg: Database, database_url: str) -> AsyncIterator[PgMatrix]:
    matrix = PgMatrix(stack=build_stack(pg_backend(pg)), client=httpx.AsyncClient(), database_url=database_url)
    await matrix._restore({})
    async with serve(matrix.stack) as client:
        matrix.client = client
        matrix.base = await matrix._copy()
        yield matrix


@dataclass(frozen=True)
class Setting:
    stack: Stack
    client: httpx.AsyncClient
    """The admin."""
    pg: PgMatrix | None

    async def world(self, *, training: bool) -> World:
        if self.pg is not None:
            return await self.pg.world(training=training)
        return await build(self.stack, self.client, training=training)


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def setting(request: pytest.FixtureRequest) -> Setting:
    """Memory: a fresh app for the row. PostgreSQL: the module's app."""
    if request.param == "postgres":
        matrix: PgMatrix = request.getfixturevalue("pg_matrix")
        return Setting(matrix.stack, matrix.client, matrix)
    return Setting(request.getfixturevalue("memory_stack"), request.getfixturevalue("memory_client"), None)


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
admin     plans         -         200   201   .    .      .    .
admin     plans         other     .     201   200  200    200  204
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
manager   assessments   own       .     201   200  403    403  403
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
manager   plans         -         200   201   .    .      .    .
manager   plans         own       .     201   200  200    200  204
manager   plans         peer      .     201   200  200    200  204
manager   plans         other     .     403   404  404    404  404
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
employee  assessments   -         200   201   .    .      .    .
employee  assessments   own       .     201   200  403    403  403
employee  assessments   peer      .     .     404  404    404  404
employee  enrollments   -         200   201   .    .      .    .
employee  enrollments   own       .     201   200  200    200  403
employee  enrollments   peer      .     403   404  404    404  404
employee  enrollments   other     .     403   404  404    404  404
employee  feedback      -         200   201   .    .      .    .
employee  feedback      given     .     .     200  200    200  204
employee  feedback      received  .     .     200  403    403  403
employee  feedback      peer      .     .     404  404    404  404
employee  feedback      other     .     .     404  404    404  404
employee  courses       -         200   403   .    .      .    .
employee  courses       any       .     .     200  403    403  403
employee  plans         -         200   403   .    .      .    .
employee  plans         own       .     403   200  403    403  403
employee  plans         peer      .     403   404  404    404  404
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
loner     plans         -         200   403   .    .      .    .
loner     plans         other     .     .     404  404    404  404
"""

LISTS = """
collection    admin  manager          employee         loner
departments   *      *                Home             -
employees     *      Eve,Mona         Eve              -
competencies  *      *                *                *
users         *      user:mona        user:eve         user:lone
requirements  *      *                R-all,R-home     -
assessments   *      A-eve,A-mona,S-eve,S-mona  A-eve,S-eve  -
enrollments   *      N-eve,N-mona     N-eve            -
plans         *      P-eve,P-mona     P-eve            -
feedback      *      e>m,m>e,x>e,x>m  e>m,e>x,m>e,x>e  -
courses       *      *                *                *
"""
"""What each role's list shows, by world name; `*` every record of the world, `-` none."""

TRAINING = frozenset({"requirements", "assessments", "enrollments", "feedback", "courses", "plans"})


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
    setting: Setting, role: str, collection: str, target: str, expected: dict[str, int]
) -> None:
    stack, client, world = setting.stack, setting.client, await setting.world(training=collection in TRAINING)
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
            if route in ("PATCH", "PUT") and response.status_code == 200:
                current = response.json()

    assert actual == expected


ACTIONS = """
role      action     target  status
admin     validate   peer    200
admin     validate   other   200
admin     reject     other   200
admin     from-gaps  other   201
manager   validate   own     403
manager   validate   peer    200
manager   validate   other   404
manager   reject     own     403
manager   reject     peer    200
manager   reject     other   404
manager   from-gaps  own     201
manager   from-gaps  peer    201
manager   from-gaps  other   404
employee  validate   own     403
employee  validate   peer    404
employee  validate   other   404
employee  reject     own     403
employee  reject     peer    404
employee  from-gaps  own     403
employee  from-gaps  peer    404
employee  from-gaps  other   404
loner     validate   other   404
loner     reject     other   404
loner     from-gaps  other   404
"""
"""The learning loop's own routes (DOMAIN.md, "Who may do what (additions)"): reviewing a
self-assessment (`own` the caller's, `peer` a colleague's, `other` Xavier's, each proposed), and
planning an employee's gaps (`own`, `peer`, `other`: the employee). For the admin `peer` is Eve."""


def _action_rows() -> list[Any]:
    return [pytest.param(*row[:3], int(row[3]), id="-".join(row[:3])) for row in _table(ACTIONS)]


@pytest.mark.parametrize(("role", "action", "target", "expected"), _action_rows())
async def test_learning_loop_actions(setting: Setting, role: str, action: str, target: str, expected: int) -> None:
    stack, client, world = setting.stack, setting.client, await setting.world(training=True)
    person = {"own": ME.get(role, ""), "peer": PEER.get(role, "Eve"), "other": "Xavier"}[target]
    if action == "from-gaps":
        url, body = f"{API}/employees/{world.ids[person]}/plans/from-gaps", {"due_on": "2099-01-01"}
        watched = f"{API}/plans"
    else:
        url, body = f"{API}/assessments/{world.ids[f'{PROPOSED}-{person.lower()}']}/{action}", {"note": "seen"}
        watched = f"{API}/assessments/{world.ids[f'{PROPOSED}-{person.lower()}']}"
    before = (await client.get(watched)).json()
    password = ADMIN_PASSWORD if role == "admin" else PASSWORD
    async with stack.client(await access_token(client, ROLES[role], password)) as caller:
        response = await caller.post(url, json=body)
    assert response.status_code == expected, response.text
    if expected >= 400:
        assert (await client.get(watched)).json() == before, f"a refused {action} changed something"
    elif action != "from-gaps":
        assert response.json()["status"] == ("validated" if action == "validate" else "rejected")
