"""Measuring: each bench on Upskill, the tuned floor and (where it has the endpoint) the naive
floor, alternated over the rounds (app, tuned, naive, app, …), with the worker's CPU time per
request; the login interference runs; the calls whose round trips are counted."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from urllib.parse import quote

from bench import fixtures, roundtrips
from bench.benches import BENCHES, Bench, Context, Side
from bench.cores import CorePlan
from bench.dataset import ADMIN_EMAIL, PASSWORD
from bench.load import Load, Result, median, run
from bench.profiles import Profile
from bench.report import Memory, Row
from bench.servers import Server


class Harness:
    def __init__(
        self,
        profile: Profile,
        cores: CorePlan | None,
        app: Server,
        floor: Server,
        ctx: Context,
        naive: Server | None = None,
    ) -> None:
        self.profile, self.cores, self.app, self.floor, self.ctx = profile, cores, app, floor, ctx
        self.naive = naive
        self.broken: list[str] = []

    def server(self, side: Side) -> Server:
        server = {"app": self.app, "floor": self.floor, "naive": self.naive}[side]
        if server is None:
            raise RuntimeError(f"no {side} server")
        return server

    @property
    def load_cpus(self) -> str | None:
        return self.cores.load if self.cores else None

    def measure(self, bench: Bench, side: Side, duration_s: float, *, warmup: bool = False) -> Result:
        server = self.server(side)
        if side == "app":
            self.ctx.token = fixtures.password_grant(self.app.base, ADMIN_EMAIL)["access_token"]
        data = {**self.ctx.side(side), **bench.data(self.ctx, side)}
        connections = bench.connections or (
            self.profile.login_connections if bench.logins else self.profile.connections
        )
        cpu = server.cpu_s()
        result = run(
            server.base, bench.script, data, connections=connections, duration_s=duration_s, cpus=self.load_cpus
        )
        settle(result)
        if result.requests:
            result = dataclasses.replace(result, cpu_ms=(server.cpu_s() - cpu) * 1000 / result.requests)
        self.check(f"{bench.key} on {server.name}", server, result, warmup=warmup)
        return result

    def check(self, what: str, server: Server, result: Result, *, warmup: bool = False) -> None:
        if not server.alive():
            raise RuntimeError(f"{server.name} died during {what}:\n{server.tail()}")
        if result.failures or (result.requests == 0 and not warmup):
            self.broken.append(
                f"{what}: {result.requests} requests, errors {result.errors}, first: {result.first_error}"
            )

    def compare(self, bench: Bench, rounds: int = 0) -> Row:
        """The bench on each side, warmed up, then `rounds` rounds (0: the bench's or the
        profile's, whichever is fewer) alternating the sides in the same order (app, tuned
        floor, naive floor)."""
        row = Row(bench.key, bench.label)
        sides: list[Side] = ["app", "floor", *(["naive"] if bench.naive and self.naive else [])]  # type: ignore[list-item]
        duration = self.profile.duration_s
        if bench.connections == 1 and self.profile.latency_duration_s:
            duration = self.profile.latency_duration_s
        for side in sides if self.profile.warmup_s else ():
            self.measure(bench, side, self.profile.warmup_s, warmup=True)
        for n in range(rounds or min(self.profile.rounds, bench.rounds or self.profile.rounds)):
            for side in sides:
                row.results(side).append(self.measure(bench, side, duration))
            print(f"  {bench.key:21s} round {n + 1}: " + " | ".join(_brief(side, row) for side in sides), flush=True)
        return row

    def logins(self, memory: Memory) -> tuple[float, float]:
        """Authenticated GET p99 alone, then while the login clients run; the peak VmRSS."""
        get = next(b for b in BENCHES if b.key == "get_employee")
        password = next(b for b in BENCHES if b.key == "password")
        alone, loaded = [], []
        for _ in range(self.profile.rounds):
            alone.append(self.measure(get, "app", self.profile.duration_s).p99_ms)
            data = {**self.ctx.side("app"), **password.data(self.ctx, "app")}
            logins = Load.start(
                self.app.base,
                password.script,
                data,
                connections=self.profile.login_connections,
                duration_s=self.profile.duration_s + 2,
                cpus=self.load_cpus,
            )
            time.sleep(0.5)
            data = {**self.ctx.side("app"), **get.data(self.ctx, "app")}
            reads = Load.start(
                self.app.base,
                get.script,
                data,
                connections=self.profile.connections,
                duration_s=self.profile.duration_s,
                cpus=self.load_cpus,
            )
            while reads.running():
                memory.during_logins_mib = max(memory.during_logins_mib, self.app.rss_mib())
                time.sleep(0.2)
            result = reads.result()
            self.check("get_employee under logins", self.app, result)
            login_result = logins.result()
            settle(login_result)
            self.check("password grant beside reads", self.app, login_result)
            loaded.append(result.p99_ms)
        return median(alone), median(loaded)


def _brief(side: Side, row: Row) -> str:
    result = row.results(side)[-1]
    name = {"app": "Upskill", "floor": "tuned", "naive": "naive"}[side]
    return f"{name} {result.rps:7,.0f} req/s p50 {result.p50_ms:7.2f} ms {result.cpu_ms:5.2f} CPU ms/req"


def settle(result: Result) -> None:
    """Let the requests wrk left in flight finish (a PATCH committing after the harness read
    the versions would make the next run's If-Match stale)."""
    time.sleep(min(10.0, max(0.5, 1.5 * result.max_ms / 1000)))


def calls(ctx: Context) -> list[roundtrips.Call]:
    p = fixtures.APP_PREFIX
    json, patch = tuple(fixtures.JSON.items()), (*fixtures.MERGE_PATCH.items(), ("If-Match", "*"))
    form = tuple(fixtures.FORM.items())
    user = fixtures.login_users(1)[0]
    proposed = tuple(asyncio.run(fixtures.reopen_proposed(ctx.database_url))[-10:])
    in_progress = tuple(asyncio.run(fixtures.reopen_in_progress(ctx.database_url))[-10:])
    return [
        roundtrips.Call("get_employee", "GET", f"{p}/employees/{ctx.ids[0]}"),
        roundtrips.Call("list_first", "GET", f"{p}/employees?sort=full_name&limit=50"),
        roundtrips.Call("list_deep", "GET", _deep(p, ctx.app_cursor)),
        roundtrips.Call("create_competency", "POST", f"{p}/competencies", '{"name":"bench-rt-{n}"}', json),
        roundtrips.Call("patch_employee", "PATCH", f"{p}/employees/{ctx.ids[0]}", '{"job_title":"rt {n}"}', patch),
        roundtrips.Call("refresh", "POST", f"{p}/auth/token", "grant_type=refresh_token&refresh_token={refresh}", form),
        roundtrips.Call(
            "password", "POST", f"{p}/auth/token", f"grant_type=password&username={user}&password={_password()}", form
        ),
        roundtrips.Call("coverage", "GET", f"{p}/departments/{ctx.departments[0]}/coverage"),
        roundtrips.Call("recommendations", "GET", f"{p}/employees/{ctx.ids[0]}/recommendations"),
        roundtrips.Call("validate", "POST", f"{p}/assessments/{{id}}/validate", pool=proposed),
        roundtrips.Call(
            "complete_enrollment", "PATCH", f"{p}/enrollments/{{id}}", '{"status":"completed"}', patch, pool=in_progress
        ),
        roundtrips.Call("matrix", "GET", f"{p}/departments/{ctx.departments[0]}/matrix"),
        roundtrips.Call(
            "matrix_csv", "GET", f"{p}/departments/{ctx.departments[0]}/matrix", None, (("Accept", "text/csv"),)
        ),
    ]


def _deep(prefix: str, cursor: str) -> str:
    return f"{prefix}/employees?sort=full_name&limit=50&cursor={quote(cursor, safe='')}"


def _password() -> str:
    return quote(PASSWORD)
