"""Opaque, tamper-evident keyset cursors.

A cursor carries the sort-key values of the last row of a page. It is signed with HMAC over
those values *and* a fingerprint of the query's sort and filters, so it cannot be forged,
edited, or replayed against a different query. Both storage adapters share this codec, which
is what keeps their pagination semantics identical.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date, datetime
from enum import Enum
from uuid import UUID

from upskill.domain.errors import InvalidQuery
from upskill.domain.query import ListQuery

_MAC_BYTES = 12


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _tag(value: object) -> list[object]:
    # datetime before date: a datetime is a date.
    if value is None:
        return ["n", None]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, UUID):
        return ["u", str(value)]
    if isinstance(value, datetime):
        return ["t", value.isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, Enum):
        return ["s", str(value.value)]
    if isinstance(value, int | float | str):
        return ["s" if isinstance(value, str) else "x", value]
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _untag(item: object) -> object:
    if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
        raise ValueError("bad cursor item")
    kind, raw = item
    match kind:
        case "n":
            return None
        case "b" if isinstance(raw, bool):
            return raw
        case "u":
            return UUID(str(raw))
        case "t":
            return datetime.fromisoformat(str(raw))
        case "d":
            return date.fromisoformat(str(raw))
        case "s" if isinstance(raw, str):
            return raw
        case "x" if isinstance(raw, int | float) and not isinstance(raw, bool):
            return raw
    raise ValueError("bad cursor item")


def fingerprint(query: ListQuery) -> bytes:
    """What a cursor is bound to: the full ordering and the filters (order-insensitive)."""
    sort = ",".join(str(k) for k in query.ordering())
    filters = sorted(f"{f.field}:{f.op}:{f.value!r}" for f in query.filters)
    return hashlib.sha256("|".join([sort, *filters]).encode()).digest()


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("cursor secret must be at least 16 bytes")
        self._secret = secret

    def _mac(self, payload: bytes, query: ListQuery) -> bytes:
        return hmac.new(self._secret, payload + b"." + fingerprint(query), hashlib.sha256).digest()[:_MAC_BYTES]

    def encode(self, values: Sequence[object], query: ListQuery) -> str:
        payload = json.dumps([_tag(v) for v in values], separators=(",", ":")).encode()
        return f"{_b64(payload)}.{_b64(self._mac(payload, query))}"

    def decode(self, cursor: str, query: ListQuery) -> tuple[object, ...]:
        """The sort-key values stored in `cursor`; raises InvalidQuery if it was not issued
        by this codec for this query's sort and filters."""
        invalid = InvalidQuery("The cursor is malformed or does not belong to this query.", field="cursor")
        try:
            body, mac = cursor.split(".", 1)
            payload, given = _unb64(body), _unb64(mac)
        except (ValueError, binascii.Error):
            raise invalid from None
        if not hmac.compare_digest(given, self._mac(payload, query)):
            raise invalid
        try:
            items = json.loads(payload)
            values = tuple(_untag(i) for i in items)
        except (ValueError, TypeError):
            raise invalid from None
        if len(values) != len(query.ordering()):
            raise invalid
        return values
