"""Relay bench: writes as fast as a running app takes them, then how fast the relay publishes
them to NATS and the commit → acknowledgement lag (from the app's own histogram).

    python -m bench.relay --api http://127.0.0.1:8101 --email admin@example.com --password … \
        --writes 20000 --concurrency 32

Against an app started with UPSKILL_NATS_URL set (and nothing else writing). Each write carries
its own Idempotency-Key, so a request retried after a dropped connection writes once. Prints the write
rate, the publish rate (events published / time from the first write until nothing is pending)
and the lag p50/p99, interpolated in the histogram's buckets.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families


async def _metrics(client: httpx.AsyncClient) -> dict[str, object]:
    text = (await client.get("/metrics")).text
    found: dict[str, object] = {}
    buckets: list[tuple[float, float]] = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "upskill_events_relay_lag_seconds_bucket":
                buckets.append((float(sample.labels["le"]), sample.value))
            elif sample.name in ("upskill_events_pending", "upskill_events_published_total"):
                found[sample.name] = sample.value
    found["buckets"] = sorted(buckets)
    return found


def _quantile(buckets: list[tuple[float, float]], before: list[tuple[float, float]], q: float) -> float:
    counts = [(le, n - dict(before).get(le, 0.0)) for le, n in buckets]
    total = counts[-1][1]
    rank, low, below = q * total, 0.0, 0.0
    for le, n in counts:
        if n >= rank:
            if le == float("inf"):
                return low
            return low + (le - low) * ((rank - below) / (n - below) if n > below else 0.0)
        low, below = le, n
    return low


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", default="http://127.0.0.1:8101")
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--writes", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    limits = httpx.Limits(max_connections=args.concurrency)
    async with httpx.AsyncClient(base_url=args.api, limits=limits, timeout=30) as client:
        form = {"grant_type": "password", "username": args.email, "password": args.password}
        token = (await client.post("/api/v1/auth/token", data=form)).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        before = await _metrics(client)
        run = uuid.uuid4().hex[:8]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.writes):
            queue.put_nowait(n)
        failures = 0

        async def writer() -> None:
            nonlocal failures
            while not queue.empty():
                n = queue.get_nowait()
                body, key = {"name": f"bench {run} {n}"}, {"Idempotency-Key": f"bench-{run}-{n}"}
                for attempt in range(3):  # a dropped connection is retried: safe under the key
                    try:
                        response = await client.post("/api/v1/competencies", json=body, headers=key)
                        break
                    except httpx.TransportError:
                        if attempt == 2:
                            raise
                failures += response.status_code != 201

        started = time.monotonic()
        await asyncio.gather(*(writer() for _ in range(args.concurrency)))
        written = time.monotonic() - started
        while True:
            now = await _metrics(client)
            if now["upskill_events_pending"] == 0 and now["upskill_events_published_total"] >= (
                float(before["upskill_events_published_total"]) + args.writes  # type: ignore[arg-type]
            ):
                break
            await asyncio.sleep(0.1)
        drained = time.monotonic() - started
    total, start = now["upskill_events_published_total"], before["upskill_events_published_total"]
    assert isinstance(total, float)
    assert isinstance(start, float)
    published = total - start
    lag_now, lag_before = now["buckets"], before["buckets"]
    assert isinstance(lag_now, list)
    assert isinstance(lag_before, list)
    p50, p99 = _quantile(lag_now, lag_before, 0.5), _quantile(lag_now, lag_before, 0.99)
    print(f"writes: {args.writes} in {written:.1f} s = {args.writes / written:.0f}/s ({failures} failed)")
    print(f"published: {published:.0f} in {drained:.1f} s from the first write = {published / drained:.0f}/s")
    print(f"lag commit -> ack: p50 {p50:.3f} s, p99 {p99:.3f} s")


if __name__ == "__main__":
    asyncio.run(main())
