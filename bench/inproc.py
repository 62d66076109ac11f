"""CPU per request, in process: the ASGI app called directly (no sockets, no uvicorn, no wrk),
one request at a time, the process's own CPU time (`time.process_time`) divided by the
requests. PostgreSQL runs in its own processes, so its time is not counted: what is left is
what the app itself spends per request — the number the load bench's ratios move with when
the server's core is the bottleneck. Quick to rerun after each change (seconds, not minutes),
and steady on a shared machine, since CPU time hardly moves with other processes' load.

    .venv/bin/python -m bench.inproc                 # both apps, every endpoint, on the bench database
    .venv/bin/python -m bench.inproc --only get --profile   # cProfile of the app's GET, top 30

The database: `UPSKILL_DATABASE_URL`'s server (the full bench data set is seeded there when
missing, as `make bench` does), else 127.0.0.1:5432 as user postgres.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench.dataset import ADMIN_EMAIL, PASSWORD, Dataset
from bench.profiles import FULL
from bench.seed import dsn, ensure_database

ASGI = Callable[
    [dict[str, Any], Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]],
    Awaitable[None],
]
DEFAULT_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


class Lifespan:
    """Runs the app's lifespan (startup before, shutdown after) like a server would."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._in: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._out: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Lifespan:
        self._task = asyncio.create_task(
            self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, self._in.get, self._out.put)
        )
        await self._in.put({"type": "lifespan.startup"})
        message = await self._out.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"startup failed: {message}")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._in.put({"type": "lifespan.shutdown"})
        await self._out.get()
        if self._task is not None:
            await self._task


def http_scope(method: str, path: str, headers: dict[str, str], body: bytes = b"") -> dict[str, Any]:
    """The ASGI scope of one request as a server would make it (the query split off the path)."""
    path, _, query = path.partition("?")
    raw = [(b"host", b"bench"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": raw,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def call(
    app: Any, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request through the ASGI app: (status, headers, body)."""
    scope = http_scope(method, path, headers or {}, body)
    sent = False
    status, out_headers, chunks = 0, {}, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers.update({k.decode(): v.decode() for k, v in message.get("headers", [])})
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, b"".join(chunks)


def _form(**values: str) -> bytes:
    from urllib.parse import urlencode

    return urlencode(values).encode()


async def _measure(
    name: str, make: Callable[[int], Awaitable[tuple[int, dict[str, str], bytes]]], n: int, profile: bool
) -> float:
    for i in range(min(200, n)):  # warm-up: pools open, statements prepared
        status, _, text = await make(i)
        if status >= 300:
            raise RuntimeError(f"{name}: {status} {text[:300]!r}")
    profiler = cProfile.Profile(time.process_time) if profile else None  # CPU time, as measured below
    if profiler:
        profiler.enable()
    started = time.process_time()
    for i in range(n):
        await make(i)
    spent = time.process_time() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return spent / n * 1e6


def _employee_ids() -> list[str]:
    """2,000 ids among the first 50,000 employees of the bench data set (the same each run)."""
    employees = Dataset(FULL.sizes, "").employees
    chosen = random.Random(1).sample(range(50_000), 2_000)  # noqa: S311 - a fixed sample, not a secret
    return [str(employees[i]) for i in chosen]


def _first_department() -> str:
    """The matrix bench's department (about 2,000 current employees)."""
    return str(Dataset(FULL.sizes, "").departments[0])


async def app_costs(url: str, only: set[str], n: int, profile: bool) -> dict[str, float]:
    from bench.servers import app_environment

    os.environ.update(app_environment(url, 8000))
    factory = os.environ.get("BENCH_APP", "adapters.main:build_app")
    module, _, attr = factory.partition(":")
    app = getattr(__import__(module, fromlist=[attr]), attr)()
    ids = _employee_ids()
    results: dict[str, float] = {}
    async with Lifespan(app):
        _status, _, text = await call(
            app,
            "POST",
            "/api/v1/auth/token",
            body=_form(grant_type="password", username=ADMIN_EMAIL, password=PASSWORD),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        grant = json.loads(text)
        auth = {"authorization": f"Bearer {grant['access_token']}"}
        if "live" in only:
            results["live"] = await _measure("live", lambda i: call(app, "GET", "/health/live"), n, profile)
        if "me" in only:
            results["me"] = await _measure(
                "me", lambda i: call(app, "GET", "/api/v1/auth/me", headers=auth), n, profile
            )
        if "get" in only:
            results["get"] = await _measure(
                "get", lambda i: call(app, "GET", f"/api/v1/employees/{ids[i % len(ids)]}", headers=auth), n, profile
            )
        if "list" in only:
            results["list"] = await _measure(
                "list",
                lambda i: call(app, "GET", "/api/v1/employees?sort=full_name&limit=50", headers=auth),
                n // 4,
                profile,
            )
        if "post" in only:
            tag = time.time_ns()
            results["post"] = await _measure(
                "post",
                lambda i: call(
                    app,
                    "POST",
                    "/api/v1/competencies",
                    body=json.dumps({"name": f"bench-inproc-{tag}-{i}-{uuid.uuid4().hex[:8]}"}).encode(),
                    headers={**auth, "content-type": "application/json"},
                ),
                n,
                profile,
            )
        if "matrix" in only:
            department = _first_department()
            results["matrix"] = await _measure(
                "matrix",
                lambda i: call(app, "GET", f"/api/v1/departments/{department}/matrix", headers=auth),
                max(1, n // 100),
                profile,
            )
        if "patch" in only:
            etags: dict[str, str] = {}

            async def patch(i: int) -> tuple[int, dict[str, str], bytes]:
                id = ids[i % len(ids)]
                if id not in etags:
                    _, headers, _ = await call(app, "GET", f"/api/v1/employees/{id}", headers=auth)
                    etags[id] = headers["etag"]
                result = await call(
                    app,
                    "PATCH",
                    f"/api/v1/employees/{id}",
                    body=json.dumps({"job_title": f"t{i}"}).encode(),
                    headers={**auth, "content-type": "application/merge-patch+json", "if-match": etags[id]},
                )
                etags[id] = result[1].get("etag", etags[id])
                return result

            for i in range(len(ids)):  # the ETag reads out of the measurement
                await call(app, "GET", f"/api/v1/employees/{ids[i]}", headers=auth)
            results["patch"] = await _measure("patch", patch, n, profile)
        if "refresh" in only:
            token = [grant["refresh_token"]]

            async def refresh(i: int) -> tuple[int, dict[str, str], bytes]:
                result = await call(
                    app,
                    "POST",
                    "/api/v1/auth/token",
                    body=_form(grant_type="refresh_token", refresh_token=token[0]),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
                token[0] = json.loads(result[2])["refresh_token"]
                return result

            results["refresh"] = await _measure("refresh", refresh, n, profile)
    return results


async def floor_costs(url: str, only: set[str], n: int) -> dict[str, float]:
    from bench.floor import DSN_VARIABLE, build_app

    os.environ[DSN_VARIABLE] = dsn(url)
    app = build_app()
    ids = _employee_ids()
    results: dict[str, float] = {}
    async with Lifespan(app):
        if "live" in only:
            results["live"] = await _measure("floor live", lambda i: call(app, "GET", "/health"), n, False)
        if "get" in only:
            results["get"] = await _measure(
                "floor get", lambda i: call(app, "GET", f"/employees/{ids[i % len(ids)]}"), n, False
            )
        if "list" in only:
            results["list"] = await _measure(
                "floor list", lambda i: call(app, "GET", "/employees?sort=full_name&limit=50"), n // 4, False
            )
        if "matrix" in only:
            department = _first_department()
            results["matrix"] = await _measure(
                "floor matrix", lambda i: call(app, "GET", f"/departments/{department}/matrix"), max(1, n // 100), False
            )
        if "post" in only:
            tag = time.time_ns()
            results["post"] = await _measure(
                "floor post",
                lambda i: call(
                    app,
                    "POST",
                    "/competencies",
                    body=json.dumps({"name": f"bench-floor-{tag}-{i}-{uuid.uuid4().hex[:8]}"}).encode(),
                    headers={"content-type": "application/json"},
                ),
                n,
                False,
            )
    return results


async def main_async(args: argparse.Namespace) -> None:
    server = os.environ.get("UPSKILL_DATABASE_URL", DEFAULT_SERVER)
    from adapters.settings import Settings

    url = await ensure_database(server, FULL, Settings(env="dev"))
    only = set(args.only.split(","))
    app = await app_costs(url, only, args.n, args.profile)
    floor = {} if args.profile else await floor_costs(url, only, args.n)
    print(f"{'endpoint':10s} {'app µs':>9s} {'floor µs':>9s} {'floor/app':>9s}")
    for key, cost in app.items():
        base = floor.get(key)
        print(f"{key:10s} {cost:9.0f} {base or 0:9.0f} {(base / cost if base else 0):9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="get,list,post,patch,refresh")
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    import uvloop

    uvloop.run(main_async(args))


if __name__ == "__main__":
    main()
