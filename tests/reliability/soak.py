"""Soak: a bounded mixed workload (reads, writes, logins, refreshes) at moderate concurrency
against ONE `upskill serve` worker on a fresh database, for N seconds. Not a pytest module.

    python -m tests.reliability.soak [--seconds 300] [--concurrency 8] [--admin-url URL]

`--admin-url` (default `UPSKILL_TEST_DATABASE_URL`) is a server where a throwaway database is
created and dropped. Prints requests, errors and p50/p99 per minute, and the worker's RSS
(`/proc/<pid>/status` VmRSS) after warm-up (the first third, at most 60 s) and at the end.
Exits 1 on any 5xx or transport error, or when RSS grew by 10 % or more after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from adapters.demo.accounts import DEMO_ADMIN, DEMO_EMPLOYEE
from adapters.postgres.embedded import create_database, drop_database, with_database
from tests.reliability.conftest import server_env
from tests.system.conftest import serve, wait_ready

API = "/api/v1"
TOKEN = f"{API}/auth/token"
RSS_GROWTH_LIMIT = 0.10


@dataclass
class Stats:
    started: float = field(default_factory=time.monotonic)
    latencies: dict[int, list[float]] = field(default_factory=dict)  # minute → seconds
    errors: list[str] = field(default_factory=list)
    requests: int = 0

    def record(self, response: httpx.Response | None, took: float, what: str) -> None:
        self.requests += 1
        self.latencies.setdefault(int((time.monotonic() - self.started) // 60), []).append(took)
        if response is None:
            self.errors.append(f"{what}: transport error")
        elif response.status_code >= 500:
            self.errors.append(f"{what}: {response.status_code} {response.text[:200]}")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Worker:
    """One virtual user: its own session, a random mix of operations, expected statuses only."""

    def __init__(self, http: httpx.AsyncClient, stats: Stats, number: int) -> None:
        self.http, self.stats, self.number = http, stats, number
        self.access: dict[str, str] = {}
        self.refresh = ""

    async def call(self, what: str, method: str, url: str, ok: set[int], **kwargs: object) -> httpx.Response | None:
        started = time.monotonic()
        try:
            response: httpx.Response | None = await self.http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.HTTPError:
            response = None
        self.stats.record(response, time.monotonic() - started, what)
        if response is not None and response.status_code not in ok and response.status_code < 500:
            self.stats.errors.append(f"{what}: unexpected {response.status_code} {response.text[:200]}")
        return response

    async def login(self) -> None:
        account = DEMO_ADMIN if self.number % 2 == 0 else DEMO_EMPLOYEE
        form = {"grant_type": "password", "username": account.email, "password": account.password}
        response = await self.call("login", "POST", TOKEN, {200}, data=form)
        if response is not None and response.status_code == 200:
            self.access = {"Authorization": f"Bearer {response.json()['access_token']}"}
            self.refresh = response.json()["refresh_token"]

    async def refresh_tokens(self) -> None:
        form = {"grant_type": "refresh_token", "refresh_token": self.refresh}
        response = await self.call("refresh", "POST", TOKEN, {200}, data=form)
        if response is not None and response.status_code == 200:
            self.access = {"Authorization": f"Bearer {response.json()['access_token']}"}
            self.refresh = response.json()["refresh_token"]

    async def read(self) -> None:
        collection = random.choice(["departments", "employees", "courses", "competencies", "assessments"])
        params = random.choice([{}, {"limit": "20"}, {"count": "true"}, {"sort": "-created_at"}])
        page = await self.call(
            f"list {collection}", "GET", f"{API}/{collection}", {200}, params=params, headers=self.access
        )
        if page is not None and page.status_code == 200 and page.json()["items"]:
            record = random.choice(page.json()["items"])["id"]
            await self.call(f"get {collection}", "GET", f"{API}/{collection}/{record}", {200, 404}, headers=self.access)

    async def write(self) -> None:
        """Create, change and delete a department (admins; an employee is refused: 403)."""
        name = f"Soak {uuid.uuid4().hex[:12]}"
        created = await self.call(
            "create", "POST", f"{API}/departments", {201, 403}, json={"name": name}, headers=self.access
        )
        if created is None or created.status_code != 201:
            return
        url = f"{API}/departments/{created.json()['id']}"
        await self.call(
            "patch", "PATCH", url, {200}, json={"description": "soaked"}, headers={**self.access, "If-Match": 'W/"1"'}
        )
        await self.call("delete", "DELETE", url, {204}, headers=self.access)

    async def run(self, until: float) -> None:
        await self.login()
        while time.monotonic() < until:
            roll = random.random()
            if roll < 0.6:
                await self.read()
            elif roll < 0.8:
                await self.write()
            elif roll < 0.9:
                await self.refresh_tokens()
            else:
                await self.login()


async def soak(base_url: str, pid: int, seconds: float, concurrency: int) -> int:
    stats = Stats()
    warm_up = min(60.0, seconds / 3)
    until = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=10, limits=limits) as http:
        workers = [asyncio.create_task(Worker(http, stats, n).run(until)) for n in range(concurrency)]
        await asyncio.sleep(warm_up)
        rss_warm = rss_kib(pid)
        await asyncio.gather(*workers)
    rss_end = rss_kib(pid)
    for minute, values in sorted(stats.latencies.items()):
        print(
            f"minute {minute}: {len(values)} requests, p50 {statistics.median(values) * 1000:.1f} ms, "
            f"p99 {percentile(values, 0.99) * 1000:.1f} ms"
        )
    everything = [v for values in stats.latencies.values() for v in values]
    growth = (rss_end - rss_warm) / rss_warm
    print(
        f"total: {stats.requests} requests, {len(stats.errors)} errors, "
        f"p99 {percentile(everything, 0.99) * 1000:.1f} ms; "
        f"RSS after warm-up {rss_warm} KiB, at end {rss_end} KiB ({growth:+.1%})"
    )
    for error in stats.errors[:20]:
        print(f"  error: {error}")
    return 1 if stats.errors or growth >= RSS_GROWTH_LIMIT else 0


async def _database(admin_url: str) -> tuple[str, str]:
    name = f"upskill_soak_{uuid.uuid4().hex[:10]}"
    await create_database(admin_url, name)
    return name, with_database(admin_url, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--admin-url", default=os.environ.get("UPSKILL_TEST_DATABASE_URL"))
    args = parser.parse_args(argv)
    if not args.admin_url:
        parser.error("--admin-url or UPSKILL_TEST_DATABASE_URL is required")
    admin_url = args.admin_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    name, url = asyncio.run(_database(admin_url))
    try:
        with tempfile.TemporaryDirectory(prefix="upskill-soak-") as tmp:
            env = server_env(url, Path(tmp), UPSKILL_DB_POOL_SIZE="10")
            with serve(env, Path(tmp)) as server:
                wait_ready(server, timeout_s=120)
                print(f"worker pid {server.process.pid}, RSS at start {rss_kib(server.process.pid)} KiB")
                return asyncio.run(soak(server.base_url, server.process.pid, args.seconds, args.concurrency))
    finally:
        asyncio.run(drop_database(admin_url, name))


if __name__ == "__main__":
    sys.exit(main())
