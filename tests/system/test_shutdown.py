"""SIGTERM drains: in-flight requests finish, new connections are refused, the process exits."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import pytest

from adapters.postgres.embedded import connect
from tests.system.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, serve, wait_ready

pytestmark = pytest.mark.postgres


async def test_sigterm_during_a_slow_request_lets_it_finish(
    shared_env: dict[str, str], system_database: str, tmp_path: Path
) -> None:
    with serve(shared_env, tmp_path) as server:
        await asyncio.to_thread(wait_ready, server)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            token = (
                await client.post(
                    "/api/v1/auth/token",
                    data={"grant_type": "password", "username": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
                )
            ).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            department = (await client.post("/api/v1/departments", json={"name": "Drain"}, headers=auth)).json()

            # Make the PATCH slow: another connection holds the row lock for a while.
            blocker = await connect(system_database)
            try:
                lock = blocker.transaction()
                await lock.start()
                await blocker.execute("SELECT 1 FROM departments WHERE id = $1 FOR UPDATE", department["id"])
                patch = asyncio.create_task(
                    client.patch(
                        f"/api/v1/departments/{department['id']}", json={"description": "drained"}, headers=auth
                    )
                )
                await asyncio.sleep(1.0)  # the PATCH is in flight, waiting on the lock
                sent = time.monotonic()
                server.process.send_signal(signal.SIGTERM)
                await asyncio.sleep(1.0)
                async with httpx.AsyncClient(base_url=server.base_url, timeout=5) as fresh:
                    with pytest.raises(httpx.ConnectError):  # no new connections while draining
                        await fresh.get("/health/live")
                await lock.rollback()
            finally:
                await blocker.close()

            answer = await patch
            assert answer.status_code == 200
            assert answer.json()["description"] == "drained"
        exit_code = await asyncio.to_thread(server.process.wait, 20)
        # uvicorn re-raises the signal once it has shut down gracefully, so the process ends "by SIGTERM".
        assert exit_code in (0, -signal.SIGTERM)
        assert time.monotonic() - sent < 15
        assert "Application shutdown complete" in server.output()
