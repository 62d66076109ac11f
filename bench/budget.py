"""The CPU budget of one authenticated `GET /api/v1/employees/{id}`, piece by piece, in process.

The same app as `bench.inproc` (`adapters.main:build_app`, production settings, the bench data
set), one request at a time, process CPU time (`time.process_time`) per call over `-n` calls,
the pieces called in turn, 50 calls at a time (a slow spell of the shared machine weighs on
all of them alike), `--rounds` times, each piece's lowest round kept (other processes only ever add
to a round, so the least disturbed one is the estimate; the median is printed beside it). Pieces are measured
by difference (the same app with one layer taken out of its middleware stack) or on their own
(the same objects the request uses, called directly), never under a profiler:

- middleware: the full request, then the same app with each of our middleware layers left out
  of its stack (`build_middleware_stack` with the others), then without any of ours, then the
  router alone (FastAPI's own layers — error, telemetry, body size, exceptions, exit stack —
  are the difference);
- inside the router: route matching (the routes tried as the router tries them: all in turn,
  or the index's candidates), the bearer
  check (`current_principal`: token syntax, the remembered signature and access check), the
  use case (`CrudService.get`: unit of work, pool, executor, asyncpg, mapping; with the bare
  asyncpg `fetch` and the pool's acquire/release measured apart), the response (the entity's
  JSON body and its headers, rendered and sent); what is left of the router's cost is FastAPI's
  request handling: the Request, exit stacks, exception wrapper, dependency resolution and
  validation of the path parameter and headers.

    .venv/bin/python -m bench.budget                 # -n 1000 --rounds 15
    .venv/bin/python -m bench.budget --endpoints     # and GET, list, POST, PATCH, refresh: app against floor

The database: as `bench.inproc` (`UPSKILL_DATABASE_URL`'s server, else 127.0.0.1:5432).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import AsyncExitStack
from typing import Any

from bench.dataset import ADMIN_EMAIL, PASSWORD
from bench.inproc import DEFAULT_SERVER, Lifespan, _employee_ids, _form, http_scope
from bench.profiles import FULL
from bench.seed import ensure_database

Piece = Callable[[int], Awaitable[object]]


async def _asgi_call(asgi: Any, scope: dict[str, Any], body: bytes = b"") -> int:
    """One request through `asgi` (an app, a middleware stack or the router); its status."""
    sent = False
    status = 0

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

    await asgi(scope, receive, send)
    return status


async def _noop_send(message: MutableMapping[str, Any]) -> None:
    return None


async def _noop_receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _cost(piece: Piece, n: int) -> float:
    """µs of process CPU per call of `piece`, over `n` calls."""
    started = time.process_time()
    for i in range(n):
        await piece(i)
    return (time.process_time() - started) / n * 1e6


async def _interleaved(pieces: dict[str, Piece], n: int, block: int = 50) -> dict[str, float]:
    """µs of process CPU per call of each piece, the pieces called in turn `block` calls at a
    time until each made `n`: a slow spell of the machine weighs on every piece alike, so
    differences hold, and each block runs warm (a piece called alone between others' calls would
    be measured cold)."""
    spent = dict.fromkeys(pieces, 0.0)
    clock = time.process_time
    for first in range(0, n, block):
        for name, piece in pieces.items():
            started = clock()
            for i in range(first, min(first + block, n)):
                await piece(i)
            spent[name] += clock() - started
    return {name: total / n * 1e6 for name, total in spent.items()}


def _stack_without(app: Any, *left_out: type) -> Any:
    """The app's middleware stack as FastAPI builds it, without the user middleware `left_out`
    (all of ours when none is named)."""
    kept = app.user_middleware
    try:
        app.user_middleware = [m for m in kept if left_out and m.cls not in left_out]
        return app.build_middleware_stack()
    finally:
        app.user_middleware = kept


def _find_layer(stack: Any, cls: type) -> Any:
    layer = stack
    while layer is not None and not isinstance(layer, cls):
        layer = getattr(layer, "app", None)
    return layer


async def measure(url: str, n: int, rounds: int, endpoints: bool) -> None:
    from bench.servers import app_environment

    os.environ.update(app_environment(url, 8000))
    from starlette.middleware.exceptions import ExceptionMiddleware
    from starlette.requests import Request
    from starlette.routing import Match

    from adapters.container import Container
    from adapters.http.auth import current_principal
    from adapters.http.idempotency import IdempotencyMiddleware
    from adapters.http.middleware import BodyLimitMiddleware, RequestContextMiddleware
    from adapters.http.preconditions import etag
    from adapters.http.responses import JsonResponse
    from adapters.http.schemas import schemas_for
    from adapters.main import build_app
    from adapters.postgres.executor import COMPILER
    from upskill.domain.principal import Principal

    container = Container()
    app = build_app(container)
    ids = _employee_ids()
    async with Lifespan(app):
        _status, _, text = await _inproc_call(
            app,
            "POST",
            "/api/v1/auth/token",
            body=_form(grant_type="password", username=ADMIN_EMAIL, password=PASSWORD),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        grant = json.loads(text)
        token = grant["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        employees = container.employees()
        signer = container.token_signer()
        gate = container.access_gate()
        database = container.database()
        pool = database.pool
        schemas = schemas_for(employees.resource)
        paths = [f"/api/v1/employees/{id}" for id in ids]
        from uuid import UUID

        uuids = [UUID(id) for id in ids]

        def get_scope(i: int) -> dict[str, Any]:
            scope = http_scope("GET", paths[i % len(paths)], auth)
            scope["app"] = app
            return scope

        full_stack = app.build_middleware_stack()
        stacks = {
            "no RequestContext": _stack_without(app, RequestContextMiddleware),
            "no Idempotency": _stack_without(app, IdempotencyMiddleware),
            "no BodyLimit": _stack_without(app, BodyLimitMiddleware),
            "none of ours": _stack_without(app),
        }
        context_layer = _find_layer(full_stack, RequestContextMiddleware)
        exceptions = _find_layer(stacks["none of ours"], ExceptionMiddleware)
        handlers = (exceptions._exception_handlers, exceptions._status_handlers)

        async def via(stack: Any, i: int) -> int:
            return await _asgi_call(stack, get_scope(i))

        async def router_only(i: int) -> int:
            scope = get_scope(i)
            scope["starlette.exception_handlers"] = handlers
            async with AsyncExitStack() as stack:
                scope["fastapi_middleware_astack"] = stack
                return await _asgi_call(app.router, scope)

        routes = app.router.routes
        index = getattr(app.router.middleware_stack, "_candidates", None)  # adapters.http.route_index

        async def routing(i: int) -> object:
            scope = get_scope(i)
            for route in routes if index is None else index(scope["path"]):
                match, _child = route.matches(scope)
                if match is Match.FULL:
                    return route
            raise LookupError(scope["path"])

        async def bearer(i: int) -> Principal:
            scope = get_scope(i)
            return await current_principal(Request(scope), token)

        principal = await bearer(0)
        claims = signer.verify(token)
        clock = container.clock()

        async def verify(i: int) -> object:
            return signer.verify(token)

        async def access(i: int) -> object:
            return await gate.principal(claims, clock.now())

        async def use_case(i: int) -> object:
            return await employees.get(principal, uuids[i % len(uuids)])

        entities = [await employees.get(principal, u) for u in uuids[:200]]
        sql = COMPILER.form(database.registry.binding(employees.resource.entity).statements.by_id, ("match_id",))
        statement = sql.form.sql

        async def acquire_release(i: int) -> None:
            connection = await pool.acquire(3.0)
            await pool.release(connection)

        held: list[Any] = []

        async def bare_fetch(i: int) -> object:
            return await held[0].fetch(statement, uuids[i % len(uuids)])

        async def response(i: int) -> None:
            entity = entities[i % len(entities)]
            body = JsonResponse(schemas.present(entity), status_code=200, headers={"ETag": etag(entity.version)})
            await body(get_scope(i), _noop_receive, _noop_send)

        pieces: dict[str, Piece] = {
            "request": lambda i: via(full_stack, i),
            **{name: (lambda s: lambda i: via(s, i))(stack) for name, stack in stacks.items()},
            "router only": router_only,
            "route matching": routing,
            "bearer check": bearer,
            "  token signature (remembered)": verify,
            "  access check (remembered)": access,
            "use case (CrudService.get)": use_case,
            "  pool acquire + release": acquire_release,
            "  asyncpg fetch (bare)": bare_fetch,
            "response (JSON body, headers, sent)": response,
        }
        if context_layer is not None and context_layer.observer is not None:
            observer = context_layer.observer

            async def no_metrics(i: int) -> int:
                context_layer.observer = None
                try:
                    return await via(full_stack, i)
                finally:
                    context_layer.observer = observer

            pieces["request without metrics"] = no_metrics

        held.append(await pool.acquire(3.0))
        try:
            for piece in pieces.values():  # warm-up
                for i in range(200):
                    await piece(i)
            costs: dict[str, list[float]] = {name: [] for name in pieces}
            for _ in range(rounds):
                for name, value in (await _interleaved(pieces, n)).items():
                    costs[name].append(value)
        finally:
            await pool.release(held[0])
        median = {name: min(values) for name, values in costs.items()}
        spread = {name: (statistics.median(values), max(values)) for name, values in costs.items()}

        totals: dict[str, float] = {}
        floor: dict[str, float] = {}
        if endpoints:
            totals = await _endpoint_totals(app, auth, grant, ids, n, rounds)
            _, _, text = await _inproc_call(
                app,
                "POST",
                "/api/v1/auth/token",
                body=_form(grant_type="password", username=ADMIN_EMAIL, password=PASSWORD),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
            spare = json.loads(text)["refresh_token"]  # a session of its own for the floor's refresh
    if endpoints:
        floor = await _floor_totals(url, spare, n, rounds)

    _report(median, spread, totals, floor, n, rounds)


async def _inproc_call(app: Any, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    from bench.inproc import call

    return await call(app, method, path, **kwargs)


async def _endpoint_totals(
    app: Any, auth: dict[str, str], grant: dict[str, Any], ids: list[str], n: int, rounds: int
) -> dict[str, float]:
    """The app's GET, list, POST, PATCH and refresh (as `bench.inproc` calls them), the lowest
    of `rounds`, each endpoint's rounds in alternation with the others'."""
    import uuid

    from bench.inproc import call

    etags: dict[str, str] = {}
    for id in ids:
        _, headers, _ = await call(app, "GET", f"/api/v1/employees/{id}", headers=auth)
        etags[id] = headers["etag"]
    token = [grant["refresh_token"]]
    tag = time.time_ns()
    serial = itertools.count()  # every PATCH changes the title (rounds repeat the same i)

    async def get(i: int) -> object:
        return await call(app, "GET", f"/api/v1/employees/{ids[i % len(ids)]}", headers=auth)

    async def list_(i: int) -> object:
        return await call(app, "GET", "/api/v1/employees?sort=full_name&limit=50", headers=auth)

    async def post(i: int) -> object:
        body = json.dumps({"name": f"bench-budget-{tag}-{i}-{uuid.uuid4().hex[:8]}"}).encode()
        return await call(
            app, "POST", "/api/v1/competencies", body=body, headers={**auth, "content-type": "application/json"}
        )

    async def patch(i: int) -> object:
        id = ids[i % len(ids)]
        result = await call(
            app,
            "PATCH",
            f"/api/v1/employees/{id}",
            body=json.dumps({"job_title": f"b{tag % 100_000}-{next(serial)}"}).encode(),
            headers={**auth, "content-type": "application/merge-patch+json", "if-match": etags[id]},
        )
        etags[id] = result[1].get("etag", etags[id])
        return result

    async def refresh(i: int) -> object:
        result = await call(
            app,
            "POST",
            "/api/v1/auth/token",
            body=_form(grant_type="refresh_token", refresh_token=token[0]),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        token[0] = json.loads(result[2])["refresh_token"]
        return result

    return await _rounds({"get": get, "list": list_, "post": post, "patch": patch, "refresh": refresh}, n, rounds)


async def _floor_totals(url: str, refresh_token: str, n: int, rounds: int) -> dict[str, float]:
    """The tuned floor's (`bench.floor`) same endpoints; its refresh reads and marks one token row."""
    import uuid

    from bench.floor import DSN_VARIABLE, build_app
    from bench.inproc import call
    from bench.seed import dsn

    os.environ[DSN_VARIABLE] = dsn(url)
    app = build_app()
    ids = _employee_ids()
    tag = time.time_ns()
    serial = itertools.count()
    async with Lifespan(app):
        versions: dict[str, str] = {}
        for id in ids:
            _, headers, _ = await call(app, "GET", f"/employees/{id}")
            versions[id] = headers["etag"]

        async def get(i: int) -> object:
            return await call(app, "GET", f"/employees/{ids[i % len(ids)]}")

        async def list_(i: int) -> object:
            return await call(app, "GET", "/employees?sort=full_name&limit=50")

        async def post(i: int) -> object:
            body = json.dumps({"name": f"bench-budget-floor-{tag}-{i}-{uuid.uuid4().hex[:8]}"}).encode()
            return await call(app, "POST", "/competencies", body=body, headers={"content-type": "application/json"})

        async def patch(i: int) -> object:
            id = ids[i % len(ids)]
            result = await call(
                app,
                "PATCH",
                f"/employees/{id}",
                body=json.dumps({"job_title": f"f{tag % 100_000}-{next(serial)}"}).encode(),
                headers={"content-type": "application/json", "if-match": versions[id]},
            )
            versions[id] = result[1].get("etag", versions[id])
            return result

        form = _form(grant_type="refresh_token", refresh_token=refresh_token)

        async def refresh(i: int) -> object:
            return await call(
                app, "POST", "/token", body=form, headers={"content-type": "application/x-www-form-urlencoded"}
            )

        pieces: dict[str, Piece] = {"get": get, "list": list_, "post": post, "patch": patch, "refresh": refresh}
        return await _rounds(pieces, n, rounds)


async def _rounds(pieces: dict[str, Piece], n: int, rounds: int) -> dict[str, float]:
    counts = {name: n // 4 if name == "list" else n // 2 for name in pieces}
    for name, piece in pieces.items():  # warm-up
        for i in range(100):
            status = await piece(i)
            if isinstance(status, tuple) and status[0] >= 300:
                raise RuntimeError(f"{name}: {status[0]} {status[2][:300]!r}")
    costs: dict[str, list[float]] = {name: [] for name in pieces}
    for _ in range(rounds):
        for name, piece in pieces.items():
            costs[name].append(await _cost(piece, counts[name]))
    return {name: min(values) for name, values in costs.items()}


def _report(
    median: dict[str, float],
    spread: dict[str, tuple[float, float]],
    totals: dict[str, float],
    floor: dict[str, float],
    n: int,
    rounds: int,
) -> None:
    request = median["request"]
    print(f"\nCPU µs per call, the lowest of {rounds} rounds of {n} (median, highest in brackets)\n")
    for name, value in median.items():
        low, high = spread[name]
        print(f"  {name:42s} {value:7.1f}  [{low:6.1f}, {high:6.1f}]")
    ours = request - median["none of ours"]
    framework = median["none of ours"] - median["router only"]
    inside = median["router only"]
    pieces = {
        "route matching": median["route matching"],
        "bearer check": median["bearer check"],
        "use case": median["use case (CrudService.get)"],
        "response": median["response (JSON body, headers, sent)"],
    }
    remainder = inside - sum(pieces.values())
    use_case, bare = pieces["use case"], median["  asyncpg fetch (bare)"]
    pooling = median["  pool acquire + release"]
    rows = [
        (
            "RequestContextMiddleware (request id, log context, headers, metrics, access line)",
            request - median["no RequestContext"],
        ),
        ("  of which the metrics", request - median.get("request without metrics", request)),
        ("IdempotencyMiddleware (a GET passes through)", request - median["no Idempotency"]),
        ("BodyLimitMiddleware", request - median["no BodyLimit"]),
        ("our middleware together", ours),
        ("FastAPI's own layers (errors, telemetry, body size, exceptions, exit stack)", framework),
        ("route matching", pieces["route matching"]),
        ("bearer check (token syntax, remembered signature and access)", pieces["bearer check"]),
        ("FastAPI request handling: Request, exit stacks, dependency resolution, validation", remainder),
        ("use case: the statement, bare asyncpg fetch", bare),
        ("use case: pool acquire + release", pooling),
        ("use case: unit of work, executor, policy, mapping", use_case - bare - pooling),
        ("response: JSON body, headers, sent", pieces["response"]),
        ("**request**", request),
    ]
    print("\nThe budget of one authenticated GET /api/v1/employees/{id} (µs of CPU):\n")
    print("| piece | µs |")
    print("|---|---:|")
    for label, value in rows:
        print(f"| {label} | {value:.0f} |")
    if totals:
        print("\nEndpoints, CPU µs per request (the lowest round; the floor is bench/floor.py):\n")
        print("| endpoint | app µs | floor µs | floor/app |")
        print("|---|---:|---:|---:|")
        for name, value in totals.items():
            base = floor.get(name, 0.0)
            print(f"| {name} | {value:.0f} | {base:.0f} | {base / value:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--endpoints", action="store_true", help="also GET, list, POST, PATCH and refresh, app and floor"
    )
    args = parser.parse_args()
    import uvloop

    async def run() -> None:
        server = os.environ.get("UPSKILL_DATABASE_URL", DEFAULT_SERVER)
        from adapters.settings import Settings

        url = await ensure_database(server, FULL, Settings(env="dev"))
        await measure(url, args.n, args.rounds, args.endpoints)

    uvloop.run(run())


if __name__ == "__main__":
    main()
