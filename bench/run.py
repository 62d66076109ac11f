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
import socket
import sys
from pathlib import Path

from adapters.settings import Settings
from bench import fixtures, roundtrips
from bench.benches import BENCHES, Context
from bench.cores import CorePlan, pin_process_tree, plan
from bench.dataset import ADMIN_EMAIL, Dataset
from bench.harness import Harness, calls
from bench.pgserver import bench_server
from bench.profiles import FULL, SMOKE, Profile
from bench.report import Memory, machine, render
from bench.seed import dsn, ensure_database, server_version
from bench.servers import Server, app_environment
from bench.targets import evaluate, matrix_growth, sql_drift
from bench.tooling import ensure_wrk, py_spy_top

RESULTS = Path(__file__).parent / "results"


def _free_port() -> int:
    """A port nothing listens on now (a fixed one collides with a leftover server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


APP_PORT, FLOOR_PORT = _free_port(), _free_port()
DEFAULT_APP = "adapters.main:build_app"


@dataclasses.dataclass(frozen=True, slots=True)
class Options:
    only: frozenset[str] = frozenset()
    """Bench keys to run (and/or "logins"); empty: all."""
    spy_s: int = 0
    spy_on: str = "get_employee"
    factory: str = DEFAULT_APP
    """The app factory: the app, or a what-if variant (bench/variants.py)."""
    extra_env: dict[str, str] = dataclasses.field(default_factory=dict)
    """More environment for the app (what-if runs)."""

    def stem(self, profile: Profile) -> str:
        """The report's file name: latest.md for the full bench of the app, else one of its
        own (smoke, a variant, a subset), so a partial run never replaces the full report."""
        stem = "latest" if profile.name == "full" else profile.name
        if self.factory != DEFAULT_APP:
            stem += "-" + self.factory.rsplit(":", 1)[-1]
        return stem + ("-env" if self.extra_env else "") + ("-partial" if self.only else "")


def bench(profile: Profile, options: Options) -> int:
    ensure_wrk()
    cores = plan()
    settings = Settings.model_construct()  # the defaults: the benched app gets no other UPSKILL_* than ours
    with bench_server() as server:
        if server.embedded and cores and server.pid:
            pin_process_tree(server.pid, cores.postgres)
        url = asyncio.run(ensure_database(server.url, profile, settings))
        app = Server(
            "app", options.factory, APP_PORT, {**app_environment(url, APP_PORT), **options.extra_env}, "/health/ready"
        )
        app.what_if = "".join(f", {name}={value}" for name, value in options.extra_env.items())
        floor_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")},
            "BENCH_FLOOR_DSN": dsn(url),
            "BENCH_FLOOR_POOL": str(settings.db_pool_size + settings.db_max_overflow),
        }
        floor = Server("floor", "bench.floor:build_app", FLOOR_PORT, floor_env, "/health")
        try:
            where = "embedded, .data/bench/postgres" if server.embedded else "UPSKILL_DATABASE_URL's server"
            version = f"{asyncio.run(server_version(url))} ({where})"
            return _bench(profile, options, cores, url, app, floor, version)
        finally:
            app.stop()
            floor.stop()


def _bench(
    profile: Profile, options: Options, cores: CorePlan | None, url: str, app: Server, floor: Server, pg_version: str
) -> int:
    only, stem = options.only, options.stem(profile)
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
        departments=[str(d) for d in dataset.departments[: profile.sizes.departments]],
        growth=[str(d) for d in dataset.departments[profile.sizes.departments :]],
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
    spy = py_spy_top(app, harness, options.spy_s, options.spy_on) if options.spy_s else []
    memory.after_mib, memory.floor_after_mib = app.rss_mib(), floor.rss_mib()
    targets = evaluate(rows, counts, memory, login)
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
        *([line] if (line := matrix_growth(rows, _growth_sizes(dataset))) else []),
        *spy,
    ]
    text = render(
        profile, list(rows.values()), targets, counts, memory, login,
        machine(profile, pg_version, cores.describe() if cores else "none (one CPU or no taskset)"), notes,
    )  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.md").write_text(text)
    _sql_file(stem).write_text(roundtrips.markdown(counts))
    print(text)
    if harness.broken:
        print("HARNESS PROBLEMS:\n  " + "\n  ".join(harness.broken), file=sys.stderr)
        return 1
    return 0


def _growth_sizes(dataset: Dataset) -> list[tuple[str, int]]:
    """(bench key, current employees) of the small, a regular and the large department."""

    def people(k: int) -> int:
        return sum(1 for i in range(len(dataset.employees)) if dataset.department_of(i) == k and not dataset.left(i))

    regular = dataset.sizes.departments
    return [("matrix_small", people(regular)), ("matrix", people(0)), ("matrix_large", people(regular + 1))]


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
    parser.add_argument("--py-spy", type=int, default=0, metavar="S", help="record the worker S s under a bench's load")
    parser.add_argument("--py-spy-on", default="get_employee", metavar="KEY", help="the bench --py-spy records")
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
    options = Options(
        only=frozenset(k for k in args.only.split(",") if k),
        spy_s=args.py_spy,
        spy_on=args.py_spy_on,
        factory=args.app,
        extra_env=dict(item.split("=", 1) for item in args.app_env),
    )
    return bench(profile, options)


if __name__ == "__main__":
    sys.exit(main())
