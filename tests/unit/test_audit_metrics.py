"""The counting audit log: every event is counted by name and still reaches the inner log."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from adapters.audit import KNOWN_EVENTS, CountingAuditLog, auth_events_counter
from adapters.memory import RecordingAuditLog

TOTAL = "upskill_auth_events_total"


def counting() -> tuple[CountingAuditLog, RecordingAuditLog, CollectorRegistry]:
    registry, inner = CollectorRegistry(), RecordingAuditLog()
    return CountingAuditLog(inner, auth_events_counter(registry)), inner, registry


def test_known_events_start_at_zero() -> None:
    _, _, registry = counting()

    assert {event: registry.get_sample_value(TOTAL, {"event": event}) for event in KNOWN_EVENTS} == dict.fromkeys(
        KNOWN_EVENTS, 0.0
    )


def test_events_are_counted_by_name_and_forwarded_unchanged() -> None:
    audit, inner, registry = counting()

    audit.record("login.failure", account="digest")
    audit.record("login.failure", account="digest")
    audit.record("login.lockout", until="later", lockouts=1)
    audit.record("login.success", user_id="u1", session_id="s1", client_id=None)

    assert registry.get_sample_value(TOTAL, {"event": "login.failure"}) == 2
    assert registry.get_sample_value(TOTAL, {"event": "login.lockout"}) == 1
    assert registry.get_sample_value(TOTAL, {"event": "login.success"}) == 1
    assert registry.get_sample_value(TOTAL, {"event": "refresh.reuse"}) == 0
    assert inner.events == [
        ("login.failure", {"account": "digest"}),
        ("login.failure", {"account": "digest"}),
        ("login.lockout", {"until": "later", "lockouts": 1}),
        ("login.success", {"user_id": "u1", "session_id": "s1", "client_id": None}),
    ]


def test_an_event_outside_the_known_ones_is_counted_too() -> None:
    audit, _, registry = counting()

    audit.record("session.something_new")

    assert registry.get_sample_value(TOTAL, {"event": "session.something_new"}) == 1
