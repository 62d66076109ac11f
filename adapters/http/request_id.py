"""The id of the request being served, for response headers, problem bodies and log lines.

Set by the request-context middleware for the life of one request; outside a request it is
`NO_REQUEST`.
"""

from __future__ import annotations

import re
import uuid

from upskill.domain.events import NO_REQUEST, REQUEST_ID

HEADER = "X-Request-ID"

_SANE = re.compile(r"[A-Za-z0-9._-]{1,128}")

__all__ = ["HEADER", "NO_REQUEST", "REQUEST_ID", "accept_request_id", "current_request_id"]


def current_request_id() -> str:
    return REQUEST_ID.get()


def accept_request_id(given: str | None) -> str:
    """The caller's id when it is sane (1-128 of `A-Z a-z 0-9 . _ -`), else a new random one:
    an id that could smuggle text into logs or headers is never echoed."""
    if given is not None and _SANE.fullmatch(given):
        return given
    return uuid.uuid4().hex
