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
import json
import os
import socket
import sys
from pathlib import Path

from adapters.settings import Settings
from bench import fixtures, roundtrips
from bench.benches import BENCHES, HISTORY, Context
from bench.cores import CorePlan, pin_process_tree, plan
from bench.dataset import ADMIN_EMAIL, Dataset
from bench.harness import Harness, calls
from bench.history import history_profile
from bench.history import measure as measure_history
from bench.pgserver import bench_server
from bench.profiles import FULL, SMOKE, Profile
from bench.report import Memory, Row, history_table, machine, render
from bench.seed import database_url, dsn, ensure_database, server_version
from bench.servers import Server, app_environment
from bench.targets import evaluate, growth, p99_lines, rows_per_s, sql_drift
from bench.tooling import ensure_wrk, py_spy_top

RESULTS = Path(__file__).parent / "results"
BASELINE = Path(__file__).parent / "baseline_p99.json"


def _free_port() -> int:
    """A port nothing listens on now (a fixed one collides with a leftover server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


APP_PORT, FLOOR_PORT, NAIVE_PORT = _free_port(), _free_port(), _free_port()
DEFAULT_APP = "adapters.main:build_app"
DATABASE_VARIABLE = "BENCH_DATABASE"
"""The bench database's name instead of the profile's (a data set of one's own on a shared server)."""


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
    no_history: bool = False
    """Skip the history step (bench/history.py)."""

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
        app, floor, naive = _servers(options, settings, url)
        try:
            where = "embedded, .data/bench/postgres" if server.embedded else "UPSKILL_DATABASE_URL's server"
            version = f"{asyncio.run(server_version(url))} ({where})"
            return _bench(profile, options, cores, url, (app, floor, naive), version, server.url, settings)
        finally:
            for each in (app, floor, naive):
                each.stop()


def _servers(options: Options, settings: Settings, url: str, suffix: str = "") -> tuple[Server, Server, Server]:
    """Upskill, the tuned floor and the naive floor on database `url` (not started): the same
    `bench.serve`, the floors with a pool as large as the app's (pool + overflow)."""
    app = Server(
        f"app{suffix}",
        options.factory,
        APP_PORT,
        {**app_environment(url, APP_PORT), **options.extra_env},
        "/health/ready",
    )
    app.what_if = "".join(f", {name}={value}" for name, value in options.extra_env.items())
    floor_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")},
        "BENCH_FLOOR_DSN": dsn(url),
        "BENCH_FLOOR_POOL": str(settings.db_pool_size + settings.db_max_overflow),
    }
    floor = Server(f"floor{suffix}", "bench.floor:build_app", FLOOR_PORT, floor_env, "/health")
    naive = Server(f"naive{suffix}", "bench.floor_naive:build_app", NAIVE_PORT, floor_env, "/health")
    return app, floor, naive


def _selection(options: Options, profile: Profile) -> tuple[frozenset[str], frozenset[str]]:
    """The main benches to run (empty: all) and the history step's (empty: none). `--only
    history` runs the history step and the same benches on the main database, to compare."""
    only = options.only
    if options.no_history or not profile.history_assessments:
        return only, frozenset()
    every = frozenset(profile.history_keys or HISTORY)
    if not only:
        return only, every
    if "history" not in only:
        return only, frozenset()
    return only | every, every


def _bench(
    profile: Profile,
    options: Options,
    cores: CorePlan | None,
    url: str,
    servers: tuple[Server, Server, Server],
    pg_version: str,
    server_url: str,
    settings: Settings,
) -> int:
    app, floor, naive = servers
    (only, history_keys), stem = _selection(options, profile), options.stem(profile)
    load_before = _loadavg()
    for server in servers:
        server.start(cores.server if cores else None)
    memory = Memory(start_mib=app.rss_mib())
    dataset = Dataset(profile.sizes, "")
    regular = profile.sizes.departments
    ctx = Context(
        profile=profile,
        database_url=url,
        app_base=app.base,
        floor_base=floor.base,
        token=fixtures.password_grant(app.base, ADMIN_EMAIL)["access_token"],
        ids=fixtures.employee_ids(dataset, profile.id_pool),
        departments=[str(d) for d in dataset.departments[:regular]],
        growth=[str(d) for d in dataset.departments[regular:]],
        growth_ids=[
            fixtures.department_staff(dataset, k, profile.id_pool // 10)
            for k in range(regular, len(dataset.departments))
        ],
        patch_pool=fixtures.employee_ids(dataset, max(profile.connections * 8, profile.id_pool // 5), seed="patch"),
    )
    page, bare = f"{fixtures.APP_PREFIX}/employees?sort=full_name&limit=50", "/employees?sort=full_name&limit=50"
    ctx.app_cursor, app_first = fixtures.cursor_of_page(app.base, page, profile.deep_page, ctx.auth())
    ctx.floor_cursor, floor_first = fixtures.cursor_of_page(floor.base, bare, profile.deep_page, {})
    ctx.naive_cursor, naive_first = fixtures.cursor_of_page(naive.base, bare, profile.deep_page, {})
    harness = Harness(profile, cores, app, floor, ctx, naive)
    if not app_first == floor_first == naive_first:
        harness.broken.append(
            f"page {profile.deep_page}: the app starts at {app_first}, the tuned floor at {floor_first}, "
            f"the naive floor at {naive_first}"
        )
    counts = asyncio.run(roundtrips.count(url, calls(ctx)))
    harness.broken += [f"round-trip count of {c.key}: status {c.status}" for c in counts if not 200 <= c.status < 300]
    rows = {b.key: harness.compare(b) for b in BENCHES if not only or b.key in only}
    login = harness.logins(memory) if not only or "logins" in only else (0.0, 0.0)
    spy = py_spy_top(app, harness, options.spy_s, options.spy_on) if options.spy_s else []
    memory.after_mib, memory.floor_after_mib, memory.naive_after_mib = app.rss_mib(), floor.rss_mib(), naive.rss_mib()
    load_main = _loadavg()
    history: dict[str, Row] = {}
    history_notes: list[str] = []
    if history_keys:
        for server in servers:
            server.stop()
        history_url = database_url(server_url, history_profile(profile).database)
        history_app, history_floor, _ = _servers(options, settings, history_url, "-history")
        history, history_notes, broken = measure_history(
            profile, settings, server_url, cores, (history_app, history_floor), ctx, history_keys
        )
        harness.broken += broken
    people = _people(dataset)
    baseline, sources = _baseline()
    targets = evaluate(rows, counts, memory, login, people, history, baseline if profile.name == "full" else {})
    growth_lines = [
        growth(what, rows, [(key, people[key]) for key in keys])
        for what, keys in (
            ("coverage", ("coverage_small", "coverage", "coverage_large")),
            ("recommendations", ("recommendations_small", "recommendations", "recommendations_large")),
            ("matrix JSON", ("matrix_small", "matrix", "matrix_large")),
        )
    ]
    notes = [
        f"the deep page is page {profile.deep_page} of limit=50 (rows {(profile.deep_page - 1) * 50 + 1}…), "
        "its cursor walked once beforehand on each server",
        "PATCH sends If-Match with the version each connection last saw (read from the database before the run, "
        "then the ETag of each answer); every PATCH changes job_title",
        "the refresh grant rotates per connection (each answer's refresh token is the next request's); the floor's "
        "refresh reads the token row FOR UPDATE and marks it used, in one transaction",
        "Upskill runs with UPSKILL_ENV=prod, JWT keys from UPSKILL_JWT_KEYS, argon2 defaults, log level WARNING "
        "(no access line is written) and the per-IP token limit lifted (every request comes from 127.0.0.1)",
        "the naive floor (bench/floor_naive.py): FastAPI's default JSONResponse through response models, SELECT * "
        "by key / first page / keyset, INSERT … RETURNING *, PATCH = SELECT * then UPDATE … RETURNING * (no "
        "If-Match, no transaction, no events); no auth. Its POST and PATCH are measured against the app with its "
        'events outbox and idempotency on (the defaults). "—": no naive equivalent',
        "round trips are counted on the wire (bench/wire.py) with the app in-process; the SQL is in "
        f"{_sql_file(stem).name}",
        f"app factory: {app.factory}{app.what_if}; load average before / after the main benches"
        f"{' / after the history step' if history else ''}: {load_before} / {load_main}"
        f"{' / ' + _loadavg() if history else ''}",
        *([f"harness problems: {'; '.join(harness.broken)}"] if harness.broken else []),
        *(
            [f"WARNING: the floor no longer sends the app's SQL for {', '.join(drift)}: update bench/floor_sql.py"]
            if (drift := sql_drift(counts))
            else []
        ),
        *(line for line in growth_lines if line),
        *([line] if (line := _csv_rate(rows, people)) else []),
        *([line] if (line := _history_line(rows, history, people, _sizes(profile))) else []),
        *history_notes,
        *spy,
    ]
    sections: list[tuple[str, list[str]]] = []
    if history:
        title = f"Growth with history: {_sizes(profile)} assessments (the same answers)"
        sections.append((title, history_table(rows, history, people, _sizes(profile))))
    if profile.name == "full" and baseline:
        sections.append(("p99 against the baseline (bench/baseline_p99.json)", p99_lines(rows, baseline, sources)))
    text = render(
        profile, list(rows.values()), targets, counts, memory, login,
        machine(profile, pg_version, cores.describe() if cores else "none (one CPU or no taskset)"), notes, sections,
    )  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.md").write_text(text)
    _sql_file(stem).write_text(roundtrips.markdown(counts))
    print(text)
    if harness.broken:
        print("HARNESS PROBLEMS:\n  " + "\n  ".join(harness.broken), file=sys.stderr)
        return 1
    return 0


def _people(dataset: Dataset) -> dict[str, int]:
    """Current employees each department bench shows: the small department's, the first regular
    one's (coverage and recommendations draw among the regular ones, all about as large) and the
    large one's."""
    regular = dataset.sizes.departments
    counts = [0] * len(dataset.departments)
    for i in range(len(dataset.employees)):
        if not dataset.left(i):
            counts[dataset.department_of(i)] += 1
    people = {}
    for view in ("coverage", "recommendations", "matrix"):
        people[f"{view}_small"] = counts[regular]
        people[view] = counts[0]
        people[f"{view}_large"] = counts[regular + 1]
    people["matrix_csv"], people["matrix_csv_large"] = counts[0], counts[regular + 1]
    return people


def _csv_rate(rows: dict[str, Row], people: dict[str, int]) -> str | None:
    parts = [
        f"{key} {rows_per_s(row, 'app', people[key]):,.0f} rows/s ({people[key]:,} rows; tuned floor "
        f"{rows_per_s(row, 'floor', people[key]):,.0f})"
        for key in ("matrix_csv", "matrix_csv_large")
        if (row := rows.get(key)) is not None and row.app
    ]
    return "matrix CSV streamed, rows over p50: " + "; ".join(parts) if parts else None


def _sizes(profile: Profile) -> str:
    """The assessments without and with the history step's: "1M → 5M" (or as many as there are)."""
    before = profile.sizes.assessments + profile.sizes.proposed
    after = before + profile.history_assessments

    def short(n: int) -> str:
        return f"{n / 1e6:.1f}M" if n >= 1_000_000 else f"{n:,}"

    return f"{short(before)} → {short(after)}"


def _history_line(rows: dict[str, Row], history: dict[str, Row], people: dict[str, int], sizes: str) -> str | None:
    parts = [
        f"{key} ({people[key]:,} people) {before.med('app', 'p50_ms'):.2f} → {after.med('app', 'p50_ms'):.2f} ms"
        for key, after in history.items()
        if (before := rows.get(key)) is not None and before.app and after.app
    ]
    return f"growth with history, Upskill p50 at {sizes} assessments: " + "; ".join(parts) if parts else None


def _baseline() -> tuple[dict[str, tuple[float, float]], dict[str, str]]:
    """The p99 per bench before issue 16 and the tuned floor's in the same run
    (bench/baseline_p99.json), and where each is from."""
    benches = json.loads(BASELINE.read_text())["benches"]
    p99 = {k: (float(v["p99_ms"]), float(v.get("floor_p99_ms", 0.0))) for k, v in benches.items()}
    return p99, {k: str(v["from"]) for k, v in benches.items()}


def _sql_file(stem: str) -> Path:
    return RESULTS / ("sql.md" if stem == "latest" else f"{stem}-sql.md")


def _loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data, short runs (CI)")
    parser.add_argument("--rounds", type=int, help="override the profile's rounds")
    parser.add_argument("--duration", type=int, help="override the profile's seconds per run")
    parser.add_argument(
        "--only", default="", help="comma-separated bench keys (and/or 'logins', 'history': the history step)"
    )
    parser.add_argument("--no-history", action="store_true", help="skip the history step (1M → 5M assessments)")
    parser.add_argument("--py-spy", type=int, default=0, metavar="S", help="record the worker S s under a bench's load")
    parser.add_argument("--py-spy-on", default="get_employee", metavar="KEY", help="the bench --py-spy records")
    parser.add_argument("--app", default=DEFAULT_APP, help="the app factory (a what-if variant: bench/variants.py)")
    parser.add_argument(
        "--app-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment of the app (what-if)"
    )
    args = parser.parse_args(argv)
    profile = SMOKE if args.smoke else FULL
    if os.environ.get(DATABASE_VARIABLE):
        profile = dataclasses.replace(profile, database=os.environ[DATABASE_VARIABLE])
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
        no_history=args.no_history,
    )
    return bench(profile, options)


if __name__ == "__main__":
    sys.exit(main())
