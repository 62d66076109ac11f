"""The bench data set, generated deterministically: the same sizes give the same rows, ids
included (UUIDv7 made from a seeded generator and the row's creation time).

Each table is a name, its columns (the migrated schema's names) and a lazy iterator of tuples
in that order, ready for `copy_records_to_table`. Shape of the organisation: employee `i`
works in department `i % departments`; employees `0 … departments-1` manage their department;
every employee has about `assessments / employees` assessments in random competencies (a
history: the latest unexpired one counts); a few employees have left. Two more departments, a
small and a large one, hold the employees after the first `employees` (the matrix growth
curve). Pools the write benches consume: self-assessments waiting for review and enrollments
in progress, told from the rest by their creation time (`POOL_BASE` onwards).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from bench.profiles import Sizes

BASE = datetime(2024, 1, 1, tzinfo=UTC)
"""Creation time of the first record; later ones are a few seconds apart."""
FIRST_DAY = date(2019, 1, 1)
LAST_DAY = date(2026, 6, 30)
POOL_BASE = datetime(2026, 6, 1, tzinfo=UTC)
"""Creation time of the first pooled record (proposed assessments, enrollments in progress)."""
LEVELS = ("basic", "intermediate", "advanced", "expert")
PASSWORD = "bench-password-1234"  # noqa: S105 - the bench users' password, public on purpose
ADMIN_EMAIL = "admin@bench.upskill.test"
MANAGER_EMAIL = "manager@bench.upskill.test"
_FIRST = [
    "Ada",
    "Alan",
    "Barbara",
    "Claude",
    "Dennis",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Guido",
    "John",
    "Ken",
    "Linus",
    "Margaret",
    "Niklaus",
    "Radia",
]
_LAST = [
    "Hopper",
    "Lovelace",
    "Turing",
    "Liskov",
    "Shannon",
    "Ritchie",
    "Knuth",
    "Dijkstra",
    "Allen",
    "Rossum",
    "Backus",
    "Thompson",
    "Torvalds",
]
_AREAS = [
    "Python",
    "SQL",
    "Kubernetes",
    "Negotiation",
    "Security",
    "Design",
    "Testing",
    "Leadership",
    "Finance",
    "Writing",
]
_PROVIDERS = ("Acme Learning", "Open Campus", "Skillhouse", None)

Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Iterator[Row]


def seeded(name: str) -> random.Random:
    """A generator seeded by `name`: each table draws from its own, so changing one table's
    rows leaves the others as they were. Not for secrets (bench data only)."""
    return random.Random(name)  # noqa: S311


def uuid7(rng: random.Random, at: datetime) -> UUID:
    """A version-7 UUID for `at` with random bits from `rng` (deterministic)."""
    ms = int(at.timestamp() * 1000)
    value = (ms << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62) | rng.getrandbits(62)
    return UUID(int=value)


_STAMPS = ("id", "version", "created_at", "updated_at")


class Dataset:
    """Ids are made up front (they are referenced across tables); rows are made as read.

    `history`: that many older assessments after the others (the history step's database,
    bench/history.py): validated, of the employee x competency pairs the regular assessments
    already hold (every department's), spread evenly over those pairs, assessed and expired
    years before the earliest regular assessment, so they never are anyone's current level and
    never expire within a window (the app's answers are those of the data set without them)."""

    def __init__(self, sizes: Sizes, password_hash: str, history: int = 0) -> None:
        self.sizes = sizes
        self.password_hash = password_hash
        self.history = history
        self.last = (LAST_DAY - FIRST_DAY).days
        """Index of LAST_DAY in `days`, which runs on beyond it for expiry dates."""
        self.days = [FIRST_DAY + timedelta(days=n) for n in range(self.last + 2000)]
        self.midnights = [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in self.days[: self.last + 1]]
        self.extra_departments = [n for n in (sizes.small_department, sizes.large_department) if n]
        """Sizes of the departments after the regular ones."""
        self.departments = self._ids("departments", sizes.departments + len(self.extra_departments))
        self.competencies = self._ids("competencies", sizes.competencies)
        self.employees = self._ids("employees", sizes.employees + sum(self.extra_departments))
        self.courses = self._ids("courses", sizes.courses)

    def _ids(self, table: str, count: int) -> list[UUID]:
        rng = seeded(f"ids-{table}")
        return [uuid7(rng, self.stamp(i)) for i in range(count)]

    @staticmethod
    def stamp(i: int) -> datetime:
        return BASE + timedelta(seconds=i)

    def tables(self) -> list[Table]:
        """In dependency order (a table only references those before it, or itself)."""
        return [
            Table("departments", (*_STAMPS, "name", "description"), self._departments()),
            Table("competencies", (*_STAMPS, "name", "description", "category"), self._competencies()),
            Table(
                "employees",
                (*_STAMPS, "full_name", "email", "job_title", "department_id", "manager_id", "hired_on", "left_on"),
                self._employees(),
            ),
            Table(
                "users",
                (
                    *_STAMPS,
                    "email",
                    "role",
                    "employee_id",
                    "is_active",
                    "password_hash",
                    "password_changed_at",
                    "oidc_linked",
                ),
                self._users(),
            ),
            Table(
                "requirements", (*_STAMPS, "department_id", "competency_id", "level", "headcount"), self._requirements()
            ),
            Table(
                "assessments",
                (
                    *_STAMPS,
                    "employee_id",
                    "competency_id",
                    "level",
                    "assessed_on",
                    "expires_on",
                    "assessor_id",
                    "note",
                    "source",
                    "status",
                ),
                self._assessments(),
            ),
            Table(
                "feedback",
                (*_STAMPS, "subject_id", "author_id", "competency_id", "score", "comment"),
                self._feedback(),
            ),
            Table(
                "courses",
                (*_STAMPS, "title", "provider", "description", "url", "duration_hours", "rating", "learners"),
                self._courses(),
            ),
            Table("course_covers", ("course_id", "position", "competency_id", "level"), self._covers()),
            Table("enrollments", (*_STAMPS, "employee_id", "course_id", "status", "completed_on"), self._enrollments()),
        ]

    def _departments(self) -> Iterator[Row]:
        for i, id in enumerate(self.departments):
            at = self.stamp(i)
            yield (id, 1, at, at, f"Department {i:03d}", f"Bench department number {i}")

    def _competencies(self) -> Iterator[Row]:
        for i, id in enumerate(self.competencies):
            at = self.stamp(i)
            area = _AREAS[i % len(_AREAS)]
            yield (id, 1, at, at, f"{area} {i:04d}", f"What a {area.lower()} practitioner knows", area)

    def department_of(self, i: int) -> int:
        """The index of employee `i`'s department."""
        if i < self.sizes.employees:
            return i % self.sizes.departments
        first, k = self.sizes.employees, self.sizes.departments
        for size in self.extra_departments:
            if i < first + size:
                return k
            first, k = first + size, k + 1
        raise IndexError(i)

    def regular(self, i: int) -> bool:
        """Employee `i` works in one of the regular departments (not the growth curve's)."""
        return i < self.sizes.employees

    def is_manager(self, i: int) -> bool:
        return i < self.sizes.departments

    def left(self, i: int) -> bool:
        """About 3% of the employees (never a manager) have left."""
        return not self.is_manager(i) and i % 33 == 7

    def _employees(self) -> Iterator[Row]:
        rng = seeded("employees")
        d = self.sizes.departments
        last_hire = self.last - 400
        for i, id in enumerate(self.employees):
            at = self.stamp(i)
            name = f"{_FIRST[rng.randrange(len(_FIRST))]} {_LAST[rng.randrange(len(_LAST))]}"
            hired = rng.randrange(last_hire)
            left_on = self.days[hired + 30 + rng.randrange(300)] if self.left(i) else None
            manager = None if self.is_manager(i) or not self.regular(i) else self.employees[i % d]
            title = "Manager" if self.is_manager(i) else f"Engineer {rng.randrange(1, 4)}"
            email = f"e{i:06d}@bench.upskill.test"
            department = self.department_of(i)
            yield (id, 1, at, at, name, email, title, self.departments[department], manager, self.days[hired], left_on)

    def user_employee(self, n: int) -> int:
        """The employee index linked to employee user `n` (managers and leavers skipped)."""
        i = self.sizes.departments + n
        return i + 1 if self.left(i) else i

    def _users(self) -> Iterator[Row]:
        rng = seeded("users")
        users: list[tuple[str, str, UUID | None]] = [
            (ADMIN_EMAIL, "admin", None),
            (MANAGER_EMAIL, "manager", self.employees[0]),
        ]
        users += [
            (user_email(n), "employee", self.employees[self.user_employee(n)]) for n in range(self.sizes.employee_users)
        ]
        for i, (email, role, employee) in enumerate(users):
            at = self.stamp(i)
            yield (uuid7(rng, at), 1, at, at, email, role, employee, True, self.password_hash, None, False)

    def _requirements(self) -> Iterator[Row]:
        rng = seeded("requirements")
        sizes, n = self.sizes, 0
        per_department = max(1, sizes.employees // sizes.departments)
        owners: list[UUID | None] = [*self.departments, None]
        for owner in owners:
            count = sizes.company_wide_requirements if owner is None else sizes.requirements_per_department
            for competency in rng.sample(self.competencies, count):
                at = self.stamp(n)
                n += 1
                headcount = rng.randint(max(1, per_department // 50), max(2, per_department // 5))
                level = LEVELS[rng.randrange(1, 4)]
                yield (uuid7(rng, at), 1, at, at, owner, competency, level, headcount)

    def _assessments(self) -> Iterator[Row]:
        rng = seeded("assessments")
        employees, competencies, days, d = self.employees, self.competencies, self.days, self.sizes.departments
        e, c, first = len(employees), len(competencies), self.last - 1500
        rand, bits, midnights = rng.random, rng.getrandbits, self.midnights
        pairs: set[tuple[int, int]] = set()
        for i in range(self.sizes.assessments):
            who = i % e
            day = first + rng.randrange(1501)
            at = midnights[day] + timedelta(seconds=i % 86_400)
            r = rand()
            expires = days[day + 180 + int(r * 1400)] if r < 0.5 else None
            assessor = employees[who % d] if bits(2) == 0 and not self.is_manager(who) else None
            ms = int(at.timestamp() * 1000)
            id = UUID(int=(ms << 80) | (0x7 << 76) | (bits(12) << 64) | (0b10 << 62) | bits(62))
            level = LEVELS[min(3, int(rand() * 4.4))]
            competency = rng.randrange(c)  # drawn here, as ever: the same rows as before
            if self.history:
                pairs.add((who, competency))
            yield (
                id,
                1,
                at,
                at,
                employees[who],
                competencies[competency],
                level,
                days[day],
                expires,
                assessor,
                None,
                "manager",
                "validated",
            )
        current = [i for i in range(self.sizes.employees) if not self.left(i) and not self.is_manager(i)]
        for n in range(self.sizes.proposed):
            at = POOL_BASE + timedelta(seconds=n)
            who = current[rng.randrange(len(current))]
            yield (
                uuid7(rng, at),
                1,
                at,
                at,
                employees[who],
                competencies[rng.randrange(c)],
                LEVELS[rng.randrange(4)],
                days[self.last - rng.randrange(60)],
                None,
                None,
                None,
                "self",
                "proposed",
            )
        yield from self._history(sorted(pairs))

    def _history(self, pairs: list[tuple[int, int]]) -> Iterator[Row]:
        """The older assessments (see the class): pair `n % len(pairs)` each, assessed on a
        day of the first 1,237 - 400 days (2019-01 … 2021-04), expired 180-380 days later, before
        the earliest regular assessment (2022-05)."""
        rng = seeded("history")
        employees, competencies, days, midnights = self.employees, self.competencies, self.days, self.midnights
        span = self.last - 1500 - 400
        for n in range(self.history):
            who, competency = pairs[n % len(pairs)]
            day = rng.randrange(span)
            at = midnights[day] + timedelta(seconds=n % 86_400)
            yield (
                uuid7(rng, at),
                1,
                at,
                at,
                employees[who],
                competencies[competency],
                LEVELS[rng.randrange(4)],
                days[day],
                days[day + 180 + rng.randrange(200)],
                None,
                None,
                "manager",
                "validated",
            )

    def _feedback(self) -> Iterator[Row]:
        rng = seeded("feedback")
        e, d = len(self.employees), self.sizes.departments
        for i in range(self.sizes.feedback):
            at = self.stamp(i)
            subject = rng.randrange(e)
            author = subject + d if subject + d < e else subject - d
            competency = self.competencies[rng.randrange(len(self.competencies))] if rng.random() < 0.8 else None
            score = rng.randint(1, 5) if rng.random() < 0.9 else None
            yield (uuid7(rng, at), 1, at, at, self.employees[subject], self.employees[author], competency, score, "ok")

    def _courses(self) -> Iterator[Row]:
        rng = seeded("courses")
        for i, id in enumerate(self.courses):
            at = self.stamp(i)
            area = _AREAS[i % len(_AREAS)]
            title = f"{area} course {i:04d}"
            hours = round(1 + rng.random() * 40, 1) if rng.random() < 0.9 else None
            rating = round(rng.random() * 5, 2)
            url = f"https://learn.example.com/courses/{i}"
            provider = _PROVIDERS[i % len(_PROVIDERS)]
            description = f"Hands-on {area.lower()} training, part {i % 7}"
            yield (id, 1, at, at, title, provider, description, url, hours, rating, rng.randrange(50_000))

    def _covers(self) -> Iterator[Row]:
        rng = seeded("covers")
        for course in self.courses:
            for position, competency in enumerate(rng.sample(self.competencies, rng.randint(1, 3))):
                yield (course, position, competency, LEVELS[rng.randrange(4)])

    def _enrollments(self) -> Iterator[Row]:
        rng = seeded("enrollments")
        seen: set[tuple[int, int]] = set()
        statuses = ("planned", "in_progress", "completed", "dropped")
        n = 0
        while n < self.sizes.enrollments:
            pair = (rng.randrange(len(self.employees)), rng.randrange(len(self.courses)))
            if pair in seen:
                continue
            seen.add(pair)
            at = self.stamp(n)
            status = statuses[rng.randrange(4)]
            completed = self.days[self.last - rng.randrange(300)] if status == "completed" else None
            yield (uuid7(rng, at), 1, at, at, self.employees[pair[0]], self.courses[pair[1]], status, completed)
            n += 1
        current = [i for i in range(self.sizes.employees) if not self.left(i)]
        n = 0
        while n < self.sizes.in_progress:
            pair = (current[rng.randrange(len(current))], rng.randrange(len(self.courses)))
            if pair in seen:
                continue
            seen.add(pair)
            at = POOL_BASE + timedelta(seconds=n)
            yield (uuid7(rng, at), 1, at, at, self.employees[pair[0]], self.courses[pair[1]], "in_progress", None)
            n += 1


def user_email(n: int) -> str:
    return f"user{n:05d}@bench.upskill.test"
