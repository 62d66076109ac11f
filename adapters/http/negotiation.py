"""Content negotiation on `Accept` (RFC 9110 §12.5.1): which of the formats a route offers the
client prefers, by quality and then by specificity; None when it accepts none of them."""

from __future__ import annotations

from collections.abc import Sequence


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each media range; a malformed q counts as 0 (not acceptable)."""
    ranges = []
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        kind, _, sub = media.lower().partition("/")
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        ranges.append((kind, sub or "*", q))
    return ranges


def preferred(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers (the first offered when `Accept` is absent or
    empty); each offer takes the quality of the most specific range that matches it; ties go to
    the order of `offered`."""
    if accept is None or not accept.strip():
        return offered[0] if offered else None
    ranges = _ranges(accept)
    best: tuple[float, int] | None = None
    choice: str | None = None
    for index, media in enumerate(offered):
        kind, _, sub = media.partition("/")
        matches = [
            (2 if (k, s) == (kind, sub) else 1 if (k == kind and s == "*") else 0, q)
            for k, s, q in ranges
            if (k, s) in ((kind, sub), (kind, "*"), ("*", "*"))
        ]
        if not matches:
            continue
        q = max(matches)[1]  # the most specific range decides
        if q > 0 and (best is None or (q, -index) > best):
            best, choice = (q, -index), media
    return choice
