"""Two replicas on one database agree: nothing in the service assumes it is alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.system.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Server, serve, wait_ready

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def replicas(shared_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """Two servers started at the same moment on an EMPTY database: both migrate (serialised
    by the migration lock) and both try to create the first admin (one wins)."""
    logs = tmp_path_factory.mktemp("logs")
    with serve(shared_env, logs) as a, serve(shared_env, logs) as b:
        wait_ready(a)
        wait_ready(b)
        yield a, b


def login(server: Server, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/auth/token",
        data={"grant_type": "password", "username": email, "password": password},
        timeout=10,
    )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_concurrent_start_ups_migrate_once_and_create_one_admin(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    token = login(a).json()["access_token"]
    users = httpx.get(f"{b.base_url}/api/v1/users", params={"role": "admin"}, headers=bearer(token), timeout=10)
    assert users.status_code == 200
    assert [u["email"] for u in users.json()["items"]] == [ADMIN_EMAIL]


def test_a_token_issued_by_one_replica_is_accepted_by_the_other(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    token = login(a).json()["access_token"]
    me = httpx.get(f"{b.base_url}/api/v1/auth/me", headers=bearer(token), timeout=10)
    assert me.status_code == 200
    assert me.json()["email"] == ADMIN_EMAIL


def test_logout_on_one_replica_is_refused_at_once_on_the_other(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    token = login(a).json()["access_token"]
    assert httpx.get(f"{b.base_url}/api/v1/auth/me", headers=bearer(token), timeout=10).status_code == 200
    assert httpx.post(f"{a.base_url}/api/v1/auth/logout", headers=bearer(token), timeout=10).status_code == 204
    refused = httpx.get(f"{b.base_url}/api/v1/auth/me", headers=bearer(token), timeout=10)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]


def test_a_refresh_token_rotated_on_one_replica_is_spent_on_the_other(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    first = login(a).json()
    rotated = httpx.post(
        f"{b.base_url}/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        timeout=10,
    )
    assert rotated.status_code == 200
    again = httpx.post(
        f"{a.base_url}/api/v1/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        timeout=10,
    )
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_lockout_counts_failures_made_against_both_replicas(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    token = login(a).json()["access_token"]
    email, password = "locked-out@upskill.example", "locked-out-passphrase-2026"
    created = httpx.post(
        f"{a.base_url}/api/v1/users",
        json={"email": email, "password": password, "role": "employee"},
        headers=bearer(token),
        timeout=10,
    )
    assert created.status_code == 201
    for server in (a, b, a, b):  # the threshold is 4 (shared_env)
        assert login(server, email, "wrong-password-123").status_code == 400
    for server in (a, b):
        locked = login(server, email, password)
        assert locked.status_code == 429
        assert int(locked.headers["retry-after"]) >= 1


def test_the_embedded_cursor_of_one_replica_pages_on_the_other(replicas: tuple[Server, Server]) -> None:
    a, b = replicas
    token = login(a).json()["access_token"]
    for i in range(3):
        made = httpx.post(
            f"{a.base_url}/api/v1/competencies", json={"name": f"Replica skill {i}"}, headers=bearer(token), timeout=10
        )
        assert made.status_code == 201
    page = httpx.get(f"{a.base_url}/api/v1/competencies", params={"limit": 2}, headers=bearer(token), timeout=10)
    cursor = page.json()["next_cursor"]
    rest = httpx.get(
        f"{b.base_url}/api/v1/competencies", params={"limit": 2, "cursor": cursor}, headers=bearer(token), timeout=10
    )
    assert rest.status_code == 200


def test_logs_are_json_lines_with_request_ids(replicas: tuple[Server, Server], tmp_path: Path) -> None:
    a, _ = replicas
    httpx.get(f"{a.base_url}/health/live", headers={"X-Request-ID": "replica-log-check"}, timeout=10)
    assert any(line.startswith("{") for line in a.output().splitlines())
