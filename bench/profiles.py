"""The two shapes of a bench run: the full data set and load (`make bench`) and a tiny one that
only proves the harness works end to end (`make bench-smoke`, for CI)."""

from __future__ import annotations

from dataclasses import dataclass

DATASET_VERSION = 3
"""Bump when the generated data changes: a cached bench database of another version is
dropped and seeded again."""


@dataclass(frozen=True, slots=True)
class Sizes:
    """How many records of each kind the seeder writes."""

    departments: int
    employees: int
    competencies: int
    courses: int
    assessments: int
    requirements_per_department: int
    company_wide_requirements: int
    feedback: int
    enrollments: int
    employee_users: int
    """Users with role employee, linked to the first employees (the login bench uses them)."""
    proposed: int = 0
    """Self-assessments waiting for review (the validate bench takes them one by one: more than
    the floor validates in a warm-up or a run on a quiet machine, or it answers 409s)."""
    in_progress: int = 0
    """Enrollments in progress (the completion bench completes them one by one; as large)."""
    small_department: int = 0
    """Employees of one more department, smaller than the others (the matrix growth curve)."""
    large_department: int = 0
    """Employees of one more department, larger than the others (the matrix growth curve)."""

    def describe(self) -> str:
        return ",".join(f"{name}={getattr(self, name)}" for name in self.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    database: str
    """The bench database (created on the server, never any other)."""
    sizes: Sizes
    duration_s: int
    warmup_s: int
    rounds: int
    connections: int
    login_connections: int
    deep_page: int
    """The page (of `limit=50`, sorted by full name) the deep-list bench reads by cursor."""
    id_pool: int
    """How many employee ids the random-id scripts draw from."""
    latency_duration_s: int = 0
    """Seconds per run of the 1-connection benches, whose targets are p50 latencies (0: as
    `duration_s`): shorter, so the growth curves fit in the bench's half hour."""
    history_assessments: int = 0
    """Older assessments of the history step (bench/history.py): a second database, the same
    data set plus these rows, made and cached once (its own marker). 0: no history step."""
    history_rounds: int = 1
    """Rounds of the history step's benches (fewer than the main benches': it is re-measuring)."""
    history_keys: tuple[str, ...] = ()
    """The history step's benches (empty: all of `bench.benches.HISTORY`)."""

    def marker(self, migration_head: str) -> str:
        """What the bench database's comment says once seeded: a cache key of the data set."""
        return f"upskill-bench v{DATASET_VERSION} {self.name} head={migration_head} {self.sizes.describe()}"


FULL = Profile(
    name="full",
    database="upskill_bench",
    sizes=Sizes(
        departments=50,
        employees=100_000,
        competencies=200,
        courses=2_000,
        assessments=1_000_000,
        requirements_per_department=10,
        company_wide_requirements=5,
        feedback=100_000,
        enrollments=50_000,
        employee_users=1_000,
        proposed=100_000,
        in_progress=100_000,
        small_department=500,
        large_department=10_000,
    ),
    duration_s=10,
    warmup_s=3,
    rounds=3,
    connections=16,
    login_connections=8,
    deep_page=1000,
    id_pool=10_000,
    latency_duration_s=6,
    history_assessments=4_000_000,
    history_rounds=2,
)

SMOKE = Profile(
    name="smoke",
    database="upskill_bench_smoke",
    sizes=Sizes(
        departments=5,
        employees=500,
        competencies=20,
        courses=50,
        assessments=5_000,
        requirements_per_department=3,
        company_wide_requirements=2,
        feedback=500,
        enrollments=250,
        employee_users=50,
        proposed=20_000,
        in_progress=10_000,
        small_department=50,
        large_department=400,
    ),
    duration_s=1,
    warmup_s=0,
    rounds=1,
    connections=4,
    login_connections=2,
    deep_page=8,
    id_pool=400,
    history_assessments=20_000,
    history_rounds=1,
    history_keys=("coverage_large", "matrix_large"),
)

PROFILES = {p.name: p for p in (FULL, SMOKE)}
