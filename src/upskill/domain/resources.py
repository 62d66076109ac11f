"""The declared resources: what is unique, what references what, what may be filtered and
sorted. Both storage adapters and the HTTP adapter read these; the database constraints named
here are created by the migrations."""

from __future__ import annotations

from upskill.domain.competency import Competency
from upskill.domain.organisation import Department, Employee
from upskill.domain.query import SortKey
from upskill.domain.resource import KEY_OPS, RANGE_OPS, TEXT_OPS, Reference, Resource, Unique

_STAMPS = {"created_at": RANGE_OPS, "updated_at": RANGE_OPS}

DEPARTMENTS = Resource(
    entity=Department,
    collection="departments",
    filters={"name": TEXT_OPS, "id": KEY_OPS, **_STAMPS},
    sortable=frozenset({"name", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("name"),),
    unique=(Unique("uq_departments_name", ("name",), case_insensitive=True),),
)

COMPETENCIES = Resource(
    entity=Competency,
    collection="competencies",
    filters={"name": TEXT_OPS, "category": TEXT_OPS, "id": KEY_OPS, **_STAMPS},
    sortable=frozenset({"name", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("name"),),
    unique=(Unique("uq_competencies_name", ("name",), case_insensitive=True),),
)

EMPLOYEES = Resource(
    entity=Employee,
    collection="employees",
    filters={
        "full_name": TEXT_OPS,
        "email": TEXT_OPS,
        "job_title": TEXT_OPS,
        "department_id": KEY_OPS,
        "manager_id": KEY_OPS,
        "hired_on": RANGE_OPS,
        "left_on": RANGE_OPS,
        "id": KEY_OPS,
        **_STAMPS,
    },
    sortable=frozenset({"full_name", "email", "hired_on", "created_at", "updated_at", "id"}),
    default_sort=(SortKey("full_name"),),
    unique=(Unique("uq_employees_email", ("email",), case_insensitive=True),),
    references=(
        Reference("fk_employees_department_id_departments", "department_id", Department),
        Reference("fk_employees_manager_id_employees", "manager_id", Employee),
    ),
)

ALL = (DEPARTMENTS, COMPETENCIES, EMPLOYEES)
"""Every resource, in dependency order (a resource only references those before it or itself)."""
