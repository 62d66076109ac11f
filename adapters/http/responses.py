"""Response classes that serialise with orjson: entities (frozen dataclasses), pages and
problem bodies go straight to bytes, with no intermediate model validation."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from starlette.responses import JSONResponse

_OPTIONS = orjson.OPT_UTC_Z


def _fallback(value: object) -> object:
    """Subclasses orjson does not take natively (asyncpg returns its own UUID subclass)."""
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class JsonResponse(JSONResponse):
    """`application/json` from anything orjson serialises: dataclasses, UUIDs, dates, enums.
    A JSONResponse (only its rendering differs), so FastAPI documents a route's response model
    as the schema of its JSON body (for another response class it documents a string)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=_fallback, option=_OPTIONS)


class ProblemResponse(JsonResponse):
    """An RFC 9457 problem details body."""

    media_type = "application/problem+json"
