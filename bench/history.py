"""The history step: the team views again on a data set with five times the assessments.

After the main benches, `make bench` measures coverage, recommendations and the matrix at a
~2,000-person department and at the 10,000-person one once more, on a second database: the
same data set plus `Profile.history_assessments` older assessments (4,000,000: 1M → 5M rows),
validated, of employee x competency pairs the data set already holds in every department, all
assessed and expired years before the earliest regular one — so no answer changes, only the
history behind it grows. The rows are part of that database's data set (`Dataset(history=…)`,
COPY with the plain indexes made after it, then VACUUM ANALYZE, as `bench/seed.py` seeds), and
its comment is its own cache key (the main key + `history=N`): it is seeded once (~3 min at
full size) and reused while the data set, the migrations and the count stay the same. The main
database is never touched, so its dataset check holds whatever happens in this step.

Servers: a fresh Upskill and tuned floor on that database (the same `bench.serve`, flags and
pinning), the main ones stopped first; the naive floor has none of these endpoints.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from adapters.settings import Settings
from bench.benches import BENCHES, HISTORY, Context
from bench.cores import CorePlan
from bench.harness import Harness
from bench.profiles import Profile
from bench.report import Row
from bench.seed import ensure_database
from bench.servers import Server


def history_profile(profile: Profile) -> Profile:
    """The history step's database: the profile's name + `_history`."""
    return dataclasses.replace(profile, database=f"{profile.database}_history")


def measure(
    profile: Profile,
    settings: Settings,
    server_url: str,
    cores: CorePlan | None,
    servers: tuple[Server, Server],
    ctx: Context,
    keys: frozenset[str] | None = None,
) -> tuple[dict[str, Row], list[str], list[str]]:
    """The history benches (all of `HISTORY`, or those of `keys`) on the history database:
    their rows, notes (what the step cost) and harness problems. `servers` are the app and the
    tuned floor to start on it (not started yet; stopped here)."""
    started = time.perf_counter()
    url = asyncio.run(
        ensure_database(server_url, history_profile(profile), settings, history=profile.history_assessments)
    )
    prepared = time.perf_counter() - started
    app, floor = servers
    try:
        for server in servers:
            server.start(cores.server if cores else None)
        here = dataclasses.replace(ctx, database_url=url, app_base=app.base, floor_base=floor.base)
        harness = Harness(profile, cores, app, floor, here)
        chosen = [b for b in BENCHES if b.key in HISTORY and (keys is None or b.key in keys)]
        rows = {b.key: harness.compare(b, profile.history_rounds) for b in chosen}
    finally:
        for server in servers:
            server.stop()
    total = time.perf_counter() - started
    notes = [
        f"history step: {profile.history_assessments:,} older assessments in {url.rsplit('/', 1)[-1]} "
        f"(database ready in {prepared:.0f} s: seeded once, then cached), {len(rows)} benches x "
        f"{profile.history_rounds} round(s) on Upskill and the tuned floor; {total:.0f} s in all"
    ]
    return rows, notes, harness.broken
