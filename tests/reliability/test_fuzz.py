"""Every operation of the live OpenAPI document, fuzzed by schemathesis against a real served
worker on PostgreSQL with demo data, as the admin and as an employee: no 5xx, only documented
status codes and content types, bodies that match their schemas, and the document says exactly
what the API accepts: every request it calls valid is accepted (`positive_data_acceptance`:
2xx/3xx, or 401/403/404/409/429), every request it calls invalid is refused
(`negative_data_rejection`: 4xx), but for the refusals in `NOT_IN_THE_SCHEMA`, each with the
reason JSON Schema cannot say it.

Driven through hypothesis directly (schemathesis' pytest plugin does not run on pytest 9): each
operation gets `max_examples` cases; a failing operation is shrunk to its smallest case, which
the assertion message shows as a curl command."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import CheckContext, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.demo.accounts import DEMO_ADMIN, DEMO_EMPLOYEE, DemoAccount
from tests.reliability.conftest import bearer_for
from tests.system.conftest import Server

pytestmark = pytest.mark.postgres

NOT_IN_THE_SCHEMA: dict[tuple[int, str, str | None], str] = {
    # (status, problem type, field) of a refusal of schema-valid data → why the schema cannot say it
    (400, "/problems/invalid-query", "cursor"): "a cursor is opaque and signed: only one the API issued "
    "for the same query is accepted, which no pattern can say",
    (400, "/problems/invalid-query", "sort"): "a sort key given twice (`sort=name,-name`): JSON Schema "
    "cannot say that the items of a comma-separated string are unique",
    (412, "/problems/stale-version", None): "If-Match names a version other than the record's current "
    "one: depends on the stored record",
    (422, "/problems/idempotency-key-reused", None): "an Idempotency-Key already used for another request: "
    "depends on the requests made before under the key (API.md, Safe retries)",
    (409, "/problems/idempotency-key-in-use", None): "an Idempotency-Key whose first request is still running: "
    "depends on requests in flight",
    (422, "/problems/invalid-reference", None): "an id names a record that does not exist: depends on the stored data",
    (422, "/problems/invalid-input", "due_on"): "a plan's due_on must not be in the past: relative to today",
    (422, "/problems/invalid-input", "current_password"): "the current password is wrong: a credential",
    (422, "/problems/invalid-input", "completed_on"): "an enrollment's completed_on must not be in the future: "
    "relative to today",
    (422, "/problems/invalid-input", "left_on"): "an employee's left_on must not be before hired_on: a rule across "
    "two fields (or a field and the stored record, for a patch)",
    (422, "/problems/invalid-input", "status"): "a new plan starts active, and a status change must be one the "
    "stored record's state allows: depends on the operation and the stored record",
    (422, "/problems/invalid-input", "source"): "an assessment's source cannot change: depends on the stored record",
    (422, "/problems/invalid-input", "expires_on"): "expires_on after assessed_on: a rule across two fields "
    "(or a field and the stored record, for a patch)",
    (422, "/problems/invalid-input", "assessor_id"): "an employee cannot assess themselves: a rule across two "
    "fields (or the stored record)",
    (422, "/problems/invalid-input", "author_id"): "an employee cannot give feedback to themselves: a rule "
    "across the body and the caller",
}
CREATE_ONLY_REQUIRED = {("POST", "/api/v1/users", "password")}
"""Fields required on create but not on replace, where POST and PUT share one input schema."""


def refused_for_a_listed_reason(response: Response, case: Case) -> str | None:
    """The reason in `NOT_IN_THE_SCHEMA` (or `CREATE_ONLY_REQUIRED`) that covers this refusal."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    fields = [e.get("field") for e in body.get("errors") or [] if isinstance(e, dict)] or [None]
    problem = str(body.get("type"))
    reasons = []
    for field in fields:
        if (case.method.upper(), case.operation.path, field) in CREATE_ONLY_REQUIRED:
            reasons.append("required on create, optional on replace (one schema for both)")
            continue
        reason = NOT_IN_THE_SCHEMA.get((response.status_code, problem, field)) or NOT_IN_THE_SCHEMA.get(
            (response.status_code, problem, None)
        )
        if reason is None:
            return None
        reasons.append(reason)
    return "; ".join(reasons)


def schema_valid_data_is_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """`positive_data_acceptance`, but for the refusals that `NOT_IN_THE_SCHEMA` explains."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if refused_for_a_listed_reason(response, case) is not None:
            return None
        raise


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    schema_valid_data_is_accepted,
    negative_data_rejection,
]
MAX_EXAMPLES = 10
FUZZ = settings(
    max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)


@pytest.fixture(scope="module")
def api_schema(served: Server) -> BaseSchema:
    return schemathesis.openapi.from_url(f"{served.base_url}/openapi.json")


def fuzz_operation(operation: APIOperation, mode: GenerationMode, base_url: str, headers: dict[str, str]) -> int:
    """Run the cases of one operation; the number of requests made. Raises the checks' failure
    of the smallest failing case."""
    made = 0

    @given(case=operation.as_strategy(mode))
    @FUZZ
    def run(case: Case) -> None:
        nonlocal made
        made += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=10)

    run()
    return made


def fuzz_all(
    schema: BaseSchema, server: Server, account: DemoAccount, mode: GenerationMode
) -> tuple[int, int, list[str]]:
    """(operations, requests, failures) over every operation of `schema`, each operation with a
    fresh session of `account` (a case may log out)."""
    failures: list[str] = []
    operations = requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        headers = bearer_for(server, account.email, account.password)
        try:
            requests += fuzz_operation(operation, mode, server.base_url, headers)
        except Unsatisfiable:  # negative mode: nothing in this operation can be made invalid
            continue
        except (Exception, BaseExceptionGroup) as failure:  # one report per operation, then the next one
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    return operations, requests, failures


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("account", [DEMO_ADMIN, DEMO_EMPLOYEE], ids=lambda a: a.role.value)
def test_every_operation(api_schema: BaseSchema, served: Server, account: DemoAccount, mode: GenerationMode) -> None:
    operations, requests, failures = fuzz_all(api_schema, served, account, mode)
    print(f"{account.role.value}/{mode.value}: {operations} operations, {requests} requests, {len(failures)} failing")
    assert operations > 60
    assert not failures, "\n\n".join(failures)
