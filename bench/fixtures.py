"""What the load scripts need and cannot make themselves: tokens, the cursor of a deep page,
the versions of the employees the PATCH bench changes, fresh refresh tokens. Made through the
servers' own HTTP APIs (and one database read), before the measured runs."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import asyncpg
import httpx

from bench.dataset import PASSWORD, POOL_BASE, Dataset, seeded, user_email
from bench.seed import dsn

APP_PREFIX = "/api/v1"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
PAGE = 50


def password_grant(base: str, email: str, password: str = PASSWORD) -> dict[str, str]:
    """The app's token response for a password grant (raises on anything but 200)."""
    form = {"grant_type": "password", "username": email, "password": password}
    response = httpx.post(f"{base}{APP_PREFIX}/auth/token", data=form, timeout=30)
    if response.status_code != 200:
        raise RuntimeError(f"login of {email} failed: {response.status_code} {response.text[:300]}")
    grant: dict[str, str] = response.json()
    return grant


def refresh_tokens(base: str, count: int) -> list[str]:
    """`count` new sessions (one per employee user), their refresh tokens."""
    return [password_grant(base, user_email(n))["refresh_token"] for n in range(count)]


def login_users(count: int) -> list[str]:
    """Form-encoded emails of `count` employee users, for the password-grant script."""
    return [quote(user_email(n), safe="") for n in range(count)]


def employee_ids(dataset: Dataset, count: int, seed: str = "ids") -> list[str]:
    """`count` ids of current employees of the regular departments (left ones excluded),
    deterministically chosen."""
    current = [i for i in range(dataset.sizes.employees) if not dataset.left(i)]
    chosen = seeded(seed).sample(current, min(count, len(current)))
    return [str(dataset.employees[i]) for i in chosen]


def department_staff(dataset: Dataset, department: int, count: int) -> list[str]:
    """`count` ids of current employees of department `department` (an index, the growth
    curve's departments included), deterministically chosen."""
    staff = [i for i in range(len(dataset.employees)) if dataset.department_of(i) == department]
    current = [i for i in staff if not dataset.left(i)]
    chosen = seeded(f"staff-{department}").sample(current, min(count, len(current)))
    return [str(dataset.employees[i]) for i in chosen]


def cursor_of_page(base: str, path: str, page: int, headers: dict[str, str]) -> tuple[str, str]:
    """Walk `path` (a list URL with `limit=50`) page by page: the cursor that reads page
    `page` (1-based) and the first id on it."""
    cursor = ""
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(page - 1):
            response = client.get(path, params={"cursor": cursor} if cursor else None)
            response.raise_for_status()
            cursor = response.json()["next_cursor"]
            if cursor is None:
                raise RuntimeError(f"{path} has fewer than {page} pages")
        response = client.get(path, params={"cursor": cursor} if cursor else None)
        response.raise_for_status()
        return cursor, str(response.json()["items"][0]["id"])


async def versions(database_url: str, ids: list[str]) -> list[list[object]]:
    """[[id, version], ...] of these employees, as stored now."""
    connection = await asyncpg.connect(dsn(database_url))
    try:
        rows = await connection.fetch("SELECT id::text, version FROM employees WHERE id = ANY($1::uuid[])", ids)
    finally:
        await connection.close()
    found = {row[0]: row[1] for row in rows}
    return [[id, found[id]] for id in ids]


_POOL_SPAN = (POOL_BASE, POOL_BASE + timedelta(days=2))
"""The pools' creation times (records the benches create are newer)."""


async def reopen_proposed(database_url: str) -> list[str]:
    """The pool of self-assessments the validate bench reviews, all `proposed` again (a
    previous run validated some); their ids, in a fixed order."""
    connection = await asyncpg.connect(dsn(database_url))
    try:
        await connection.execute(
            "UPDATE assessments SET status = 'proposed', reviewed_by = NULL, reviewed_on = NULL, review_note = NULL "
            "WHERE created_at >= $1 AND created_at < $2 AND source = 'self' AND status <> 'proposed'",
            *_POOL_SPAN,
        )
        rows = await connection.fetch(
            "SELECT id::text FROM assessments WHERE created_at >= $1 AND created_at < $2 AND source = 'self' "
            "ORDER BY id",
            *_POOL_SPAN,
        )
    finally:
        await connection.close()
    return [row[0] for row in rows]


async def reopen_in_progress(database_url: str) -> list[str]:
    """The pool of enrollments the completion bench completes, all `in_progress` again and
    the course evidence a previous run created deleted; their ids, in a fixed order."""
    connection = await asyncpg.connect(dsn(database_url))
    try:
        async with connection.transaction():
            await connection.execute("DELETE FROM assessments WHERE source = 'course'")
            await connection.execute(
                "UPDATE enrollments SET status = 'in_progress', completed_on = NULL "
                "WHERE created_at >= $1 AND created_at < $2 AND status <> 'in_progress'",
                *_POOL_SPAN,
            )
        rows = await connection.fetch(
            "SELECT id::text FROM enrollments WHERE created_at >= $1 AND created_at < $2 ORDER BY id", *_POOL_SPAN
        )
    finally:
        await connection.close()
    return [row[0] for row in rows]
