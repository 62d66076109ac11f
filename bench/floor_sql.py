"""The SQL the floor sends: the very statements the app's PostgreSQL adapter sends for the
measured endpoints, as captured on the wire by `bench.wire` (re-run the bench and compare with
`bench/results/sql.md` when the adapter changes). Whitespace aside, the text is the adapter's."""

from __future__ import annotations

_EMPLOYEE_COLUMNS = (
    "employees.id, employees.version, employees.created_at, employees.updated_at, employees.full_name, "
    "employees.email, employees.job_title, employees.department_id, employees.manager_id, employees.hired_on, "
    "employees.left_on"
)

EMPLOYEE = f"SELECT {_EMPLOYEE_COLUMNS} \nFROM employees \nWHERE employees.id = $1::UUID"

FIRST_PAGE = (
    f"SELECT {_EMPLOYEE_COLUMNS} \nFROM employees ORDER BY employees.full_name ASC, employees.id ASC \n"
    " LIMIT $1::INTEGER"
)

NEXT_PAGE = (
    f"SELECT {_EMPLOYEE_COLUMNS} \nFROM employees \n"
    'WHERE (employees.full_name, employees.id) > ($1::VARCHAR COLLATE "C", $2::UUID) '
    "ORDER BY employees.full_name ASC, employees.id ASC \n LIMIT $3::INTEGER"
)

INSERT_COMPETENCY = (
    "INSERT INTO competencies (id, version, created_at, updated_at, name, description, category) "
    "VALUES ($1::UUID, $2::INTEGER, $3::TIMESTAMP WITH TIME ZONE, $4::TIMESTAMP WITH TIME ZONE, "
    '$5::VARCHAR COLLATE "C", $6::VARCHAR, $7::VARCHAR)'
)

UPDATE_EMPLOYEE = (
    "UPDATE employees SET version=$1::INTEGER, created_at=$2::TIMESTAMP WITH TIME ZONE, "
    'updated_at=$3::TIMESTAMP WITH TIME ZONE, full_name=$4::VARCHAR COLLATE "C", email=$5::VARCHAR COLLATE "C", '
    "job_title=$6::VARCHAR, department_id=$7::UUID, manager_id=$8::UUID, hired_on=$9::DATE, left_on=$10::DATE "
    "WHERE employees.id = $11::UUID AND employees.version = $12::INTEGER"
)

CLAIM_REFRESH = (
    "SELECT refresh_tokens.digest, refresh_tokens.session_id, refresh_tokens.issued_at, refresh_tokens.used_at \n"
    "FROM refresh_tokens \nWHERE refresh_tokens.digest = $1::VARCHAR FOR UPDATE"
)

MARK_REFRESH_USED = (
    "UPDATE refresh_tokens SET used_at=$1::TIMESTAMP WITH TIME ZONE WHERE refresh_tokens.digest = $2::VARCHAR"
)

USER_BY_EMAIL = (
    "SELECT users.id, users.version, users.created_at, users.updated_at, users.email, users.role, "
    "users.employee_id, users.is_active, users.password_hash, users.password_changed_at \n"
    'FROM users \nWHERE users.email = $1::VARCHAR COLLATE "C"'
)

ADD_SESSION = (
    "INSERT INTO auth_sessions (id, user_id, client_id, created_at, last_used_at, idle_expires_at, expires_at, "
    "revoked_at, user_agent) VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::TIMESTAMP WITH TIME ZONE, "
    "$5::TIMESTAMP WITH TIME ZONE, $6::TIMESTAMP WITH TIME ZONE, $7::TIMESTAMP WITH TIME ZONE, "
    "$8::TIMESTAMP WITH TIME ZONE, $9::VARCHAR)"
)

DEPARTMENT = (
    "SELECT departments.id, departments.version, departments.created_at, departments.updated_at, departments.name, "
    "departments.description, array((SELECT row(requirements.id, requirements.version, requirements.created_at, "
    "requirements.updated_at, requirements.department_id, requirements.competency_id, requirements.level, "
    "requirements.headcount) AS row_1 \nFROM requirements \n"
    "WHERE requirements.department_id = departments.id OR requirements.department_id IS NULL "
    "ORDER BY requirements.id)) AS requirements \nFROM departments \nWHERE departments.id = $1::UUID"
)
"""The department with its requirements (its own and the company-wide ones) as records
(id, version, created_at, updated_at, department_id, competency_id, level, headcount)."""

STAFF = (
    f"SELECT {_EMPLOYEE_COLUMNS}, held.levels \n"
    "FROM employees LEFT OUTER JOIN LATERAL (SELECT array_agg(row(latest.competency_id, latest.level)) AS levels \n"
    "FROM (SELECT DISTINCT ON (assessments.competency_id) assessments.competency_id AS competency_id, "
    "assessments.level AS level \nFROM assessments \n"
    "WHERE assessments.employee_id = employees.id AND assessments.competency_id = ANY (array((SELECT "
    "requirements.competency_id \nFROM requirements \n"
    "WHERE requirements.department_id = $1::UUID OR requirements.department_id IS NULL))) "
    "AND assessments.assessed_on <= $2::DATE AND (assessments.expires_on IS NULL OR assessments.expires_on > $2::DATE) "
    "ORDER BY assessments.competency_id, assessments.assessed_on DESC, assessments.created_at DESC, "
    "assessments.id DESC) AS latest) AS held ON true \n"
    "WHERE employees.department_id = $1::UUID AND employees.hired_on <= $2::DATE "
    "AND (employees.left_on IS NULL OR employees.left_on > $2::DATE) ORDER BY employees.id"
)
"""Parameters: $1 department id, $2 today. The department's current employees, each with the
current levels (records (competency_id, level), or NULL) in the competencies it requires."""

COURSES = (
    "SELECT courses.id, courses.version, courses.created_at, courses.updated_at, courses.title, courses.provider, "
    "courses.description, courses.url, courses.duration_hours, courses.rating, courses.learners, "
    "array((SELECT row(course_covers.competency_id, course_covers.level) AS row_1 \nFROM course_covers \n"
    "WHERE course_covers.course_id = courses.id ORDER BY course_covers.position)) AS covers \nFROM courses \n"
    "WHERE EXISTS (SELECT * \nFROM course_covers \nWHERE course_covers.course_id = courses.id "
    "AND course_covers.competency_id = ANY ($1::UUID[])) ORDER BY courses.title, courses.id"
)

HISTORY = (
    "SELECT array((SELECT row(enrollments.id, enrollments.version, enrollments.created_at, enrollments.updated_at, "
    "enrollments.employee_id, enrollments.course_id, enrollments.status, enrollments.completed_on) AS row_1 \n"
    "FROM enrollments \nWHERE enrollments.employee_id = $1::UUID ORDER BY enrollments.created_at, enrollments.id)) "
    "AS enrollments, array((SELECT row(feedback.id, feedback.version, feedback.created_at, feedback.updated_at, "
    "feedback.subject_id, feedback.author_id, feedback.competency_id, feedback.score, feedback.comment) AS row_2 \n"
    "FROM feedback \nWHERE feedback.subject_id = $1::UUID AND feedback.score IS NOT NULL "
    "ORDER BY feedback.created_at, feedback.id)) AS feedback"
)

SAME_AS_APP: dict[str, tuple[str, ...]] = {
    "get_employee": (EMPLOYEE,),
    "list_first": (FIRST_PAGE,),
    "list_deep": (NEXT_PAGE,),
    "create_competency": (INSERT_COMPETENCY,),
    "patch_employee": (EMPLOYEE, UPDATE_EMPLOYEE),
    "coverage": (DEPARTMENT, STAFF),
    "recommendations": (EMPLOYEE, DEPARTMENT, STAFF, COURSES, HISTORY),
}
"""Per bench, the floor's statements, which must be the app's own (its access check aside)."""

PART_OF_APP: dict[str, tuple[str, ...]] = {
    "refresh": (CLAIM_REFRESH, MARK_REFRESH_USED),
    "password": (USER_BY_EMAIL, ADD_SESSION),
}
"""Per bench, the floor's statements, which must be among the app's (the floor does less)."""


def normalised(statement: str) -> str:
    return " ".join(statement.split()).rstrip(";")
