"""The EventLog port over PostgreSQL: the `events` table (see `event_tables`).

Appending is one INSERT in the unit of work's transaction, so a change and its event commit or
roll back together. The feed's position is `<txid>.<seq>`: rows are read in that order and only
those of transactions older than every transaction still running, so a reader never passes a
row that has yet to commit (gap-free polling; a long transaction holds the feed back while it
runs). History is per subject, newest first by `seq` (writes to one record are serialised by
its row lock, so their `seq` follow their order).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Integer, Text, Uuid, bindparam, text
from sqlalchemy.types import DateTime

from adapters.postgres.errors import ConstraintCatalogue, translated
from adapters.postgres.executor import Connections
from upskill.domain.errors import InvalidQuery
from upskill.domain.events import Change, Event
from upskill.domain.ports import EventQuery
from upskill.domain.query import Page

_APPEND = text(
    "INSERT INTO events (id, type, subject, time, record_id, record_version, actor_user_id, actor_employee_id, "
    "request_id, source, data, changes) VALUES (:id, :type, :subject, :time, :record_id, :record_version, "
    ":actor_user_id, :actor_employee_id, :request_id, :source, CAST(:data AS jsonb), CAST(:changes AS jsonb))"
).bindparams(
    bindparam("id", type_=Uuid),
    bindparam("time", type_=DateTime(timezone=True)),
    bindparam("record_id", type_=Uuid),
    bindparam("record_version", type_=Integer),
    bindparam("actor_user_id", type_=Uuid),
    bindparam("actor_employee_id", type_=Uuid),
    bindparam("data", type_=Text),
    bindparam("changes", type_=Text),
)
_HISTORY = text(
    "SELECT seq, txid::text AS tx, id, type, subject, time, record_id, record_version, actor_user_id, "
    "actor_employee_id, request_id, source, data::text AS data, changes::text AS changes FROM events "
    "WHERE subject = :subject AND seq < :before ORDER BY seq DESC LIMIT :limit"
)
_FEED = text(
    "SELECT seq, txid::text AS tx, id, type, subject, time, record_id, record_version, actor_user_id, "
    "actor_employee_id, request_id, source, data::text AS data, changes::text AS changes FROM events "
    "WHERE txid < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (txid, seq) > (CAST(CAST(:tx AS text) AS xid8), :seq) "
    "AND (CAST(:types AS text[]) IS NULL OR type = ANY(CAST(:types AS text[]))) "
    "AND (CAST(:subject AS text) IS NULL OR subject = CAST(:subject AS text)) "
    "ORDER BY txid, seq LIMIT :limit"
)
_UNPUBLISHED = text(
    "SELECT seq, txid::text AS tx, id, type, subject, time, record_id, record_version, actor_user_id, "
    "actor_employee_id, request_id, source, data::text AS data, changes::text AS changes FROM events "
    "WHERE published_at IS NULL ORDER BY seq LIMIT :limit"
)
_MARK_PUBLISHED = text("UPDATE events SET published_at = :at WHERE id = ANY(CAST(:ids AS uuid[]))").bindparams(
    bindparam("at", type_=DateTime(timezone=True))
)
_COUNT_UNPUBLISHED = text("SELECT count(*) FROM events WHERE published_at IS NULL")
_FEED_POSITION = re.compile(r"(\d{1,20})\.(\d{1,19})")
_SEQ = re.compile(r"\d{1,19}")
BIGGEST = 2**63 - 1


def _malformed() -> InvalidQuery:
    return InvalidQuery("The cursor is malformed.", field="cursor")


def change_of_row(row: Any) -> Change:
    return Change(
        id=UUID(str(row.id)),
        type=row.type,
        subject=row.subject,
        time=row.time,
        record_id=UUID(str(row.record_id)),
        record_version=row.record_version,
        actor_user_id=None if row.actor_user_id is None else UUID(str(row.actor_user_id)),
        actor_employee_id=None if row.actor_employee_id is None else UUID(str(row.actor_employee_id)),
        request_id=row.request_id,
        data=json.loads(row.data),
        changes=json.loads(row.changes),
    )


def append_params(change: Change, source: str) -> dict[str, Any]:
    return {
        "id": change.id,
        "type": change.type,
        "subject": change.subject,
        "time": change.time,
        "record_id": change.record_id,
        "record_version": change.record_version,
        "actor_user_id": change.actor_user_id,
        "actor_employee_id": change.actor_employee_id,
        "request_id": change.request_id,
        "source": source,
        "data": json.dumps(change.data, separators=(",", ":")),
        "changes": json.dumps(change.changes, separators=(",", ":")),
    }


class PostgresEventLog:
    def __init__(self, connections: Connections, source: str, constraints: ConstraintCatalogue | None = None) -> None:
        """Errors of its statements become core errors like a repository's (a lost connection
        while writing an event is `Unavailable`, a 503, never a 500)."""
        self._connections = connections
        self._source = source
        self._constraints = constraints or ConstraintCatalogue()
        self.appended = False
        """Events were added in this transaction (the unit of work announces them at commit)."""

    async def append(self, change: Change) -> None:
        executor = await self._connections.connection(write=True)
        with translated(self._constraints):
            await executor.execute(_APPEND, append_params(change, self._source))
        self.appended = True

    async def history(self, subject: str, *, limit: int, cursor: str | None = None) -> Page[Event]:
        before = BIGGEST
        if cursor is not None:
            if not _SEQ.fullmatch(cursor):
                raise _malformed()
            before = int(cursor)
        executor = await self._connections.connection()
        with translated(self._constraints):
            rows = (await executor.execute(_HISTORY, {"subject": subject, "before": before, "limit": limit + 1})).all()
        items = [Event(change_of_row(r), r.source, str(r.seq)) for r in rows[:limit]]
        return Page(items=items, next_cursor=items[-1].position if len(rows) > limit else None)

    async def feed(self, query: EventQuery) -> Page[Event]:
        tx, seq = "0", 0
        if query.after is not None:
            match = _FEED_POSITION.fullmatch(query.after)
            if match is None or int(match[1]) >= 2**64 or int(match[2]) > BIGGEST:
                raise _malformed()
            tx, seq = match[1], int(match[2])
        params = {
            "tx": tx,
            "seq": seq,
            "types": list(query.types) or None,
            "subject": query.subject,
            "limit": query.limit,
        }
        executor = await self._connections.connection()
        with translated(self._constraints):
            rows = (await executor.execute(_FEED, params)).all()
        items = [Event(change_of_row(r), r.source, f"{r.tx}.{r.seq}") for r in rows]
        return Page(items=items, next_cursor=items[-1].position if items else query.after)

    async def unpublished(self, limit: int) -> list[Event]:
        executor = await self._connections.connection()
        with translated(self._constraints):
            rows = (await executor.execute(_UNPUBLISHED, {"limit": limit})).all()
        return [Event(change_of_row(r), r.source, f"{r.tx}.{r.seq}") for r in rows]

    async def mark_published(self, ids: Sequence[UUID], at: datetime) -> None:
        executor = await self._connections.connection(write=True)
        with translated(self._constraints):
            await executor.execute(_MARK_PUBLISHED, {"ids": list(ids), "at": at})

    async def count_unpublished(self) -> int:
        executor = await self._connections.connection()
        with translated(self._constraints):
            return int((await executor.execute(_COUNT_UNPUBLISHED)).scalar_one())
