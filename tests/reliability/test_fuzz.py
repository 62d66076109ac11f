"""Every operation of the live OpenAPI document, fuzzed by schemathesis against a real served
worker on PostgreSQL with demo data, as the admin and as an employee: no 5xx, only documented
status codes and content types, and bodies that match their schemas.

Driven through hypothesis directly (schemathesis' pytest plugin does not run on pytest 9): each
operation gets `max_examples` cases; a failing operation is shrunk to its smallest case, which
the assertion message shows as a curl command."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, BaseSchema, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from adapters.demo.accounts import DEMO_ADMIN, DEMO_EMPLOYEE, DemoAccount
from tests.reliability.conftest import bearer_for
from tests.system.conftest import Server

pytestmark = pytest.mark.postgres

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
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
        except Exception as failure:  # one report per operation, then the next operation
            failures.append(f"{operation.method.upper()} {operation.path}: {failure}")
    return operations, requests, failures


@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@pytest.mark.parametrize("account", [DEMO_ADMIN, DEMO_EMPLOYEE], ids=lambda a: a.role.value)
def test_every_operation(api_schema: BaseSchema, served: Server, account: DemoAccount, mode: GenerationMode) -> None:
    operations, requests, failures = fuzz_all(api_schema, served, account, mode)
    print(f"{account.role.value}/{mode.value}: {operations} operations, {requests} requests, {len(failures)} failing")
    assert operations > 60
    assert not failures, "\n\n".join(failures)
