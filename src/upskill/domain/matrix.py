"""The skills matrix of a department on a day (DOMAIN.md, "The skills matrix"): who holds which
required competency at which level, where the department depends on one person, and which
levels are about to lapse.

Pure: the caller reads a `MatrixSnapshot` (`TrainingReader.department_matrix`) and passes the
day and the look-ahead window. Columns, rows and flags are computed here, in a documented,
deterministic order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple, Protocol
from uuid import UUID

from upskill.domain.competency import Level
from upskill.domain.coverage import applies_to, is_newer, latest_valid, rank
from upskill.domain.errors import InvariantViolation
from upskill.domain.organisation import Department
from upskill.domain.training import Assessment, AssessmentStatus, Requirement

DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 365


class Person(Protocol):
    """What the matrix shows of an employee (an `Employee` is one)."""

    @property
    def id(self) -> UUID: ...

    @property
    def full_name(self) -> str: ...

    @property
    def email(self) -> str: ...


class Member(NamedTuple):
    """A `Person` and no more: what a reader of the matrix needs to read of each employee."""

    id: UUID
    full_name: str
    email: str


@dataclass(frozen=True, slots=True)
class Holding:
    """An employee's standing in one competency on the day: the current (validated) `level`
    and the day its assessment expires (None: never), and the `claimed` level (a newer
    proposal), each None when absent."""

    level: Level | None
    expires_on: date | None
    claimed: Level | None


@dataclass(frozen=True, slots=True)
class MatrixSnapshot:
    """What the matrix needs of one department on one day."""

    department: Department
    requirements: tuple[Requirement, ...]
    """The department's own and the company-wide ones."""
    names: Mapping[UUID, str]
    """Competency id → name, for every competency a requirement names."""
    staff: tuple[Person, ...]
    """Its members employed on the day (the reader may give them by full name, then id)."""
    holdings: Mapping[tuple[UUID, UUID], Holding]
    """(employee id, competency id) → standing, for the staff in the required competencies;
    absent = neither assessed nor claimed."""


@dataclass(frozen=True, slots=True)
class Column:
    """One required competency. `requirement` is the one the column stands for — the highest
    level asked, the department's own before a company-wide one at the same level — and
    `covered`, `gap` are its coverage (as `coverage.department_coverage` counts it).
    `single_point_of_failure`: exactly one person covers it. `at_risk`: covered now (gap 0),
    but not once the covering levels that expire within the window have lapsed."""

    competency_id: UUID
    name: str
    requirement: Requirement
    covered: int
    gap: int
    single_point_of_failure: bool
    at_risk: bool

    @property
    def level(self) -> Level:
        return self.requirement.level

    @property
    def headcount(self) -> int:
        return self.requirement.headcount


@dataclass(frozen=True, slots=True)
class Cell:
    """`expiring`: the current level's assessment expires within the window."""

    level: Level | None
    claimed_level: Level | None
    expires_on: date | None
    expiring: bool


@dataclass(frozen=True, slots=True)
class Row:
    """One current employee: a cell for each column competency they hold or claim (absent: not
    assessed), and the competencies they alone cover (in column order)."""

    employee: Person
    cells: Mapping[UUID, Cell]
    sole_cover_of: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class Matrix:
    department: Department
    on: date
    expiring_within_days: int
    columns: tuple[Column, ...]
    """By competency name, then id."""
    rows: tuple[Row, ...]
    """By full name, then id."""


def holdings(assessments: Iterable[Assessment], today: date) -> dict[tuple[UUID, UUID], Holding]:
    """Per (employee, competency) with a current or a claimed level on `today`, its holding
    (`coverage.current_levels` and `coverage.claimed_levels`, with the current one's expiry)."""
    history = list(assessments)
    current = latest_valid(history, today, AssessmentStatus.VALIDATED)
    claims = latest_valid(history, today, AssessmentStatus.PROPOSED)
    found: dict[tuple[UUID, UUID], Holding] = {}
    for key in current.keys() | claims.keys():
        held, claim = current.get(key), claims.get(key)
        claimed = claim.level if claim is not None and is_newer(claim, held) else None
        if held is None and claimed is None:
            continue
        found[key] = Holding(None if held is None else held.level, None if held is None else held.expires_on, claimed)
    return found


def check_window(days: int) -> int:
    """Raises InvariantViolation unless 0 ≤ `days` ≤ MAX_WINDOW_DAYS."""
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise InvariantViolation(
            f"expiring_within_days must be between 0 and {MAX_WINDOW_DAYS}.", field="expiring_within_days"
        )
    return days


def column_requirements(department_id: UUID, requirements: Iterable[Requirement]) -> dict[UUID, Requirement]:
    """Per competency named by an applicable requirement, the one its column stands for: the
    highest level, then the department's own before a company-wide one, then the larger
    headcount, then the lower id."""
    chosen: dict[UUID, Requirement] = {}
    for requirement in requirements:
        if not applies_to(requirement, department_id):
            continue
        known = chosen.get(requirement.competency_id)
        if known is None or _precedence(requirement) < _precedence(known):
            chosen[requirement.competency_id] = requirement
    return chosen


def _precedence(requirement: Requirement) -> tuple[int, bool, int, int]:
    return (-requirement.level.rank, requirement.department_id is None, -requirement.headcount, requirement.id.int)


def skills_matrix(snapshot: MatrixSnapshot, on: date, expiring_within_days: int = DEFAULT_WINDOW_DAYS) -> Matrix:
    """The grid of `snapshot` on `on`, levels expiring within `expiring_within_days` (after `on`,
    up to and including `on` + that many days) flagged. The staff is taken as given (the reader
    selects who is employed on the day); holdings of others are ignored."""
    window_end = on + timedelta(days=check_window(expiring_within_days))
    department_id = snapshot.department.id
    chosen = column_requirements(department_id, snapshot.requirements)
    order = sorted(chosen, key=lambda c: (snapshot.names.get(c, ""), c))
    staff = sorted(snapshot.staff, key=lambda e: (e.full_name, e.id))
    position = {c: n for n, c in enumerate(order)}
    mine: dict[UUID, dict[UUID, Holding]] = {}
    for (employee_id, competency_id), found in snapshot.holdings.items():
        if competency_id in chosen:
            mine.setdefault(employee_id, {})[competency_id] = found
    holders: dict[UUID, list[UUID]] = {c: [] for c in order}
    lapsing: dict[UUID, int] = dict.fromkeys(order, 0)
    grid: list[dict[UUID, Cell]] = []
    for employee in staff:
        cells: dict[UUID, Cell] = {}
        held = mine.get(employee.id)
        if held:
            if len(held) > 1:  # cells in column order
                held = dict(sorted(held.items(), key=lambda item: position[item[0]]))
            for competency_id, holding in held.items():
                expiring = holding.expires_on is not None and holding.expires_on <= window_end
                cells[competency_id] = Cell(holding.level, holding.claimed, holding.expires_on, expiring)
                if rank(holding.level) >= chosen[competency_id].level.rank:
                    holders[competency_id].append(employee.id)
                    lapsing[competency_id] += expiring
        grid.append(cells)
    columns = tuple(_column(c, snapshot.names.get(c, ""), chosen[c], holders[c], lapsing[c]) for c in order)
    sole: dict[UUID, list[UUID]] = {}
    for column in columns:
        if column.single_point_of_failure:
            sole.setdefault(holders[column.competency_id][0], []).append(column.competency_id)
    rows = tuple(
        Row(employee, cells, tuple(sole.get(employee.id, ()))) for employee, cells in zip(staff, grid, strict=True)
    )
    return Matrix(snapshot.department, on, expiring_within_days, columns, rows)


def _column(competency_id: UUID, name: str, requirement: Requirement, holders: Sequence[UUID], lapsing: int) -> Column:
    covered = len(holders)
    return Column(
        competency_id=competency_id,
        name=name,
        requirement=requirement,
        covered=covered,
        gap=max(0, requirement.headcount - covered),
        single_point_of_failure=covered == 1,
        at_risk=covered >= requirement.headcount and covered - lapsing < requirement.headcount,
    )
