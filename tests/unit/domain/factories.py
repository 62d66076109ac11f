"""Typed factories for the training domain: valid records by default, keyword overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count
from typing import Any
from uuid import UUID, uuid4

from upskill.domain.competency import Level
from upskill.domain.organisation import Employee
from upskill.domain.training import Assessment, Course, CourseCoverage, Enrollment, Feedback, Requirement

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TODAY = date(2024, 6, 1)

_serial = count(1)


def _stamps(overrides: dict[str, Any]) -> dict[str, Any]:
    return {"id": uuid4(), "created_at": T0, "updated_at": T0, **overrides}


def employee(**overrides: Any) -> Employee:
    n = next(_serial)
    defaults = {"full_name": f"Employee {n}", "email": f"e{n}@example.com", "hired_on": date(2020, 1, 1)}
    return Employee(**_stamps({"department_id": uuid4(), **defaults, **overrides}))


def requirement(**overrides: Any) -> Requirement:
    defaults = {"competency_id": uuid4(), "level": Level.INTERMEDIATE, "headcount": 1}
    return Requirement(**_stamps({**defaults, **overrides}))


def assessment(**overrides: Any) -> Assessment:
    defaults = {"employee_id": uuid4(), "competency_id": uuid4(), "level": Level.BASIC, "assessed_on": date(2024, 1, 1)}
    return Assessment(**_stamps({**defaults, **overrides}))


def feedback(**overrides: Any) -> Feedback:
    return Feedback(**_stamps({"subject_id": uuid4(), "author_id": uuid4(), **overrides}))


def course(*covers: tuple[UUID, Level], **overrides: Any) -> Course:
    defaults = {"title": f"Course {next(_serial)}", "covers": tuple(CourseCoverage(c, lvl) for c, lvl in covers)}
    return Course(**_stamps({**defaults, **overrides}))


def enrollment(**overrides: Any) -> Enrollment:
    return Enrollment(**_stamps({"employee_id": uuid4(), "course_id": uuid4(), **overrides}))
