"""Exception handlers: every failure leaves as a problem (RFC 9457) through `problems`' table.

Unexpected exceptions are not handled here but in the request-context middleware, which logs
them once and answers a generic 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from loguru import logger
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import INVALID_TOKEN, REFUSED_DETAIL
from adapters.http.middleware import route_template
from adapters.http.problems import (
    BAD_REQUEST,
    INVALID_INPUT,
    ProblemException,
    for_error,
    for_status,
    problem_response,
)
from upskill.domain.entity import SYSTEM_FIELDS
from upskill.domain.errors import DomainError, FieldError, InvalidTransition, RateLimited, Unauthenticated

_SOURCES = frozenset({"body", "query", "path", "header", "cookie"})
_UNKNOWN_KEY = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
"""Pydantic's errors for a key the model (or a dataclass item) does not have."""


def install_error_handlers(
    app: FastAPI,
    *,
    retry_after_s: int,
    allowed_methods: Mapping[str, Iterable[str]],
    read_only: Mapping[str, frozenset[str]] | None = None,
) -> None:
    """Register the handlers. `retry_after_s` is the `Retry-After` of a 503; `allowed_methods`
    (route template → methods) fills the `Allow` of a 405 (Starlette names only one route's);
    `read_only` (route template → fields) says which refused body fields are read-only rather
    than unknown (system fields always are)."""
    allow = {template: ", ".join(sorted(methods)) for template, methods in allowed_methods.items()}
    read_only = read_only or {}

    async def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        problem = for_error(exc)
        headers: dict[str, str] = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, Unauthenticated):  # why a token failed is never told
            headers["WWW-Authenticate"] = INVALID_TOKEN
            return problem_response(problem, instance=request.url.path, detail=REFUSED_DETAIL, headers=headers)
        if problem.status >= 500:
            headers["Retry-After"] = str(retry_after_s)
            logger.opt(exception=exc).error("{} answered {}: {}", type(exc).__name__, problem.status, exc.reason)
            return problem_response(problem, instance=request.url.path, headers=headers)
        extensions = {"from": exc.current, "to": exc.requested} if isinstance(exc, InvalidTransition) else None
        return problem_response(
            problem,
            instance=request.url.path,
            detail=exc.reason,
            errors=exc.errors,
            headers=headers,
            extensions=extensions,
        )

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        details = exc.errors()
        if any(d.get("type") == "json_invalid" for d in details):
            return problem_response(BAD_REQUEST, instance=request.url.path, detail="The body is not valid JSON.")
        refused = read_only.get(route_template(request.scope), SYSTEM_FIELDS)
        errors = [FieldError(_field(d["loc"]), _message(d, refused)) for d in details]
        detail = f"{errors[0].field}: {errors[0].message}" if len(errors) == 1 else f"{len(errors)} fields are invalid."
        return problem_response(INVALID_INPUT, instance=request.url.path, detail=detail, errors=errors)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = _safe_headers(exc.headers)
        if isinstance(exc, ProblemException):
            return problem_response(
                exc.problem, instance=request.url.path, detail=exc.detail, errors=exc.errors, headers=headers
            )
        problem = for_status(exc.status_code)
        if exc.status_code == 405 and (methods := allow.get(route_template(request.scope))):
            headers = {**(headers or {}), "Allow": methods}
        detail = _framework_detail(request, exc.status_code)
        return problem_response(problem, instance=request.url.path, detail=detail, headers=headers)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)


def _field(loc: tuple[int | str, ...]) -> str:
    parts = list(loc[1:] if loc and loc[0] in _SOURCES else loc)
    return ".".join(str(p) for p in parts) or str(loc[0] if loc else "body")


def _message(detail: Mapping[str, Any], read_only: frozenset[str]) -> str:
    """Pydantic's message, but an unknown key says whether it is read-only (a top-level body
    field) or not a field at all (also inside an item of a nested list: `covers.0.colour`)."""
    if detail.get("type") in _UNKNOWN_KEY:
        loc = detail["loc"]
        if len(loc) > 2:  # deeper than ("body", field)
            return "is not a field of this item"
        return "is read-only" if loc[-1] in read_only else "is not a field of this resource"
    return str(detail.get("msg", "is invalid"))


def _framework_detail(request: Request, status: int) -> str | None:
    match status:
        case 404:
            return f"No route matches {request.url.path}."
        case 405:
            return f"{request.method} is not allowed on {request.url.path}."
    return None


def _safe_headers(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    """Starlette's own headers for its errors (e.g. `Allow`), minus the content type we set."""
    if not headers:
        return None
    return {k: v for k, v in headers.items() if k.lower() != "content-type"}
