"""The set-based reads behind coverage, gaps, recommendations and the matrix (`TrainingReader`).

Each method runs a fixed number of statements whatever the sizes: a department's snapshot two
(the department with its requirements as an array of records; then who of its staff holds which
level of each required competency, grouped by (competency, level) with the holders' ids as an
array), an employee's levels one, learning options two (the courses with their covers as arrays;
then the employee's enrollments and scored feedback as arrays), the matrix two (the head; the
staff with their holdings as arrays).

The team views read current levels from the projection `competency_levels` (`level_tables`,
kept by triggers in the transaction of every assessment write), not from the history: a pair's
projected assessment is its current one on a day when it is valid that day; otherwise (expired,
or dated after the day) the pair's own history answers, for that pair alone. Their cost follows
the department and what it holds, not how many assessments lie behind it. One employee's levels
are still read from the history (`DISTINCT ON` in the order of the covering index on
assessments), exactly `coverage.current_levels`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Date,
    Select,
    Table,
    Uuid,
    any_,
    bindparam,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by, distinct_on
from sqlalchemy.types import NullType

from adapters.postgres.errors import translated
from adapters.postgres.executor import Connections
from adapters.postgres.level_tables import competency_levels
from adapters.postgres.nested import items_array
from adapters.postgres.registry import Binding, Registry
from upskill.domain.competency import Competency, Level
from upskill.domain.matrix import Holding, MatrixSnapshot, Member
from upskill.domain.organisation import Department, Employee
from upskill.domain.ports import DepartmentSnapshot, LearningOptions, Standing
from upskill.domain.training import Assessment, AssessmentStatus, Course, Enrollment, Feedback, Requirement

DEPARTMENT_ID = bindparam("department_id", type_=Uuid)
EMPLOYEE_ID = bindparam("employee_id", type_=Uuid)
COMPETENCY_IDS = bindparam("competency_ids", type_=ARRAY(Uuid))
TODAY = bindparam("today", type_=Date)
LEVELS = {level.value: level for level in Level}
T = TypeVar("T")


def _columns(binding: Binding[Any]) -> list[ColumnElement[Any]]:
    return [binding.table.c[name] for name in binding.mapper.fields]


def _records(binding: Binding[Any], *where: ColumnElement[bool], order: Sequence[str] = ("id",)) -> ColumnElement[Any]:
    """The matching rows as one array of records in mapper-field order."""
    table = binding.table
    rows = select(func.row(*_columns(binding))).where(*where).order_by(*(table.c[name] for name in order))
    return func.array(rows.scalar_subquery())


def _employed(employees: Table) -> ColumnElement[bool]:
    """Employed on the day: hired by then and not yet left (`Employee.is_current`)."""
    left = employees.c.left_on
    return (employees.c.hired_on <= TODAY) & or_(left.is_(None), left > TODAY)


def _latest_valid(
    assessments: Table, *where: ColumnElement[bool], status: AssessmentStatus = AssessmentStatus.VALIDATED
) -> Select[Any]:
    """(competency_id, level) of the latest assessment of `status` valid on the day per
    competency, among those matching `where` (one employee's): the order of the covering index
    on assessments, whose key has the status after the competency (an equality, so the order
    holds). The status is a literal, not a parameter, so every plan knows it."""
    a = assessments.c
    valid = (a.assessed_on <= TODAY) & or_(a.expires_on.is_(None), a.expires_on > TODAY)
    return (
        select(a.competency_id, a.level)
        .where(*where, a.status == literal_column(f"'{status.value}'"), valid)
        .order_by(a.competency_id, a.assessed_on.desc(), a.created_at.desc(), a.id.desc())
        .ext(distinct_on(a.competency_id))
    )


def _standing(assessments: Table) -> Select[Any]:
    """Per competency of one employee: the current (validated) level, and the claimed one —
    the latest valid proposed assessment when newer than the one behind the current level
    (`coverage.claimed_levels`); one statement."""
    a = assessments.c
    mine = a.employee_id == EMPLOYEE_ID
    recency = (a.assessed_on, a.created_at, a.id)
    current = _latest_valid(assessments, mine).add_columns(*recency).subquery("validated")
    claims = _latest_valid(assessments, mine, status=AssessmentStatus.PROPOSED).add_columns(*recency).subquery("claims")
    newer = tuple_(claims.c.assessed_on, claims.c.created_at, claims.c.id) > tuple_(
        current.c.assessed_on, current.c.created_at, current.c.id
    )
    claimed = case((or_(current.c.competency_id.is_(None), newer), claims.c.level))
    return select(
        func.coalesce(current.c.competency_id, claims.c.competency_id).label("competency_id"),
        current.c.level.label("level"),
        claimed.label("claimed"),
    ).select_from(current.join(claims, current.c.competency_id == claims.c.competency_id, full=True))


def _fresh(assessed_on: ColumnElement[Any], expires_on: ColumnElement[Any]) -> ColumnElement[bool]:
    """The projected assessment is valid on the day (then it is the pair's current one)."""
    return (assessed_on <= TODAY) & or_(expires_on.is_(None), expires_on > TODAY)


def _older(assessments: Table, levels: Table, status: AssessmentStatus, *columns: ColumnElement[Any]) -> Select[Any]:
    """The latest assessment of `status` valid on the day in the history of the projected pair
    (`levels`' row): asked only when the projected one is not valid that day."""
    a = assessments.c
    valid = (a.assessed_on <= TODAY) & or_(a.expires_on.is_(None), a.expires_on > TODAY)
    return (
        select(*columns)
        .where(
            a.employee_id == levels.c.employee_id,
            a.competency_id == levels.c.competency_id,
            a.status == literal_column(f"'{status.value}'"),
            valid,
        )
        .order_by(a.assessed_on.desc(), a.created_at.desc(), a.id.desc())
        .limit(literal_column("1"))
        .correlate(levels)
    )


def _required(requirements: Table) -> ColumnElement[bool]:
    """The department's required competencies, read once as an array (an InitPlan)."""
    r = requirements
    needed = select(r.c.competency_id).where(or_(r.c.department_id == DEPARTMENT_ID, r.c.department_id.is_(None)))
    return func.array(needed.scalar_subquery(), type_=ARRAY(Uuid))


def _holders(employees: Table, assessments: Table, requirements: Table, levels: Table) -> Select[Any]:
    """Who of the department's staff on the day holds which current level of each required
    competency: one row per (competency, level) with the holders' ids ascending, and whether
    `EMPLOYEE_ID` is one of them. Read from the projection (`level_tables`): a pair whose
    projected validated assessment is valid on the day has that level; otherwise (expired, or
    dated after the day) the pair's history answers, for that pair alone. The projection's
    department index gives the department's holders of each required competency; a staff member
    who holds none of them is not read at all."""
    e, p = employees, levels
    fresh = _fresh(p.c.assessed_on, p.c.expires_on)
    fallback = _older(assessments, p, AssessmentStatus.VALIDATED, assessments.c.level).scalar_subquery()
    pairs = (
        select(p.c.employee_id, p.c.competency_id, case((fresh, p.c.level), else_=fallback).label("level"))
        .select_from(p.join(e, e.c.id == p.c.employee_id))
        .where(
            # one range of the department index per required competency, index-only
            p.c.department_id == DEPARTMENT_ID,
            p.c.competency_id == any_(_required(requirements)),
            p.c.assessment_id.is_not(None),
            e.c.department_id == DEPARTMENT_ID,  # the employee's own, whatever the projection says
            _employed(e),
        )
        .subquery("pairs")
    )
    ids = func.array_agg(aggregate_order_by(pairs.c.employee_id, pairs.c.employee_id.asc()), type_=ARRAY(Uuid))
    return (
        select(pairs.c.competency_id, pairs.c.level, ids.label("ids"), func.bool_or(pairs.c.employee_id == EMPLOYEE_ID))
        .where(pairs.c.level.is_not(None))
        .group_by(pairs.c.competency_id, pairs.c.level)
    )


def _projected(
    assessments: Table, levels: Table, status: AssessmentStatus, fields: Sequence[ColumnElement[Any]], name: str
) -> Any:
    """The pair's assessment of `status` valid on the day, as a LATERAL of at most one row
    (level, expires_on, assessed_on, created_at, id): the projected one when it is valid then,
    else the latest valid one of the pair's history."""
    level, assessed_on, expires_on, created_at, id_ = fields
    fresh = _fresh(assessed_on, expires_on)
    projected = (
        select(
            level.label("level"),
            expires_on.label("expires_on"),
            assessed_on.label("assessed_on"),
            created_at.label("created_at"),
            id_.label("id"),
        )
        .where(fresh)
        .correlate(levels)
    )
    a = assessments.c
    older = _older(assessments, levels, status, a.level, a.expires_on, a.assessed_on, a.created_at, a.id).where(
        id_.is_not(None), ~fresh
    )
    return union_all(projected, older).lateral(name)


def _staff_with_projected_holdings(
    employees: Binding[Any], assessments: Table, requirements: Table, levels: Table
) -> Select[Any]:
    """The department's staff on the day — what the matrix shows of each (id, full name, email),
    by full name, then id — each with its holdings in the required competencies as an array of
    (competency_id, level, expires_on, claimed) records (NULL for none), read from the projection
    (`level_tables`) by its department index and grouped per employee: the current level and the
    claim each from the projected assessment when it is valid on the day, else from the pair's
    history."""
    e, p = employees.table, levels
    c = p.c
    current = _projected(
        assessments,
        p,
        AssessmentStatus.VALIDATED,
        (c.level, c.assessed_on, c.expires_on, c.created_at, c.assessment_id),
        "cur",
    )
    claim = _projected(
        assessments,
        p,
        AssessmentStatus.PROPOSED,
        (c.claim_level, c.claim_assessed_on, c.claim_expires_on, c.claim_created_at, c.claim_id),
        "claim",
    )
    newer = tuple_(claim.c.assessed_on, claim.c.created_at, claim.c.id) > tuple_(
        current.c.assessed_on, current.c.created_at, current.c.id
    )
    claimed = case((or_(current.c.id.is_(None), newer), claim.c.level))
    cells = (
        select(c.employee_id, c.competency_id, current.c.level, current.c.expires_on, claimed.label("claimed"))
        .select_from(p.outerjoin(current, true()).outerjoin(claim, true()))
        .where(c.department_id == DEPARTMENT_ID, c.competency_id == any_(_required(requirements)))
        .subquery("cells")
    )
    row = func.row(cells.c.competency_id, cells.c.level, cells.c.expires_on, cells.c.claimed)
    shown = or_(cells.c.level.is_not(None), cells.c.claimed.is_not(None))
    held = (
        select(cells.c.employee_id, func.array_agg(row, type_=NullType()).filter(shown).label("holdings"))
        .group_by(cells.c.employee_id)
        .subquery("held")
    )
    return (
        select(e.c.id, e.c.full_name, e.c.email, held.c.holdings)
        .select_from(e.outerjoin(held, held.c.employee_id == e.c.id))
        .where(e.c.department_id == DEPARTMENT_ID, _employed(e))
        .order_by(e.c.full_name, e.c.id)  # the rows' order (full_name is "C": code-point order, as Python's)
    )


@dataclass(frozen=True, slots=True)
class Statements:
    department: Select[Any]
    holders: Select[Any]
    employee_levels: Select[Any]
    standing: Select[Any]
    courses: Select[Any]
    history: Select[Any]
    matrix_head: Select[Any]
    matrix_staff: Select[Any]

    @classmethod
    def build(cls, registry: Registry) -> Statements:
        departments, employees = registry.binding(Department), registry.binding(Employee)
        requirements, assessments = registry.binding(Requirement), registry.binding(Assessment)
        courses, enrollments = registry.binding(Course), registry.binding(Enrollment)
        feedback = registry.binding(Feedback)
        d, r, a, c = departments.table, requirements.table, assessments.table, courses.table
        mine = enrollments.table.c.employee_id == EMPLOYEE_ID
        received = (feedback.table.c.subject_id == EMPLOYEE_ID) & feedback.table.c.score.is_not(None)
        [covers] = courses.children
        applies = or_(r.c.department_id == d.c.id, r.c.department_id.is_(None))
        by_age = ("created_at", "id")
        competencies = registry.binding(Competency).table
        required = select(r.c.competency_id).where(or_(r.c.department_id == DEPARTMENT_ID, r.c.department_id.is_(None)))
        names = func.array(
            select(func.row(competencies.c.id, competencies.c.name))
            .where(competencies.c.id.in_(required))
            .order_by(competencies.c.id)
            .scalar_subquery()
        )
        return cls(
            department=select(*_columns(departments), _records(requirements, applies).label("requirements")).where(
                d.c.id == DEPARTMENT_ID
            ),
            holders=_holders(employees.table, a, r, competency_levels),
            employee_levels=_latest_valid(a, a.c.employee_id == EMPLOYEE_ID),
            standing=_standing(a),
            courses=select(*_columns(courses), items_array(covers, c).label("covers"))
            .where(exists().where(covers.parent_key == c.c.id, covers.table.c.competency_id == any_(COMPETENCY_IDS)))
            .order_by(c.c.title, c.c.id),
            history=select(
                _records(enrollments, mine, order=by_age).label("enrollments"),
                _records(feedback, received, order=by_age).label("feedback"),
            ),
            matrix_head=select(
                *_columns(departments), _records(requirements, applies).label("requirements"), names.label("names")
            ).where(d.c.id == DEPARTMENT_ID),
            matrix_staff=_staff_with_projected_holdings(employees, a, r, competency_levels),
        )


@cache
def statements(registry: Registry) -> Statements:
    """Built once per registry."""
    return Statements.build(registry)


class PostgresTrainingReader:
    """Implements `upskill.domain.ports.TrainingReader` in the unit of work's transaction."""

    def __init__(self, connections: Connections, registry: Registry) -> None:
        self._connections = connections
        self._registry = registry
        self._sql = statements(registry)

    def _mapped(self, entity: type[Any], records: Sequence[Sequence[object]]) -> tuple[Any, ...]:
        mapper = self._registry.binding(entity).mapper
        return tuple(mapper.from_row(record) for record in records)

    async def department_snapshot(
        self, department_id: UUID, today: date, employee_id: UUID | None = None
    ) -> DepartmentSnapshot | None:
        """None if the department does not exist (then in one statement)."""
        values = {DEPARTMENT_ID.key: department_id, TODAY.key: today}
        with translated(self._registry.constraints):
            connection = await self._connections.connection()
            head = (await connection.execute(self._sql.department, values)).first()
            if head is None:
                return None
            rows = (await connection.execute(self._sql.holders, {**values, EMPLOYEE_ID.key: employee_id})).all()
        departments = self._registry.binding(Department).mapper
        holders: dict[UUID, dict[Level, list[UUID]]] = {}
        own: dict[UUID, Level] = {}
        for competency_id, level, ids, mine in rows:
            holders.setdefault(competency_id, {})[LEVELS[level]] = ids
            if mine:
                own[competency_id] = LEVELS[level]
        return DepartmentSnapshot(
            department=departments.from_row(head[: len(departments.fields)]),
            requirements=self._mapped(Requirement, head.requirements),
            holders=holders,
            own=own,
        )

    async def current_levels(self, employee_id: UUID, today: date) -> Mapping[UUID, Level]:
        """Competency id → the employee's current level (latest unexpired validated assessment)."""
        with translated(self._registry.constraints):
            connection = await self._connections.connection()
            rows = await connection.execute(self._sql.employee_levels, {EMPLOYEE_ID.key: employee_id, TODAY.key: today})
            return {competency_id: LEVELS[level] for competency_id, level in rows.all()}

    async def standing(self, employee_id: UUID, today: date) -> Standing:
        """The employee's current and claimed levels per competency (one statement)."""
        with translated(self._registry.constraints):
            connection = await self._connections.connection()
            rows = await connection.execute(self._sql.standing, {EMPLOYEE_ID.key: employee_id, TODAY.key: today})
            found = rows.all()
        return Standing(
            current={row.competency_id: LEVELS[row.level] for row in found if row.level is not None},
            claimed={row.competency_id: LEVELS[row.claimed] for row in found if row.claimed is not None},
        )

    async def learning_options(self, employee_id: UUID, competency_ids: Collection[UUID]) -> LearningOptions:
        """Courses covering any of `competency_ids` (by title, then id; none asked, none read),
        the employee's enrollments and scored feedback received (oldest first)."""
        courses = self._registry.binding(Course)
        [covers] = courses.children
        fields = len(courses.mapper.fields)
        with translated(self._registry.constraints):
            connection = await self._connections.connection()
            found: list[Course] = []
            if competency_ids:
                rows = await connection.execute(self._sql.courses, {COMPETENCY_IDS.key: list(competency_ids)})
                for row in rows.all():
                    items = tuple(covers.mapper.from_row(item) for item in row.covers)
                    found.append(courses.mapper.from_row(row[:fields], **{covers.field: items}))
            history = (await connection.execute(self._sql.history, {EMPLOYEE_ID.key: employee_id})).one()
        return LearningOptions(
            courses=tuple(found),
            enrollments=self._mapped(Enrollment, history.enrollments),
            feedback=self._mapped(Feedback, history.feedback),
        )

    async def department_matrix(self, department_id: UUID, today: date) -> MatrixSnapshot | None:
        """Two statements (one if the department does not exist)."""
        values = {DEPARTMENT_ID.key: department_id, TODAY.key: today}
        with translated(self._registry.constraints):
            connection = await self._connections.connection(snapshot=True)
            head = (await connection.execute(self._sql.matrix_head, values)).first()
            if head is None:
                return None
            rows = (await connection.execute(self._sql.matrix_staff, values)).all()
        departments = self._registry.binding(Department).mapper
        found: dict[tuple[UUID, UUID], Holding] = {}
        staff: list[Member] = []
        member = Member._make
        for employee_id, full_name, email, cells in rows:
            staff.append(member((employee_id, full_name, email)))
            if cells:
                for competency_id, level, expires_on, claimed in cells:
                    found[employee_id, competency_id] = Holding(
                        LEVELS[level] if level else None, expires_on, LEVELS[claimed] if claimed else None
                    )
        return MatrixSnapshot(
            department=departments.from_row(head[: len(departments.fields)]),
            requirements=self._mapped(Requirement, head.requirements),
            names=dict(head.names),
            staff=tuple(staff),
            holdings=found,
        )
