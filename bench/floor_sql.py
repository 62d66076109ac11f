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
    "users.employee_id, users.is_active, users.password_hash, users.password_changed_at, users.oidc_linked \n"
    'FROM users \nWHERE users.email = $1::VARCHAR COLLATE "C"'
)

ADD_SESSION = (
    "INSERT INTO auth_sessions (id, user_id, client_id, created_at, last_used_at, idle_expires_at, expires_at, "
    "revoked_at, user_agent, auth_method) VALUES ($1::UUID, $2::UUID, $3::VARCHAR, $4::TIMESTAMP WITH TIME ZONE, "
    "$5::TIMESTAMP WITH TIME ZONE, $6::TIMESTAMP WITH TIME ZONE, $7::TIMESTAMP WITH TIME ZONE, "
    "$8::TIMESTAMP WITH TIME ZONE, $9::VARCHAR, $10::VARCHAR)"
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

HOLDERS = (
    "SELECT pairs.competency_id, pairs.level, array_agg(pairs.employee_id ORDER BY pairs.employee_id ASC)"
    " AS ids, bool_or(pairs.employee_id = $1::UUID) AS bool_or_1 FROM (SELECT "
    "competency_levels.employee_id AS employee_id, competency_levels.competency_id AS competency_id, CASE"
    " WHEN (competency_levels.assessed_on <= $2::DATE AND (competency_levels.expires_on IS NULL OR "
    "competency_levels.expires_on > $2::DATE)) THEN competency_levels.level ELSE (SELECT "
    "assessments.level FROM assessments WHERE assessments.employee_id = competency_levels.employee_id AND"
    " assessments.competency_id = competency_levels.competency_id AND assessments.status = 'validated' "
    "AND assessments.assessed_on <= $2::DATE AND (assessments.expires_on IS NULL OR "
    "assessments.expires_on > $2::DATE) ORDER BY assessments.assessed_on DESC, assessments.created_at "
    "DESC, assessments.id DESC LIMIT 1) END AS level FROM competency_levels JOIN employees ON "
    "employees.id = competency_levels.employee_id WHERE competency_levels.department_id = $3::UUID AND "
    "competency_levels.competency_id = ANY (array((SELECT requirements.competency_id FROM requirements "
    "WHERE requirements.department_id = $3::UUID OR requirements.department_id IS NULL))) AND "
    "competency_levels.assessment_id IS NOT NULL AND employees.department_id = $3::UUID AND "
    "employees.hired_on <= $2::DATE AND (employees.left_on IS NULL OR employees.left_on > $2::DATE)) AS "
    "pairs WHERE pairs.level IS NOT NULL GROUP BY pairs.competency_id, pairs.level"
)
"""Parameters: $1 the employee asked about (NULL for coverage), $2 today, $3 department id. Per
(required competency, current level): the ids of the department's current employees holding it,
ascending, and whether $1 is one of them (the current-level projection; the history only for pairs
whose projected assessment is not valid on the day)."""

COURSES = (
    "SELECT courses.id, courses.version, courses.created_at, courses.updated_at, courses.title, courses.provider, "
    "courses.description, courses.url, courses.duration_hours, courses.rating, courses.learners, "
    "array((SELECT row(course_covers.competency_id, course_covers.level) AS row_1 \nFROM course_covers \n"
    "WHERE course_covers.course_id = courses.id ORDER BY course_covers.position)) AS covers \nFROM courses \n"
    "WHERE EXISTS (SELECT * \nFROM course_covers \nWHERE course_covers.course_id = courses.id "
    "AND course_covers.competency_id = ANY ($1::UUID[])) ORDER BY courses.title, courses.id"
)

HISTORY = (
    "SELECT array((SELECT row(enrollments.id, enrollments.version, enrollments.created_at, "
    "enrollments.updated_at, enrollments.employee_id, enrollments.course_id, enrollments.status, "
    "enrollments.completed_on, enrollments.due_on, enrollments.assigned_by) AS row_1 FROM enrollments "
    "WHERE enrollments.employee_id = $1::UUID ORDER BY enrollments.created_at, enrollments.id)) AS "
    "enrollments, array((SELECT row(feedback.id, feedback.version, feedback.created_at, "
    "feedback.updated_at, feedback.subject_id, feedback.author_id, feedback.competency_id, "
    "feedback.score, feedback.comment) AS row_2 FROM feedback WHERE feedback.subject_id = $1::UUID AND "
    "feedback.score IS NOT NULL ORDER BY feedback.created_at, feedback.id)) AS feedback"
)

ASSESSMENT = (
    "SELECT assessments.id, assessments.version, assessments.created_at, assessments.updated_at, "
    "assessments.employee_id, assessments.competency_id, assessments.level, assessments.assessed_on, "
    "assessments.expires_on, assessments.assessor_id, assessments.note, assessments.source, "
    "assessments.status, assessments.reviewed_by, assessments.reviewed_on, assessments.review_note FROM "
    "assessments WHERE assessments.id = $1::UUID"
)

UPDATE_ASSESSMENT = (
    "UPDATE assessments SET version=$1::INTEGER, created_at=$2::TIMESTAMP WITH TIME ZONE, "
    "updated_at=$3::TIMESTAMP WITH TIME ZONE, employee_id=$4::UUID, competency_id=$5::UUID, "
    "level=$6::VARCHAR, assessed_on=$7::DATE, expires_on=$8::DATE, assessor_id=$9::UUID, "
    "note=$10::VARCHAR, source=$11::VARCHAR, status=$12::VARCHAR, reviewed_by=$13::UUID, "
    "reviewed_on=$14::DATE, review_note=$15::VARCHAR WHERE assessments.id = $16::UUID AND "
    "assessments.version = $17::INTEGER"
)

CURRENT_LEVELS = (
    "SELECT DISTINCT ON (assessments.competency_id) assessments.competency_id, assessments.level FROM "
    "assessments WHERE assessments.employee_id = $1::UUID AND assessments.status = 'validated' AND "
    "assessments.assessed_on <= $2::DATE AND (assessments.expires_on IS NULL OR assessments.expires_on > "
    "$2::DATE) ORDER BY assessments.competency_id, assessments.assessed_on DESC, assessments.created_at "
    "DESC, assessments.id DESC"
)

ACTIVE_PLAN = (
    "SELECT plans.id, plans.version, plans.created_at, plans.updated_at, plans.employee_id, "
    "plans.competency_id, plans.target_level, plans.due_on, plans.status, plans.note, plans.created_by, "
    "plans.achieved_on FROM plans WHERE plans.employee_id = $1::UUID AND plans.status = $2::VARCHAR AND "
    "plans.competency_id = $3::UUID ORDER BY plans.id ASC LIMIT $4::INTEGER"
)

ENROLLMENT = (
    "SELECT enrollments.id, enrollments.version, enrollments.created_at, enrollments.updated_at, "
    "enrollments.employee_id, enrollments.course_id, enrollments.status, enrollments.completed_on, "
    "enrollments.due_on, enrollments.assigned_by FROM enrollments WHERE enrollments.id = $1::UUID"
)

UPDATE_ENROLLMENT = (
    "UPDATE enrollments SET version=$1::INTEGER, created_at=$2::TIMESTAMP WITH TIME ZONE, "
    "updated_at=$3::TIMESTAMP WITH TIME ZONE, employee_id=$4::UUID, course_id=$5::UUID, "
    "status=$6::VARCHAR, completed_on=$7::DATE, due_on=$8::DATE, assigned_by=$9::UUID WHERE "
    "enrollments.id = $10::UUID AND enrollments.version = $11::INTEGER"
)

COURSE = (
    "SELECT courses.id, courses.version, courses.created_at, courses.updated_at, courses.title, "
    "courses.provider, courses.description, courses.url, courses.duration_hours, courses.rating, "
    "courses.learners FROM courses WHERE courses.id = $1::UUID"
)

COVERS = (
    "SELECT course_covers.course_id, course_covers.competency_id, course_covers.level FROM course_covers "
    "WHERE course_covers.course_id = ANY ($1::UUID[]) ORDER BY course_covers.course_id, "
    "course_covers.position"
)

INSERT_ASSESSMENT = (
    "INSERT INTO assessments (id, version, created_at, updated_at, employee_id, competency_id, level, "
    "assessed_on, expires_on, assessor_id, note, source, status, reviewed_by, reviewed_on, review_note) "
    "VALUES ($1::UUID, $2::INTEGER, $3::TIMESTAMP WITH TIME ZONE, $4::TIMESTAMP WITH TIME ZONE, $5::UUID,"
    " $6::UUID, $7::VARCHAR, $8::DATE, $9::DATE, $10::UUID, $11::VARCHAR, $12::VARCHAR, $13::VARCHAR, "
    "$14::UUID, $15::DATE, $16::VARCHAR)"
)

MATRIX_HEAD = (
    "SELECT departments.id, departments.version, departments.created_at, departments.updated_at, "
    "departments.name, departments.description, array((SELECT row(requirements.id, requirements.version, "
    "requirements.created_at, requirements.updated_at, requirements.department_id, "
    "requirements.competency_id, requirements.level, requirements.headcount) AS row_1 FROM requirements "
    "WHERE requirements.department_id = departments.id OR requirements.department_id IS NULL ORDER BY "
    "requirements.id)) AS requirements, array((SELECT row(competencies.id, competencies.name) AS row_2 "
    "FROM competencies WHERE competencies.id IN (SELECT requirements.competency_id FROM requirements "
    "WHERE requirements.department_id = $1::UUID OR requirements.department_id IS NULL) ORDER BY "
    "competencies.id)) AS names FROM departments WHERE departments.id = $1::UUID"
)

MATRIX_STAFF = (
    "SELECT employees.id, employees.full_name, employees.email, held.holdings FROM employees LEFT OUTER "
    "JOIN (SELECT cells.employee_id AS employee_id, array_agg(row(cells.competency_id, cells.level, "
    "cells.expires_on, cells.claimed)) FILTER (WHERE cells.level IS NOT NULL OR cells.claimed IS NOT "
    "NULL) AS holdings FROM (SELECT competency_levels.employee_id AS employee_id, "
    "competency_levels.competency_id AS competency_id, cur.level AS level, cur.expires_on AS expires_on, "
    "CASE WHEN (cur.id IS NULL OR (claim.assessed_on, claim.created_at, claim.id) > (cur.assessed_on, "
    "cur.created_at, cur.id)) THEN claim.level END AS claimed FROM competency_levels LEFT OUTER JOIN "
    "LATERAL (SELECT competency_levels.level AS level, competency_levels.expires_on AS expires_on, "
    "competency_levels.assessed_on AS assessed_on, competency_levels.created_at AS created_at, "
    "competency_levels.assessment_id AS id WHERE competency_levels.assessed_on <= $1::DATE AND "
    "(competency_levels.expires_on IS NULL OR competency_levels.expires_on > $1::DATE) UNION ALL (SELECT "
    "assessments.level AS level, assessments.expires_on AS expires_on, assessments.assessed_on AS "
    "assessed_on, assessments.created_at AS created_at, assessments.id AS id FROM assessments WHERE "
    "assessments.employee_id = competency_levels.employee_id AND assessments.competency_id = "
    "competency_levels.competency_id AND assessments.status = 'validated' AND assessments.assessed_on <= "
    "$1::DATE AND (assessments.expires_on IS NULL OR assessments.expires_on > $1::DATE) AND "
    "competency_levels.assessment_id IS NOT NULL AND NOT (competency_levels.assessed_on <= $1::DATE AND "
    "(competency_levels.expires_on IS NULL OR competency_levels.expires_on > $1::DATE)) ORDER BY "
    "assessments.assessed_on DESC, assessments.created_at DESC, assessments.id DESC LIMIT 1)) AS cur ON "
    "true LEFT OUTER JOIN LATERAL (SELECT competency_levels.claim_level AS level, "
    "competency_levels.claim_expires_on AS expires_on, competency_levels.claim_assessed_on AS "
    "assessed_on, competency_levels.claim_created_at AS created_at, competency_levels.claim_id AS id "
    "WHERE competency_levels.claim_assessed_on <= $1::DATE AND (competency_levels.claim_expires_on IS "
    "NULL OR competency_levels.claim_expires_on > $1::DATE) UNION ALL (SELECT assessments.level AS level,"
    " assessments.expires_on AS expires_on, assessments.assessed_on AS assessed_on, "
    "assessments.created_at AS created_at, assessments.id AS id FROM assessments WHERE "
    "assessments.employee_id = competency_levels.employee_id AND assessments.competency_id = "
    "competency_levels.competency_id AND assessments.status = 'proposed' AND assessments.assessed_on <= "
    "$1::DATE AND (assessments.expires_on IS NULL OR assessments.expires_on > $1::DATE) AND "
    "competency_levels.claim_id IS NOT NULL AND NOT (competency_levels.claim_assessed_on <= $1::DATE AND "
    "(competency_levels.claim_expires_on IS NULL OR competency_levels.claim_expires_on > $1::DATE)) ORDER"
    " BY assessments.assessed_on DESC, assessments.created_at DESC, assessments.id DESC LIMIT 1)) AS "
    "claim ON true WHERE competency_levels.department_id = $2::UUID AND competency_levels.competency_id ="
    " ANY (array((SELECT requirements.competency_id FROM requirements WHERE requirements.department_id = "
    "$2::UUID OR requirements.department_id IS NULL)))) AS cells GROUP BY cells.employee_id) AS held ON "
    "held.employee_id = employees.id WHERE employees.department_id = $2::UUID AND employees.hired_on <= "
    "$1::DATE AND (employees.left_on IS NULL OR employees.left_on > $1::DATE) ORDER BY "
    "employees.full_name, employees.id"
)
"""Parameters: $1 today, $2 department id. The current employees (id, full_name, email; by full
name, then id), each with holdings (records
(competency_id, level, expires_on, claimed level), or NULL) in the required competencies."""

SAME_AS_APP: dict[str, tuple[str, ...]] = {
    "get_employee": (EMPLOYEE,),
    "list_first": (FIRST_PAGE,),
    "list_deep": (NEXT_PAGE,),
    "create_competency": (INSERT_COMPETENCY,),
    "patch_employee": (EMPLOYEE, UPDATE_EMPLOYEE),
    "coverage": (DEPARTMENT, HOLDERS),
    "recommendations": (EMPLOYEE, DEPARTMENT, HOLDERS, COURSES, HISTORY),
    "validate": (ASSESSMENT, EMPLOYEE, UPDATE_ASSESSMENT, CURRENT_LEVELS, ACTIVE_PLAN),
    "complete_enrollment": (ENROLLMENT, UPDATE_ENROLLMENT, COURSE, COVERS, CURRENT_LEVELS, INSERT_ASSESSMENT),
    "matrix": (MATRIX_HEAD, MATRIX_STAFF),
    "matrix_csv": (MATRIX_HEAD, MATRIX_STAFF),
}
"""Per bench, the floor's statements, which must be the app's own (its access check aside)."""

PART_OF_APP: dict[str, tuple[str, ...]] = {
    "password": (USER_BY_EMAIL, ADD_SESSION),
}
"""Per bench, the floor's statements, which must be among the app's (the floor does less). The
refresh grant's floor (CLAIM_REFRESH, MARK_REFRESH_USED) is not the app's SQL since issue 16:
the app reads the token with its session and user in one statement and rotates in another (the
used mark, the session touched and the next token); the floor keeps the minimal exchange the
target was set against."""


def normalised(statement: str) -> str:
    return " ".join(statement.split()).rstrip(";")
