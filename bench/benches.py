"""The measured endpoints: for each, the wrk script, its connections and the data the script
gets on the app (`/api/v1`, bearer token) and on the floor (no prefix, no token)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bench import fixtures
from bench.dataset import PASSWORD
from bench.profiles import Profile

Data = dict[str, Any]


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
    """The small and the large department (the matrix growth curve), when the data set has them."""
    app_cursor: str = ""
    floor_cursor: str = ""
    runs: int = field(default=0)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def side(self, app: bool) -> Data:
        """The prefix and headers of one side."""
        if app:
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
    data: Callable[[Context, bool], Data]
    """The script's data for one run on the app (True) or the floor (False); made right
    before the run (versions and refresh tokens must be fresh)."""
    logins: bool = False
    """Uses the login connection count (the password grant)."""
    connections: int = 0
    """A fixed connection count (0: the profile's)."""


def _ids(ctx: Context, app: bool) -> Data:
    return {"ids": ctx.ids}


def _first_page(ctx: Context, app: bool) -> Data:
    return {"query": "sort=full_name&limit=50"}


def _deep_page(ctx: Context, app: bool) -> Data:
    cursor = ctx.app_cursor if app else ctx.floor_cursor
    return {"query": f"sort=full_name&limit=50&cursor={quote(cursor, safe='')}"}


def _create(ctx: Context, app: bool) -> Data:
    return {"run": ctx.nonce()}


def _patch(ctx: Context, app: bool) -> Data:
    return {"run": ctx.nonce(), "pool": asyncio.run(fixtures.versions(ctx.database_url, ctx.patch_pool))}


def _refresh(ctx: Context, app: bool) -> Data:
    return {"tokens": fixtures.refresh_tokens(ctx.app_base, ctx.profile.connections)}


def _password(ctx: Context, app: bool) -> Data:
    return {"users": fixtures.login_users(ctx.profile.login_connections), "password": quote(PASSWORD)}


def _departments(ctx: Context, app: bool) -> Data:
    return {"departments": ctx.departments}


def _matrix(department: int | None, accept: str = "application/json") -> Callable[[Context, bool], Data]:
    """A department's matrix: a regular one (None: the first) or one of the growth curve's."""

    def data(ctx: Context, app: bool) -> Data:
        chosen = ctx.departments[0] if department is None else ctx.growth[department]
        return {"department": chosen, "accept": accept}

    return data


def _proposed(ctx: Context, app: bool) -> Data:
    return {"pool": asyncio.run(fixtures.reopen_proposed(ctx.database_url))}


def _in_progress(ctx: Context, app: bool) -> Data:
    return {"pool": asyncio.run(fixtures.reopen_in_progress(ctx.database_url))}


BENCHES = (
    Bench("get_employee", "GET /employees/{id} (authenticated, random id)", "get_employee", _ids),
    Bench("list_first", "GET /employees?sort=full_name&limit=50 (first page)", "list_employees", _first_page),
    Bench("list_deep", "GET /employees … deep page by cursor", "list_employees", _deep_page),
    Bench("create_competency", "POST /competencies", "create_competency", _create),
    Bench(
        "create_competency_key",
        "POST /competencies with an Idempotency-Key (floor: none)",
        "create_competency_key",
        _create,
    ),
    Bench("patch_employee", "PATCH /employees/{id} (If-Match)", "patch_employee", _patch),
    Bench("refresh", "POST /auth/token refresh grant (floor: row read+update)", "refresh", _refresh),
    Bench("password", "POST /auth/token password grant (floor: argon2 + insert)", "password", _password, logins=True),
    # Their targets are latencies: one connection, so that p50 is a request's time, not a queue's.
    Bench("coverage", "GET /departments/{id}/coverage (1 connection)", "coverage", _departments, connections=1),
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
        "matrix_csv",
        "GET /departments/{id}/matrix, CSV (1 connection)",
        "matrix",
        _matrix(None, "text/csv"),
        connections=1,
    ),
    Bench("matrix_small", "… matrix JSON, the small department", "matrix", _matrix(0), connections=1),
    Bench("matrix_large", "… matrix JSON, the large department", "matrix", _matrix(1), connections=1),
)
