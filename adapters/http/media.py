"""Request body media types: JSON only, so a form or text body is a 415, not a 422."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request

from adapters.http.problems import UNSUPPORTED_MEDIA_TYPE, ProblemException

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"


def require_media_type(*accepted: str) -> Callable[[Request], Awaitable[None]]:
    """A dependency that raises a 415 problem unless `Content-Type` is one of `accepted`
    (parameters such as `charset` are ignored). The 415 says, in `Accept`, what would do."""
    allowed = frozenset(accepted)
    listed = ", ".join(accepted)

    async def check(request: Request) -> None:
        media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type not in allowed:
            headers = {"Accept": listed}
            if MERGE_PATCH in allowed:
                headers["Accept-Patch"] = listed
            raise ProblemException(UNSUPPORTED_MEDIA_TYPE, f"Send the body as {listed}.", headers=headers)

    return check


def require_media_type_if_body(*accepted: str) -> Callable[[Request], Awaitable[None]]:
    """As `require_media_type`, for a route whose body is optional: no body passes."""
    check = require_media_type(*accepted)

    async def check_if_body(request: Request) -> None:
        length = request.headers.get("content-length")
        if (length is not None and length.strip() != "0") or "transfer-encoding" in request.headers:
            await check(request)

    return check_if_body
