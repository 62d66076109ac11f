"""The relay's metrics (Prometheus) and its warnings (the log): what `RelayObserver` reports."""

from __future__ import annotations

from collections.abc import Sequence

from loguru import logger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from upskill.domain.events import Event

LAG_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class RelayMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self._pending = Gauge("upskill_events_pending", "Events recorded, not yet published.", registry=registry)
        self._published = Counter(
            "upskill_events_published_total", "Events published to NATS and acknowledged.", registry=registry
        )
        self._lag = Histogram(
            "upskill_events_relay_lag_seconds",
            "From an event's commit to its acknowledgement by NATS.",
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self._up = Gauge(
            "upskill_events_relay_up", "1 when this process relays (leader, NATS reachable).", registry=registry
        )
        self._failing = False

    def published(self, events: Sequence[Event], lag_seconds: Sequence[float]) -> None:
        self._published.inc(len(events))
        for lag in lag_seconds:
            self._lag.observe(max(lag, 0.0))

    def pending(self, count: int) -> None:
        self._pending.set(count)
        if self._failing:
            logger.info("event relay publishing again")
            self._failing = False

    def up(self, up: bool) -> None:
        self._up.set(1 if up else 0)

    def failed(self, error: Exception) -> None:
        if not self._failing:  # once per outage, not once per retry
            logger.warning("event relay cannot publish ({}); retrying with backoff", type(error).__name__)
        self._failing = True
