"""Conditional requests: ETags are weak and carry the record's version (`W/"3"`).

`If-Match` on a write names the version the client last saw; a malformed one is a 400
(`bad-request`, field `If-Match`), never silently ignored, and a stale one is the core's
StaleVersion (412). `If-None-Match` on a read answers 304 when the client's copy is current.
"""

from __future__ import annotations

import re

from adapters.http.problems import BAD_REQUEST, ProblemException

_TAG = re.compile(r'(?:W/)?"([0-9]{1,18})"|([0-9]{1,18})')
IF_MATCH_PATTERN = r'^[ \t]*(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})[ \t]*$'
"""`If-Match` as `expected_version` takes it, for the OpenAPI document."""


def etag(version: int) -> str:
    return f'W/"{version}"'


def _version(tag: str) -> int | None:
    match = _TAG.fullmatch(tag.strip())
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def expected_version(if_match: str | None) -> int | None:
    """The version `If-Match` requires (`W/"n"`, `"n"` or bare `n`); None when absent or `*`
    (any current version). Raises a 400 problem for anything else, lists included."""
    if if_match is None or if_match.strip() == "*":
        return None
    version = _version(if_match)
    if version is None:
        raise ProblemException(
            BAD_REQUEST, 'If-Match must be one ETag: W/"<version>", "<version>" or the bare version.', field="If-Match"
        )
    return version


def is_current(if_none_match: str | None, version: int) -> bool:
    """Whether `If-None-Match` lists this version (weak comparison) or is `*`."""
    if if_none_match is None:
        return False
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or version in {_version(t) for t in tags}
