"""Problem types (RFC 9457): the one table from which error responses, `GET /problems/{slug}`
and every route's OpenAPI error responses are all derived.

Each core error class and each framework failure maps to exactly one `ProblemType`; a new
error class is one new row here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from adapters.http.request_id import current_request_id
from adapters.http.responses import ProblemResponse
from upskill.domain.errors import (
    Conflict,
    DomainError,
    FieldError,
    Forbidden,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    InvalidQuery,
    InvalidReference,
    InvalidTransition,
    InvariantViolation,
    NotFound,
    RateLimited,
    StaleVersion,
    Unauthenticated,
    Unavailable,
)


@dataclass(frozen=True, slots=True)
class ProblemType:
    slug: str
    status: int
    title: str
    description: str

    @property
    def uri(self) -> str:
        """A relative URI that `GET /problems/{slug}` describes; `about:blank` for an ad-hoc type."""
        return f"/problems/{self.slug}" if self.slug else "about:blank"


BAD_REQUEST = ProblemType("bad-request", 400, "Bad Request", "A header or the JSON body cannot be parsed.")
INVALID_QUERY = ProblemType(
    "invalid-query",
    400,
    "Invalid Query",
    "A list query names an unknown filter, operator or sort key, has a malformed value or limit, "
    "or carries a cursor that was not issued for this query. `errors[].field` names the parameter.",
)
UNAUTHENTICATED = ProblemType(
    "unauthenticated", 401, "Unauthenticated", "No valid credentials: the token is missing, expired or revoked."
)
FORBIDDEN = ProblemType("forbidden", 403, "Forbidden", "The caller is known but may not do this.")
NOT_FOUND = ProblemType(
    "not-found", 404, "Not Found", "No such record, or one the caller may not see; also an unknown route."
)
METHOD_NOT_ALLOWED = ProblemType(
    "method-not-allowed",
    405,
    "Method Not Allowed",
    "The route exists but not for this method; `Allow` lists those it has.",
)
NOT_ACCEPTABLE = ProblemType(
    "not-acceptable",
    406,
    "Not Acceptable",
    "`Accept` names no format the route answers in; its description says which it offers.",
)
CONFLICT = ProblemType(
    "conflict",
    409,
    "Conflict",
    "A unique value is taken, the record is still referenced by others, or a concurrent change won.",
)
INVALID_TRANSITION = ProblemType(
    "invalid-transition",
    409,
    "Invalid Transition",
    "The record's state cannot change this way (an enrollment out of a final status, a review of an "
    "assessment that is no longer proposed, a plan achieved by hand): `from` is its state, `to` the "
    "one asked for.",
)
STALE_VERSION = ProblemType(
    "stale-version",
    412,
    "Precondition Failed",
    "`If-Match` names a version that is no longer current: fetch the record again and reapply the change.",
)
CONTENT_TOO_LARGE = ProblemType(
    "content-too-large", 413, "Content Too Large", "The request body is over the size limit."
)
UNSUPPORTED_MEDIA_TYPE = ProblemType(
    "unsupported-media-type",
    415,
    "Unsupported Media Type",
    "The body must be JSON (`application/json`; `application/merge-patch+json` for PATCH).",
)
INVALID_INPUT = ProblemType(
    "invalid-input",
    422,
    "Invalid Input",
    "The body or a parameter is invalid or breaks a rule; `errors` lists each field and what is wrong. "
    "Read-only and unknown fields are refused, never ignored.",
)
INVALID_REFERENCE = ProblemType(
    "invalid-reference", 422, "Invalid Reference", "A field points at a record that does not exist."
)
IDEMPOTENCY_KEY_REUSED = ProblemType(
    "idempotency-key-reused",
    422,
    "Idempotency-Key Reused",
    "This Idempotency-Key was already used by the caller for a different request (method, path or body).",
)
IDEMPOTENCY_KEY_IN_USE = ProblemType(
    "idempotency-key-in-use",
    409,
    "Idempotency-Key In Use",
    "The first request with this Idempotency-Key is still being processed; retry later for its response.",
)
RATE_LIMITED = ProblemType("rate-limited", 429, "Too Many Requests", "Too many attempts; retry after `Retry-After` s.")
INTERNAL_ERROR = ProblemType(
    "internal-error",
    500,
    "Internal Server Error",
    "An unexpected failure. Nothing about it is disclosed; quote `request_id` when reporting it.",
)
UNAVAILABLE = ProblemType(
    "unavailable",
    503,
    "Service Unavailable",
    "A dependency (the database) cannot be reached; retry after `Retry-After` s.",
)

PROBLEM_TYPES: Mapping[str, ProblemType] = {
    p.slug: p
    for p in (
        BAD_REQUEST,
        INVALID_QUERY,
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        NOT_ACCEPTABLE,
        CONFLICT,
        INVALID_TRANSITION,
        STALE_VERSION,
        CONTENT_TOO_LARGE,
        UNSUPPORTED_MEDIA_TYPE,
        INVALID_INPUT,
        INVALID_REFERENCE,
        IDEMPOTENCY_KEY_REUSED,
        IDEMPOTENCY_KEY_IN_USE,
        RATE_LIMITED,
        INTERNAL_ERROR,
        UNAVAILABLE,
    )
}

FOR_ERROR: Mapping[type[DomainError], ProblemType] = {
    IdempotencyKeyReused: IDEMPOTENCY_KEY_REUSED,
    IdempotencyKeyInUse: IDEMPOTENCY_KEY_IN_USE,
    NotFound: NOT_FOUND,
    Conflict: CONFLICT,  # TransactionConflict too, through its base class
    InvalidTransition: INVALID_TRANSITION,
    InvalidReference: INVALID_REFERENCE,
    InvariantViolation: INVALID_INPUT,
    InvalidQuery: INVALID_QUERY,
    StaleVersion: STALE_VERSION,
    Forbidden: FORBIDDEN,
    Unauthenticated: UNAUTHENTICATED,
    RateLimited: RATE_LIMITED,
    Unavailable: UNAVAILABLE,
}

FOR_STATUS: Mapping[int, ProblemType] = {
    400: BAD_REQUEST,
    401: UNAUTHENTICATED,
    403: FORBIDDEN,
    404: NOT_FOUND,
    405: METHOD_NOT_ALLOWED,
    406: NOT_ACCEPTABLE,
    413: CONTENT_TOO_LARGE,
    415: UNSUPPORTED_MEDIA_TYPE,
    422: INVALID_INPUT,
    429: RATE_LIMITED,
    500: INTERNAL_ERROR,
    503: UNAVAILABLE,
}
"""Framework failures (Starlette's HTTPException) by status."""

_HEADERS: Mapping[int, Mapping[str, str]] = {
    401: {"WWW-Authenticate": "How to authenticate: `Bearer`."},
    405: {"Allow": "The methods the route accepts."},
    429: {"Retry-After": "Seconds to wait before retrying."},
    503: {"Retry-After": "Seconds to wait before retrying."},
}


def for_error(error: DomainError) -> ProblemType:
    for cls in type(error).__mro__:
        if cls in FOR_ERROR:
            return FOR_ERROR[cls]
    return INTERNAL_ERROR


def for_status(status: int) -> ProblemType:
    """The table's type for a framework status, else RFC 9457's `about:blank` with the status phrase."""
    if status in FOR_STATUS:
        return FOR_STATUS[status]
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return ProblemType("", status, phrase, phrase)


class ProblemException(HTTPException):
    """Raised by the HTTP adapter itself (malformed header, wrong media type, body too large).
    An HTTPException, so FastAPI's body reader lets it through to the problem handler."""

    def __init__(
        self,
        problem: ProblemType,
        detail: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(problem.status, detail, dict(headers) if headers else None)
        self.problem = problem
        self.errors: tuple[FieldError, ...] = (FieldError(field, detail),) if field else ()


def problem_response(
    problem: ProblemType,
    *,
    instance: str,
    detail: str | None = None,
    errors: Sequence[FieldError] = (),
    headers: Mapping[str, str] | None = None,
    extensions: Mapping[str, object] | None = None,
) -> ProblemResponse:
    """`extensions`: the problem type's own members (RFC 9457 §3.2), after the standard ones."""
    body = {
        "type": problem.uri,
        "title": problem.title,
        "status": problem.status,
        "detail": detail if detail is not None else problem.description,
        "instance": instance,
        "request_id": current_request_id(),
        "errors": [{"field": e.field, "message": e.message} for e in errors],
        **(extensions or {}),
    }
    return ProblemResponse(body, status_code=problem.status, headers=headers)


# -- OpenAPI -------------------------------------------------------------------------------------


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field or parameter.")
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details, served as `application/problem+json`."""

    type: str = Field(description="Relative URI of the problem type; `GET` it for a description.")
    title: str
    status: int
    detail: str
    instance: str = Field(description="The path of the request.")
    request_id: str = Field(description="Also the `X-Request-ID` header and the id in the logs.")
    errors: list[FieldProblem] = Field(default_factory=list)
    from_: str | None = Field(
        default=None, alias="from", description="`invalid-transition` only: the record's state (null: none yet)."
    )
    to: str | None = Field(default=None, description="`invalid-transition` only: the state asked for.")


PROBLEM_REF = "#/components/schemas/Problem"


def problem_schemas() -> dict[str, Any]:
    """The OpenAPI components `Problem` and `FieldProblem`, which every error response names.
    (Responses refer to them by `$ref` rather than as a `model`: FastAPI would otherwise build a
    pydantic field per route and status, a large share of the app's start-up time.)"""
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    return {**schema.pop("$defs", {}), "Problem": schema}


def _describe(status: int) -> dict[str, Any]:
    kinds = [p for p in PROBLEM_TYPES.values() if p.status == status]
    entry: dict[str, Any] = {
        "description": "; ".join(f"{p.title} (`{p.uri}`): {p.description}" for p in kinds),
        "content": {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}},
    }
    if status in _HEADERS:
        entry["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in _HEADERS[status].items()
        }
    return entry


_RESPONSES = {status: _describe(status) for status in sorted({p.status for p in PROBLEM_TYPES.values()})}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries (problem schema, description, headers) for these statuses."""
    return {status: _RESPONSES[status] for status in statuses}
