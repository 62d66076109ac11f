"""Upskill as operators run it: real `upskill serve` processes on a real PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from adapters.postgres.embedded import create_database, drop_database, with_database
from adapters.security.keys import SigningKeys

ADMIN_EMAIL = "ops-admin@upskill.example"
ADMIN_PASSWORD = "ops-Admin-passphrase-2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def _private_jwks() -> str:
    keys = SigningKeys.generate()
    return json.dumps({"keys": [keys.active.key.as_dict(private=True)]})


@pytest.fixture(scope="module")
async def system_database(postgres_admin_url: str) -> AsyncIterator[str]:
    """A fresh, empty database (the servers migrate it themselves)."""
    name = f"upskill_sys_{uuid.uuid4().hex[:10]}"
    await create_database(postgres_admin_url, name)
    try:
        yield with_database(postgres_admin_url, name)
    finally:
        await drop_database(postgres_admin_url, name)


@pytest.fixture(scope="module")
def shared_env(system_database: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """What every replica shares: the database, the signing keys, the cursor secret, the admin."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")}
    env.update(
        UPSKILL_ENV="test",
        UPSKILL_DATABASE_URL=system_database,
        UPSKILL_JWT_KEYS=_private_jwks(),
        UPSKILL_CURSOR_SECRET="system-test-cursor-secret-0123",
        UPSKILL_ADMIN_EMAIL=ADMIN_EMAIL,
        UPSKILL_ADMIN_PASSWORD=ADMIN_PASSWORD,
        UPSKILL_DATA_DIR=str(tmp_path_factory.mktemp("data")),
        UPSKILL_ARGON2_MEMORY_KIB="1024",
        UPSKILL_ARGON2_TIME_COST="1",
        UPSKILL_LOCKOUT_THRESHOLD="4",
        UPSKILL_TOKEN_BURST_PER_IP="1000",
        UPSKILL_TOKEN_RATE_PER_IP="1000",
        UPSKILL_SHUTDOWN_DRAIN_S="10",
        UPSKILL_LOG_JSON="true",
    )
    return env


@contextmanager
def serve(env: dict[str, str], log_dir: Path, **extra: str) -> Iterator[Server]:
    port = free_port()
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "serve", "--port", str(port)],
            env={**env, **extra},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_ready(server: Server, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.base_url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not ready in {timeout_s} s:\n{server.output()}")
