"""The audit log as structured loguru lines: `audit=true` and `event` on every line, so a log
pipeline can route them apart. Callers pass ids and counts, never passwords or tokens.

`CountingAuditLog` also counts the events by name for `/metrics` (`upskill_auth_events_total`)."""

from __future__ import annotations

from loguru import logger
from prometheus_client import CollectorRegistry, Counter

from upskill.domain.ports import AuditLog

KNOWN_EVENTS = (
    "login.success",
    "login.failure",
    "login.lockout",
    "login.refused_locked",
    "refresh.reuse",
    "session.revoked",
    "user.password_changed",
    "user.password_set",
    "user.role_set",
    "user.deactivated",
    "user.admin_created",
    "sso.login",
    "sso.failure",
    "sso.linked",
    "sso.provisioned",
    "authorization_code.reuse",
)
"""Events whose series exist from the start at 0 (so that `increase()` sees their first
occurrence); any other event is counted too, from its first occurrence."""


class LoguruAuditLog:
    def record(self, event: str, **fields: object) -> None:
        logger.bind(audit=True, event=event, **fields).info("audit {}", event)


def auth_events_counter(registry: CollectorRegistry) -> Counter:
    """`upskill_auth_events_total{event}` in `registry`, with the KNOWN_EVENTS at 0."""
    counter = Counter(
        "upskill_auth_events", "Security events recorded in the audit log, by event.", ("event",), registry=registry
    )
    for event in KNOWN_EVENTS:
        counter.labels(event)
    return counter


class CountingAuditLog:
    """An AuditLog that counts each event by name in `counter` (one `event` label), then
    records it in `inner`. Event names are fixed strings of the core, so the labels are few."""

    def __init__(self, inner: AuditLog, counter: Counter) -> None:
        self._inner = inner
        self._counter = counter

    def record(self, event: str, **fields: object) -> None:
        self._counter.labels(event).inc()
        self._inner.record(event, **fields)
