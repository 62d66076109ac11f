"""The measured endpoints: for each, the wrk script, its connections and the data the script
gets on the app (`/api/v1`, bearer token), on the tuned floor and on the naive floor (no
prefix, no token; only the benches marked `naive` have a naive equivalent)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from bench import fixtures
from bench.dataset import PASSWORD
from bench.profiles import Profile

Data = dict[str, Any]
Side = Literal["app", "floor", "naive"]
"""Which server a run loads: Upskill, the tuned floor (bench/floor.py) or the naive one
(bench/floor_naive.py)."""


@dataclass(slots=True)
class Context:
    """What every run's data is made from (fixed once the servers are up)."""

    profile: Profile
    database_url: str
    app_base: str
    floor_base: str
    token: str
    ids: list[str]
    departments: list[str]
    patch_pool: list[str]
    growth: list[str] = field(default_factory=list)
    """The small and the large department (the growth curves), when the data set has them."""
    growth_ids: list[list[str]] = field(default_factory=list)
    """Current employees of the small and of the large department (recommendations there)."""
    app_cursor: str = ""
    floor_cursor: str = ""
    naive_cursor: str = ""
    runs: int = field(default=0)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def side(self, side: Side) -> Data:
        """The prefix and headers of one side (both floors: no prefix, no token)."""
        if side == "app":
            headers = self.auth()
            return {
                "base": fixtures.APP_PREFIX,
                "token_path": f"{fixtures.APP_PREFIX}/auth/token",
                "headers": headers,
                "json_headers": {**headers, **fixtures.JSON},
                "patch_headers": {**headers, **fixtures.MERGE_PATCH},
                "form_headers": fixtures.FORM,
            }
        return {
            "base": "",
            "token_path": "/token",
            "headers": {},
            "json_headers": fixtures.JSON,
            "patch_headers": fixtures.JSON,
            "form_headers": fixtures.FORM,
        }

    def nonce(self) -> str:
        """Unique to each run of this bench process (created names never collide)."""
        self.runs += 1
        return f"{id(self) % 100_000}x{self.runs}"


@dataclass(frozen=True, slots=True)
class Bench:
    key: str
    label: str
    script: str
    data: Callable[[Context, Side], Data]
    """The script's data for one run on one side; made right before the run (versions and
    refresh tokens must be fresh)."""
    logins: bool = False
    """Uses the login connection count (the password grant)."""
    connections: int = 0
    """A fixed connection count (0: the profile's)."""
    naive: bool = False
    """The naive floor has this endpoint too (GET, list, POST, PATCH): measured there as well."""
    rounds: int = 0
    """Rounds of this bench (0: the profile's); the growth curves' extra departments take 2."""


def _ids(ctx: Context, side: Side) -> Data:
    return {"ids": ctx.ids}


def _first_page(ctx: Context, side: Side) -> Data:
    return {"query": "sort=full_name&limit=50"}


def _deep_page(ctx: Context, side: Side) -> Data:
    cursor = {"app": ctx.app_cursor, "floor": ctx.floor_cursor, "naive": ctx.naive_cursor}[side]
    return {"query": f"sort=full_name&limit=50&cursor={quote(cursor, safe='')}"}


def _create(ctx: Context, side: Side) -> Data:
    return {"run": ctx.nonce()}


def _patch(ctx: Context, side: Side) -> Data:
    return {"run": ctx.nonce(), "pool": asyncio.run(fixtures.versions(ctx.database_url, ctx.patch_pool))}


def _refresh(ctx: Context, side: Side) -> Data:
    return {"tokens": fixtures.refresh_tokens(ctx.app_base, ctx.profile.connections)}


def _password(ctx: Context, side: Side) -> Data:
    return {"users": fixtures.login_users(ctx.profile.login_connections), "password": quote(PASSWORD)}


def _department(growth: int | None) -> Callable[[Context, Side], Data]:
    """One department each time: a regular one at random (None) or one of the growth curve's
    (0: the small one, 1: the large one)."""

    def data(ctx: Context, side: Side) -> Data:
        return {"departments": ctx.departments if growth is None else [ctx.growth[growth]]}

    return data


def _staff(growth: int) -> Callable[[Context, Side], Data]:
    """A random current employee of a growth department (0: the small one, 1: the large one)."""

    def data(ctx: Context, side: Side) -> Data:
        return {"ids": ctx.growth_ids[growth]}

    return data


def _matrix(department: int | None, accept: str = "application/json") -> Callable[[Context, Side], Data]:
    """A department's matrix: a regular one (None: the first) or one of the growth curve's."""

    def data(ctx: Context, side: Side) -> Data:
        chosen = ctx.departments[0] if department is None else ctx.growth[department]
        return {"department": chosen, "accept": accept}

    return data


def _proposed(ctx: Context, side: Side) -> Data:
    return {"pool": asyncio.run(fixtures.reopen_proposed(ctx.database_url))}


def _in_progress(ctx: Context, side: Side) -> Data:
    return {"pool": asyncio.run(fixtures.reopen_in_progress(ctx.database_url))}


_CSV = "text/csv"
BENCHES = (
    Bench("get_employee", "GET /employees/{id} (authenticated, random id)", "get_employee", _ids, naive=True),
    Bench(
        "list_first", "GET /employees?sort=full_name&limit=50 (first page)", "list_employees", _first_page, naive=True
    ),
    Bench("list_deep", "GET /employees … deep page by cursor", "list_employees", _deep_page, naive=True),
    Bench("create_competency", "POST /competencies", "create_competency", _create, naive=True),
    Bench(
        "create_competency_key",
        "POST /competencies with an Idempotency-Key (floor: none)",
        "create_competency_key",
        _create,
    ),
    Bench("patch_employee", "PATCH /employees/{id} (If-Match)", "patch_employee", _patch, naive=True),
    Bench("refresh", "POST /auth/token refresh grant (floor: row read+update)", "refresh", _refresh),
    Bench("password", "POST /auth/token password grant (floor: argon2 + insert)", "password", _password, logins=True),
    # Their targets are latencies: one connection, so that p50 is a request's time, not a queue's.
    Bench("coverage", "GET /departments/{id}/coverage (1 connection)", "coverage", _department(None), connections=1),
    Bench(
        "recommendations", "GET /employees/{id}/recommendations (1 connection)", "recommendations", _ids, connections=1
    ),
    Bench("validate", "POST /assessments/{id}/validate (a proposed one each time)", "validate", _proposed),
    Bench(
        "complete_enrollment",
        "PATCH /enrollments/{id} status completed (course evidence)",
        "complete_enrollment",
        _in_progress,
    ),
    Bench("matrix", "GET /departments/{id}/matrix, JSON (1 connection)", "matrix", _matrix(None), connections=1),
    Bench(
        "matrix_csv", "GET /departments/{id}/matrix, CSV (1 connection)", "matrix", _matrix(None, _CSV), connections=1
    ),
    # The growth curves: the same views of the small (500) and the large (10,000) department.
    Bench("coverage_small", "… coverage, the small department", "coverage", _department(0), connections=1, rounds=2),
    Bench("coverage_large", "… coverage, the large department", "coverage", _department(1), connections=1, rounds=2),
    Bench(
        "recommendations_small",
        "… recommendations, an employee of the small department",
        "recommendations",
        _staff(0),
        connections=1,
        rounds=2,
    ),
    Bench(
        "recommendations_large",
        "… recommendations, an employee of the large department",
        "recommendations",
        _staff(1),
        connections=1,
        rounds=2,
    ),
    Bench("matrix_small", "… matrix JSON, the small department", "matrix", _matrix(0), connections=1, rounds=2),
    Bench("matrix_large", "… matrix JSON, the large department", "matrix", _matrix(1), connections=1, rounds=2),
    Bench(
        "matrix_csv_large", "… matrix CSV, the large department", "matrix", _matrix(1, _CSV), connections=1, rounds=2
    ),
)

HISTORY = ("coverage", "coverage_large", "recommendations", "recommendations_large", "matrix", "matrix_large")
"""The benches measured again on the data set with 4,000,000 older assessments (bench/history.py)."""
