"""Prometheus metrics of the HTTP adapter and the public `GET /metrics` that exposes them.

Request metrics are recorded by the request-context middleware (pure ASGI) through
`RequestMetrics`: a count by method, route template and status, a latency histogram by method
and route template, and the requests in flight. Routes are templates (`/api/v1/employees/{id}`)
and unknown methods are `OTHER`, so label cardinality is bounded by the API, not by callers.

Pool gauges are read at scrape time from a `PoolStats` callable the composition root passes
in (this adapter never sees the database). Each key `k` of its mapping becomes the gauge
`upskill_k`.

Processes: by default every process exposes its own registry (one uvicorn worker per pod, each
pod scraped). When `PROMETHEUS_MULTIPROC_DIR` is set (several workers in one process group),
prometheus-client keeps the values in files in that directory and a scrape aggregates every
worker's counters and histograms (and sums in-flight over live workers); the pool gauges are
then those of the worker that answers the scrape.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping

from fastapi import APIRouter
from loguru import logger
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.responses import Response

from adapters.http.problems import problem_responses

PoolStats = Callable[[], Mapping[str, float]]
"""Current connection-pool figures by gauge name (without the `upskill_` prefix); no I/O."""

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text exposition format, version 0.0.4."""
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Request duration buckets in seconds, 5 ms to 10 s (+Inf is added by the client)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"
MAX_CHILDREN = 4096
"""Labelled children remembered by `RequestMetrics` (past this they are looked up each time)."""
POOL_HELP = {
    "db_pool_size": "Most connections the database pool may open (pool size + overflow).",
    "db_pool_open": "Connections the database pool has open now.",
    "db_pool_checked_out": "Database connections in use now (open and not idle).",
}


class RequestMetrics:
    """The request metrics, registered in `registry` (each app has its own registry, so that
    several apps in one process do not collide)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "upskill_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            "upskill_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            buckets=BUCKETS,
            registry=registry,
        )
        self.in_flight = Gauge(
            "upskill_http_requests_in_flight",
            "HTTP requests being served now (a scrape counts itself).",
            registry=registry,
            multiprocess_mode="livesum",
        )

        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        """The labelled children by (method, route, status), as `labels` returns them, found
        once (label cardinality is the API's: bounded)."""

    def started(self) -> None:
        self.in_flight.inc()

    def finished(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered (or abandoned) request; pairs with one `started()`."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            method = method if method in METHODS else OTHER_METHOD
            children = (self.requests.labels(method, route, str(status)), self.duration.labels(method, route))
            if len(self._children) < MAX_CHILDREN:
                self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        self.in_flight.dec()


class PoolCollector(Collector):
    """Gauges computed when scraped from `stats`. A failing `stats` is logged and yields no
    gauges, so a scrape never fails because of it."""

    def __init__(self, stats: PoolStats) -> None:
        self._stats = stats

    def collect(self) -> Iterator[Metric]:
        try:
            values = dict(self._stats())
        except Exception as exc:
            logger.opt(exception=exc).warning("pool statistics unavailable for /metrics")
            return
        for name, value in values.items():
            yield GaugeMetricFamily(f"upskill_{name}", POOL_HELP.get(name, "Connection pool figure."), value=value)

    def describe(self) -> Iterable[Metric]:
        return ()  # registering must not call `stats` (nor reserve names)


def metrics_router(registry: CollectorRegistry, pool_stats: PoolStats | None = None) -> APIRouter:
    """`GET /metrics`, public: `registry` and the pool gauges in the text format — or, when
    `PROMETHEUS_MULTIPROC_DIR` is set, every worker's values from that directory."""
    pool = PoolCollector(pool_stats) if pool_stats is not None else None
    multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))
    if pool is not None and not multiprocess:
        registry.register(pool)
    router = APIRouter(tags=["operations"])

    @router.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text format"},
            **problem_responses(500),
        },
    )
    async def metrics() -> Response:
        """Request counts and latency by route template and status, requests in flight, DB pool
        usage and audit event counts, in the Prometheus text format (0.0.4)."""
        exposed = _multiprocess_registry(pool) if multiprocess else registry
        return Response(generate_latest(exposed), media_type=CONTENT_TYPE)

    return router


def _multiprocess_registry(pool: PoolCollector | None) -> CollectorRegistry:
    """A registry for one scrape, aggregating the files of every worker (prometheus-client's
    documented pattern), plus this worker's pool gauges."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    if pool is not None:
        registry.register(pool)
    return registry
