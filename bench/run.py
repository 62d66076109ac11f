"""`make bench` / `make bench-smoke`: Upskill against the floor, under wrk, on a seeded database.

    python -m bench.run            # the full data set and load; writes bench/results/latest.md
    python -m bench.run --smoke    # tiny data, 2 s runs, 1 round; writes bench/results/smoke.md

Exits 1 when the harness broke (a server died, a response was not 2xx, wrk failed), never for
a missed target: targets are reported. See bench/README.md for the method.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from pathlib import Path

from adapters.settings import Settings
from bench import fixtures, roundtrips
from bench.benches import BENCHES, Bench, Context
from bench.cores import CorePlan, pin_process_tree, plan
from bench.dataset import ADMIN_EMAIL, Dataset
from bench.load import Load, Result, median, run
from bench.pgserver import bench_server
from bench.profiles import FULL, SMOKE, Profile
from bench.report import Memory, Row, machine, render
from bench.seed import dsn, ensure_database, server_version
from bench.servers import Server, app_environment
from bench.targets import evaluate, sql_drift
from bench.tooling import ensure_wrk, py_spy_top

RESULTS = Path(__file__).parent / "results"
APP_PORT, FLOOR_PORT = 18080, 18081
DEFAULT_APP = "adapters.main:build_app"


class Harness:
    def __init__(self, profile: Profile, cores: CorePlan | None, app: Server, floor: Server, ctx: Context) -> None:
        self.profile, self.cores, self.app, self.floor, self.ctx = profile, cores, app, floor, ctx
        self.broken: list[str] = []

    @property
    def load_cpus(self) -> str | None:
        return self.cores.load if self.cores else None

    def measure(self, bench: Bench, app: bool, duration_s: float, *, warmup: bool = False) -> Result:
        server = self.app if app else self.floor
        if app:
            self.ctx.token = fixtures.password_grant(self.app.base, ADMIN_EMAIL)["access_token"]
        data = {**self.ctx.side(app), **bench.data(self.ctx, app)}
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

    def compare(self, bench: Bench) -> Row:
        row = Row(bench.key, bench.label)
        for app in (True, False):
            self.measure(bench, app, self.profile.warmup_s, warmup=True)
        for n in range(self.profile.rounds):
            row.app.append(self.measure(bench, True, self.profile.duration_s))
            row.floor.append(self.measure(bench, False, self.profile.duration_s))
            ours, bare = row.app[-1], row.floor[-1]
            print(
                f"  {bench.key:18s} round {n + 1}: Upskill {ours.rps:8,.0f} req/s p50 {ours.p50_ms:7.2f} ms"
                f" {ours.cpu_ms:5.2f} CPU ms/req | floor {bare.rps:8,.0f} req/s p50 {bare.p50_ms:7.2f} ms"
                f" {bare.cpu_ms:5.2f} CPU ms/req",
                flush=True,
            )
        return row

    def logins(self, memory: Memory) -> tuple[float, float]:
        """Authenticated GET p99 alone, then while the login clients run; the peak VmRSS."""
        get = next(b for b in BENCHES if b.key == "get_employee")
        password = next(b for b in BENCHES if b.key == "password")
        alone, loaded = [], []
        for _ in range(self.profile.rounds):
            alone.append(self.measure(get, True, self.profile.duration_s).p99_ms)
            data = {**self.ctx.side(True), **password.data(self.ctx, True)}
            logins = Load.start(
                self.app.base,
                password.script,
                data,
                connections=self.profile.login_connections,
                duration_s=self.profile.duration_s + 2,
                cpus=self.load_cpus,
            )
            time.sleep(0.5)
            data = {**self.ctx.side(True), **get.data(self.ctx, True)}
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


def settle(result: Result) -> None:
    """Let the requests wrk left in flight finish (a PATCH committing after the harness read
    the versions would make the next run's If-Match stale)."""
    time.sleep(min(10.0, max(0.5, 1.5 * result.max_ms / 1000)))


def calls(ctx: Context) -> list[roundtrips.Call]:
    p = fixtures.APP_PREFIX
    json, patch = tuple(fixtures.JSON.items()), (*fixtures.MERGE_PATCH.items(), ("If-Match", "*"))
    form = tuple(fixtures.FORM.items())
    user = fixtures.login_users(1)[0]
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
    ]


def _deep(prefix: str, cursor: str) -> str:
    from urllib.parse import quote

    return f"{prefix}/employees?sort=full_name&limit=50&cursor={quote(cursor, safe='')}"


def _password() -> str:
    from urllib.parse import quote

    from bench.dataset import PASSWORD

    return quote(PASSWORD)


def bench(
    profile: Profile, only: set[str], spy_s: int, factory: str = DEFAULT_APP, extra_env: dict[str, str] | None = None
) -> int:
    ensure_wrk()
    cores = plan()
    settings = Settings.model_construct()  # the defaults: the benched app gets no other UPSKILL_* than ours
    with bench_server() as server:
        if server.embedded and cores and server.pid:
            pin_process_tree(server.pid, cores.postgres)
        url = asyncio.run(ensure_database(server.url, profile, settings))
        app_env = {**app_environment(url, APP_PORT), **(extra_env or {})}
        app = Server("app", factory, APP_PORT, app_env, "/health/ready")
        app.what_if = "".join(f", {name}={value}" for name, value in (extra_env or {}).items())
        floor_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")},
            "BENCH_FLOOR_DSN": dsn(url),
            "BENCH_FLOOR_POOL": str(settings.db_pool_size + settings.db_max_overflow),
        }
        floor = Server("floor", "bench.floor:build_app", FLOOR_PORT, floor_env, "/health")
        try:
            stem = _stem(profile, factory, only) + ("-env" if extra_env else "")
            version = asyncio.run(server_version(url))
            return _bench(profile, only, spy_s, cores, url, app, floor, version, server.embedded, stem)
        finally:
            app.stop()
            floor.stop()


def _bench(
    profile: Profile,
    only: set[str],
    spy_s: int,
    cores: CorePlan | None,
    url: str,
    app: Server,
    floor: Server,
    pg_version: str,
    embedded: bool,
    stem: str,
) -> int:
    load_before = _loadavg()
    for server in (app, floor):
        server.start(cores.server if cores else None)
    memory = Memory(start_mib=app.rss_mib())
    dataset = Dataset(profile.sizes, "")
    ctx = Context(
        profile=profile,
        database_url=url,
        app_base=app.base,
        floor_base=floor.base,
        token=fixtures.password_grant(app.base, ADMIN_EMAIL)["access_token"],
        ids=fixtures.employee_ids(dataset, profile.id_pool),
        departments=[str(d) for d in dataset.departments],
        patch_pool=fixtures.employee_ids(dataset, max(profile.connections * 8, profile.id_pool // 5), seed="patch"),
    )
    page = f"{fixtures.APP_PREFIX}/employees?sort=full_name&limit=50"
    ctx.app_cursor, app_first = fixtures.cursor_of_page(app.base, page, profile.deep_page, ctx.auth())
    ctx.floor_cursor, floor_first = fixtures.cursor_of_page(
        floor.base, "/employees?sort=full_name&limit=50", profile.deep_page, {}
    )
    harness = Harness(profile, cores, app, floor, ctx)
    if app_first != floor_first:
        harness.broken.append(f"page {profile.deep_page}: the app starts at {app_first}, the floor at {floor_first}")
    counts = asyncio.run(roundtrips.count(url, calls(ctx)))
    harness.broken += [f"round-trip count of {c.key}: status {c.status}" for c in counts if not 200 <= c.status < 300]
    rows = {b.key: harness.compare(b) for b in BENCHES if not only or b.key in only}
    login = harness.logins(memory) if not only or "logins" in only else (0.0, 0.0)
    spy = py_spy_top(app, harness, spy_s) if spy_s else []
    memory.after_mib, memory.floor_after_mib = app.rss_mib(), floor.rss_mib()
    targets = evaluate(rows, counts, memory, login)
    where = "embedded, .data/bench/postgres" if embedded else "UPSKILL_DATABASE_URL's server"
    notes = [
        f"the deep page is page {profile.deep_page} of limit=50 (rows {(profile.deep_page - 1) * 50 + 1}…), "
        "its cursor walked once beforehand on each server",
        "PATCH sends If-Match with the version each connection last saw (read from the database before the run, "
        "then the ETag of each answer); every PATCH changes job_title",
        "the refresh grant rotates per connection (each answer's refresh token is the next request's); the floor's "
        "refresh reads the token row FOR UPDATE and marks it used, in one transaction",
        "Upskill runs with UPSKILL_ENV=prod, JWT keys from UPSKILL_JWT_KEYS, argon2 defaults, log level WARNING "
        "(no access line is written) and the per-IP token limit lifted (every request comes from 127.0.0.1)",
        "round trips are counted on the wire (bench/wire.py) with the app in-process; the SQL is in "
        f"{_sql_file(stem).name}",
        f"app factory: {app.factory}{app.what_if}; load average before / after: {load_before} / {_loadavg()}",
        *([f"harness problems: {'; '.join(harness.broken)}"] if harness.broken else []),
        *(
            [f"WARNING: the floor no longer sends the app's SQL for {', '.join(drift)}: update bench/floor_sql.py"]
            if (drift := sql_drift(counts))
            else []
        ),
        *spy,
    ]
    text = render(
        profile, list(rows.values()), targets, counts, memory, login,
        machine(profile, pg_version, cores.describe() if cores else "none (one CPU or no taskset)", where), notes,
    )  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.md").write_text(text)
    _sql_file(stem).write_text(roundtrips.markdown(counts))
    print(text)
    if harness.broken:
        print("HARNESS PROBLEMS:\n  " + "\n  ".join(harness.broken), file=sys.stderr)
        return 1
    return 0


def _stem(profile: Profile, factory: str, only: set[str]) -> str:
    """The report's file name: latest.md for the full bench of the app, else one of its own
    (smoke, a variant, a subset), so a partial run never replaces the full report."""
    stem = "latest" if profile.name == "full" else profile.name
    if factory != DEFAULT_APP:
        stem += "-" + factory.rsplit(":", 1)[-1]
    return stem + ("-partial" if only else "")


def _sql_file(stem: str) -> Path:
    return RESULTS / ("sql.md" if stem == "latest" else f"{stem}-sql.md")


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, short runs (CI)")
    parser.add_argument("--rounds", type=int, help="override the profile's rounds")
    parser.add_argument("--duration", type=int, help="override the profile's seconds per run")
    parser.add_argument("--only", default="", help="comma-separated bench keys (and/or 'logins')")
    parser.add_argument("--py-spy", type=int, default=0, metavar="S", help="record the worker S s under GET load")
    parser.add_argument("--app", default=DEFAULT_APP, help="the app factory (a what-if variant: bench/variants.py)")
    parser.add_argument(
        "--app-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment of the app (what-if)"
    )
    args = parser.parse_args(argv)
    profile = SMOKE if args.smoke else FULL
    if args.rounds:
        profile = dataclasses.replace(profile, rounds=args.rounds)
    if args.duration:
        profile = dataclasses.replace(profile, duration_s=args.duration)
    only = {k for k in args.only.split(",") if k}
    extra = dict(item.split("=", 1) for item in args.app_env)
    return bench(profile, only, args.py_spy, args.app, extra)


if __name__ == "__main__":
    sys.exit(main())
