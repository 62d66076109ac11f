"""What the OpenAPI document says beyond what FastAPI derives from the routes: the problem
schemas that error responses name, where the API is served, who may call each operation, and
the answers that every request may get from the middleware in front of the routes."""

from __future__ import annotations

from typing import Any

from adapters.http.preconditions import IF_MATCH_PATTERN
from adapters.http.problems import problem_responses, problem_schemas

SERVERS = [{"url": "/", "description": "The service that serves this document (clients pass their base URL)."}]
LICENSE = {"name": "Proprietary", "identifier": "LicenseRef-Proprietary"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EVERY_REQUEST = (413,)
"""Statuses that middleware answers before any route: a body over `UPSKILL_MAX_BODY_BYTES`."""


def finish_document(document: dict[str, Any]) -> dict[str, Any]:
    """Complete FastAPI's document in place (and return it): problem schemas, `servers`, a
    license, `security: []` on every operation that declares no scheme (the public ones: token,
    register, revoke, discovery, health, metrics, problem types), so no operation inherits a
    requirement it does not have, the middleware's statuses on every operation, and the
    pattern of `If-Match` (checked by `expected_version`, not by FastAPI: a 400, not a 422)."""
    document.setdefault("components", {}).setdefault("schemas", {}).update(problem_schemas())
    document["servers"] = SERVERS
    document.setdefault("info", {}).setdefault("license", LICENSE)
    for operations in document.get("paths", {}).values():
        for method in METHODS:
            if (operation := operations.get(method)) is None:
                continue
            operation.setdefault("security", [])
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
                    parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
            responses = operation.setdefault("responses", {})
            for status, entry in problem_responses(*EVERY_REQUEST).items():
                responses.setdefault(str(status), entry)
    return document
