"""CursorCodec: values survive the round trip; a cursor is bound to its secret, sort and filters."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID

import pytest

from upskill.domain.competency import Level
from upskill.domain.cursor import CursorCodec
from upskill.domain.errors import InvalidQuery
from upskill.domain.query import Filter, ListQuery, Op, SortKey

SECRET = b"unit-test-cursor-secret"
codec = CursorCodec(SECRET)


def _query(*fields: str, filters: tuple[Filter, ...] = ()) -> ListQuery:
    return ListQuery(filters=filters, sort=tuple(SortKey(f.lstrip("-"), f.startswith("-")) for f in fields))


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -17,
        2**62,
        1.5,
        "",
        "plain",
        'Zoë 🚀 "quoted" ,.|',
        UUID("0190f8c2-7d3e-7abc-8def-0123456789ab"),
        date(2024, 2, 29),
        datetime(2024, 1, 1, 12, 30, 15, 123456, tzinfo=UTC),
        datetime(2024, 1, 1, 12, 30, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=repr,
)
def test_each_value_type_survives_the_round_trip(value: object) -> None:
    query = _query("name")
    decoded = codec.decode(codec.encode([value, UUID(int=1)], query), query)
    assert decoded == (value, UUID(int=1))
    assert type(decoded[0]) is type(value)


def test_an_enum_comes_back_as_its_value() -> None:
    query = _query("level")
    assert codec.decode(codec.encode([Level.EXPERT, UUID(int=1)], query), query) == ("expert", UUID(int=1))


def test_a_value_of_another_type_cannot_be_encoded() -> None:
    with pytest.raises(TypeError):
        codec.encode([object(), UUID(int=1)], _query("name"))


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        CursorCodec(b"too short")


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def _forge(payload: bytes, mac: str) -> str:
    return base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "." + mac


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: _flip(c, 3),
        lambda c: _flip(c, len(c) - 3),
        lambda c: c.replace(".", ""),
        lambda c: c + "x",
        lambda c: "",
        lambda c: "!!!.???",
        lambda c: _forge(b'[["s","b"],["u","00000000-0000-0000-0000-000000000001"]]', c.split(".")[1]),
    ],
    ids=["payload", "mac", "no-dot", "extra-char", "empty", "not-base64", "forged-payload"],
)
def test_a_tampered_cursor_is_an_invalid_query(tamper: object) -> None:
    query = _query("name")
    cursor = codec.encode(["a", UUID(int=1)], query)
    with pytest.raises(InvalidQuery) as caught:
        codec.decode(tamper(cursor), query)  # type: ignore[operator]
    assert caught.value.field == "cursor"


@pytest.mark.parametrize(
    "other",
    [
        _query("-name"),
        _query("created_at"),
        _query("name", "created_at"),
        _query("name", filters=(Filter("name", Op.EQ, "a"),)),
        ListQuery(sort=(SortKey("name"), SortKey("id", descending=True))),
    ],
    ids=["direction", "field", "more-keys", "filters", "tie-break-direction"],
)
def test_a_cursor_of_another_query_is_an_invalid_query(other: ListQuery) -> None:
    cursor = codec.encode(["a", UUID(int=1)], _query("name"))
    with pytest.raises(InvalidQuery):
        codec.decode(cursor, other)


def test_a_cursor_of_another_secret_is_an_invalid_query() -> None:
    query = _query("name")
    with pytest.raises(InvalidQuery):
        CursorCodec(b"another-secret-of-16+bytes").decode(codec.encode(["a", UUID(int=1)], query), query)


def test_a_cursor_with_the_wrong_number_of_values_is_an_invalid_query() -> None:
    query = _query("name")
    with pytest.raises(InvalidQuery):
        codec.decode(codec.encode(["a"], query), query)


def test_filter_order_limit_and_total_do_not_bind_the_cursor() -> None:
    a, b = Filter("name", Op.CONTAINS, "x"), Filter("id", Op.IN, (UUID(int=2),))
    issued = ListQuery(filters=(a, b), sort=(SortKey("name"),), limit=5)
    replayed = ListQuery(filters=(b, a), sort=(SortKey("name"),), limit=100, with_total=True)
    assert codec.decode(codec.encode(["a", UUID(int=1)], issued), replayed) == ("a", UUID(int=1))
