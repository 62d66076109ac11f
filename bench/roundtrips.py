"""Round trips to PostgreSQL per request, and the SQL each endpoint sends.

The app is built in this process (the same `adapters.main.build_app`, production settings)
on a database URL that goes through `bench.wire.WireProxy`, and called in-process. Each
endpoint is called a few times first (pools open, statements prepared), then once measured:
every round trip is counted (access check, pre-ping, BEGIN/COMMIT included), and the data
statements (the SQL that is not transaction control or a ping) are listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from dependency_injector import providers
from sqlalchemy.engine import make_url

from adapters.container import Container, shutdown
from adapters.main import build_app
from adapters.settings import Settings
from bench.dataset import ADMIN_EMAIL, PASSWORD
from bench.servers import CURSOR_SECRET, UNLIMITED, jwt_keys
from bench.wire import WireProxy

_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", ";", "SELECT 1", "SAVEPOINT", "RELEASE")


@dataclass(frozen=True, slots=True)
class Call:
    """One request. In `body`, `{n}` becomes a number unique to each send (so that a create
    or a change is never a no-op) and `{refresh}` the current refresh token of the admin's
    session (each refresh grant's response supplies the next); in `path`, `{cursor}` the
    `next_cursor` of the last list response and `{id}` the next id of `pool` (a write that
    consumes its record, e.g. a validation, gets a fresh one each time)."""

    key: str
    method: str
    path: str
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    pool: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Count:
    key: str
    status: int
    round_trips: int
    statements: list[str]
    """Data statements, in order (transaction control and pings left out)."""
    control: int
    """Round trips that carried only transaction control or a ping."""


def is_control(sql: str) -> bool:
    return sql.strip().upper().startswith(_CONTROL) or not sql.strip()


def _split(url: str) -> tuple[str, int, dict[str, Any]]:
    """The server's host (or socket directory) and port, and the URL's other query options."""
    parsed = make_url(url)
    query = dict(parsed.query)
    host = str(query.pop("host", None) or parsed.host or "127.0.0.1")
    port = int(str(query.pop("port", None) or parsed.port or 5432))
    return host, port, query


async def count(database_url: str, calls: Sequence[Call], *, warmup: int = 3) -> list[Count]:
    """Each call made `warmup` times, then once counted (as the bench admin)."""
    host, port, query = _split(database_url)
    proxy = WireProxy(host, port)
    await proxy.start()
    url = make_url(database_url).set(host="127.0.0.1", port=proxy.port, query=query).render_as_string(False)
    settings = Settings(
        env="prod",
        database_url=url,
        jwt_keys=jwt_keys(),
        log_level="WARNING",
        cursor_secret=CURSOR_SECRET,
        token_rate_per_ip=float(UNLIMITED),
        token_burst_per_ip=int(UNLIMITED),
    )
    container = Container()
    container.settings.override(providers.Object(settings))
    app = build_app(container)
    results: list[Count] = []
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            sender = _Sender(client, await _login(client))
            for call in calls:
                for _ in range(warmup):
                    await sender.send(call)
                proxy.reset()
                response = await sender.send(call)
                trips = list(proxy.trips)
                data = [sql for trip in trips for sql in trip.statements if not is_control(sql)]
                control = sum(1 for trip in trips if all(is_control(sql) for sql in trip.statements))
                results.append(Count(call.key, response.status_code, len(trips), data, control))
    finally:
        await shutdown(container)
        await proxy.close()
    return results


async def _login(client: httpx.AsyncClient) -> dict[str, Any]:
    form = {"grant_type": "password", "username": ADMIN_EMAIL, "password": PASSWORD}
    response = await client.post("/api/v1/auth/token", data=form)
    response.raise_for_status()
    grant: dict[str, Any] = response.json()
    return grant


class _Sender:
    def __init__(self, client: httpx.AsyncClient, grant: dict[str, Any]) -> None:
        self._client = client
        self._auth = {"Authorization": f"Bearer {grant['access_token']}"}
        self._refresh = str(grant["refresh_token"])
        self._cursor = ""
        self._n = 0

    async def send(self, call: Call) -> httpx.Response:
        self._n += 1
        body = None if call.body is None else call.body.replace("{n}", str(self._n))
        if body is not None and "{refresh}" in body:
            body = body.replace("{refresh}", self._refresh)
        headers = {**self._auth, **dict(call.headers)}
        path = call.path.replace("{cursor}", self._cursor)
        if call.pool:
            path = path.replace("{id}", call.pool[self._n % len(call.pool)])
        response = await self._client.request(call.method, path, content=body, headers=headers)
        if response.status_code == 200 and "refresh_token" in response.text:
            self._refresh = str(response.json()["refresh_token"])
        if response.status_code == 200 and "next_cursor" in response.text:
            self._cursor = str(response.json()["next_cursor"] or "")
        return response


def markdown(counts: Sequence[Count]) -> str:
    """The SQL of each endpoint, as a Markdown section."""
    lines = ["## SQL sent per request (after warm-up)", ""]
    for c in counts:
        lines.append(
            f"### {c.key}: {c.round_trips} round trips, {len(c.statements)} data statements, "
            f"{c.control} control (status {c.status})"
        )
        lines += ["", "```sql", *(sql.strip() + ";" for sql in c.statements), "```", ""]
    return "\n".join(lines)
