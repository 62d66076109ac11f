"""The EventPublisher port over NATS JetStream (nats-py).

Each event goes to subject = its type (`upskill.<entity>.<action>`) in structured mode: the body
is the CloudEvents JSON, `Content-Type: application/cloudevents+json`, and `Nats-Msg-Id` is the
event id, so JetStream drops a duplicate within its window (a batch published again after a
relay died before marking it). A batch is pipelined in waves (`waves`): within a wave every
publish is sent, then the acknowledgements are awaited together; a record appears at most once
per wave, so a failed event is never overtaken by a later one of its record. What counts is the
acknowledged prefix of the batch. The stream
(subjects `upskill.>`) is created when missing. The connection is made on first use and
reconnects by itself; while NATS is away, publishing raises Unavailable.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from upskill.domain.errors import Unavailable
from upskill.domain.events import TYPE_PREFIX, Event, cloud_event

CONTENT_TYPE = "application/cloudevents+json"
SUBJECTS = f"{TYPE_PREFIX}.>"


def message(event: Event) -> tuple[str, bytes, dict[str, str]]:
    """Subject, body and headers of an event."""
    body = json.dumps(cloud_event(event), separators=(",", ":")).encode()
    return event.change.type, body, {"Nats-Msg-Id": str(event.change.id), "Content-Type": CONTENT_TYPE}


async def _quiet(error: Exception) -> None:
    """NATS connection errors: the relay reports them (once per outage), not the client."""


def waves(events: Sequence[Event]) -> list[list[int]]:
    """The indexes of `events` in waves, each naming a record at most once (its next event), in
    order: the publishes of a wave are pipelined, waves go one after the other, so a record's
    events are stored in their order even when one of them fails and is sent again."""
    result: list[list[int]] = []
    depth: dict[str, int] = {}
    for index, event in enumerate(events):
        level = depth.get(event.change.subject, 0)
        depth[event.change.subject] = level + 1
        if level == len(result):
            result.append([])
        result[level].append(index)
    return result


class JetStreamPublisher:
    def __init__(self, url: str, stream: str, *, ack_timeout_s: float = 5.0, connect_timeout_s: int = 2) -> None:
        self._url, self._stream = url, stream
        self._ack_timeout_s, self._connect_timeout_s = ack_timeout_s, connect_timeout_s
        self._client: Client | None = None
        self._js: JetStreamContext | None = None

    async def _jetstream(self) -> JetStreamContext:
        if self._js is not None and self._client is not None and not self._client.is_closed:
            return self._js
        try:  # nats-py retries a first connection as a lost one: bound it
            client = await asyncio.wait_for(
                nats.connect(
                    self._url,
                    name="upskill-relay",
                    connect_timeout=self._connect_timeout_s,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=1,
                    error_cb=_quiet,
                ),
                self._connect_timeout_s * 2,
            )
        except Exception as error:
            raise Unavailable("NATS cannot be reached.") from error
        js = client.jetstream()
        try:
            try:
                await js.stream_info(self._stream)
            except NotFoundError:
                await js.add_stream(name=self._stream, subjects=[SUBJECTS])
        except Exception:
            await client.close()
            raise
        self._client, self._js = client, js
        return js

    async def publish(self, events: Sequence[Event]) -> int:
        js = await self._jetstream()
        acked: set[int] = set()
        sent = 0
        for wave in waves(events):
            sends = []
            for index in wave:
                subject, body, headers = message(events[index])
                publish = js.publish(subject, body, timeout=self._ack_timeout_s, stream=self._stream, headers=headers)
                sends.append(asyncio.ensure_future(publish))
            results = await asyncio.gather(*sends, return_exceptions=True)
            acked.update(i for i, result in zip(wave, results, strict=True) if not isinstance(result, BaseException))
            sent += len(wave)
            if len(acked) < sent:
                break  # a later event of a record whose event failed must not overtake it
        prefix = 0
        while prefix in acked:
            prefix += 1
        if prefix == 0 and events:
            raise Unavailable("NATS acknowledged none of the events.")
        return prefix

    async def ready(self) -> None:
        await self._jetstream()

    async def close(self) -> None:
        client, self._client, self._js = self._client, None, None
        if client is not None and not client.is_closed:
            await client.close()
