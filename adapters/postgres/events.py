"""The EventLog port over PostgreSQL: the `events` table (see `event_tables`).

An appended event is staged in the unit of work and sent with the write of its record, in that
write's statement (a data-modifying WITH, `RECORDED`), or on its own before any other statement
or the commit: a change and its event commit or roll back together, and a write costs one round
trip, event included. The feed's position is `<txid>.<seq>`: rows are read in that order and only
those of transactions older than every transaction still running, so a reader never passes a
row that has yet to commit (gap-free polling; a long transaction holds the feed back while it
runs). History is per subject, newest first by `seq` (a write of a record succeeds only on the
version it read, so it was made after the previous write committed, and so was its event).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, cast
from uuid import UUID

from sqlalchemy import Text, bindparam, insert, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import DateTime

from adapters.postgres.errors import ConstraintCatalogue, translated
from adapters.postgres.event_tables import events
from adapters.postgres.executor import Connections, Executor
from upskill.domain.errors import InvalidQuery
from upskill.domain.events import Change, Event
from upskill.domain.ports import EventQuery
from upskill.domain.query import Page

_COLUMNS = (
    "id", "type", "subject", "time", "record_id", "record_version", "actor_user_id", "actor_employee_id",
    "request_id", "source", "data", "changes",
)  # fmt: skip
_JSON = frozenset({"data", "changes"})
EVENT_PREFIX = "ev_"
"""Parameters of an appended event are named apart from any table's columns, so that the event
can ride along with the write it records (`RECORDED`)."""


def _values() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in _COLUMNS:
        column = events.c[name]
        if name in _JSON:
            values[name] = sql_cast(bindparam(EVENT_PREFIX + name, type_=Text), JSONB)
        else:
            values[name] = bindparam(EVENT_PREFIX + name, type_=column.type)
    return values


_APPEND = insert(events).values(_values())
RECORDED = insert(events).values(_values()).cte("recorded")
"""The event's INSERT as a data-modifying WITH query: a repository's write carries the event
staged about its record (`PostgresUnitOfWork.carrying`), so the write and its event are one
statement, one round trip. PostgreSQL runs it whether or not the write changes a row; a write
that changes none raises (NotFound, StaleVersion), and a unit of work never commits after one."""
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


async def send(executor: Executor, staged: Sequence[Staged], constraints: ConstraintCatalogue) -> None:
    """INSERT the events of `staged`, in order."""
    with translated(constraints):
        await executor.execute(_APPEND, staged[0].params if len(staged) == 1 else [e.params for e in staged])


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


RECORD_ID = EVENT_PREFIX + "record_id"


def append_params(change: Change, source: str) -> dict[str, Any]:
    return {
        "ev_id": change.id,
        "ev_type": change.type,
        "ev_subject": change.subject,
        "ev_time": change.time,
        RECORD_ID: change.record_id,
        "ev_record_version": change.record_version,
        "ev_actor_user_id": change.actor_user_id,
        "ev_actor_employee_id": change.actor_employee_id,
        "ev_request_id": change.request_id,
        "ev_source": source,
        "ev_data": json.dumps(change.data, separators=(",", ":")),
        "ev_changes": json.dumps(change.changes, separators=(",", ":")),
    }


@dataclass(frozen=True, slots=True)
class Staged:
    """An appended event waiting to be sent: its parameters (`append_params`) and the names
    of the fields the change changed."""

    params: dict[str, Any]
    fields: frozenset[str]

    @property
    def record_id(self) -> UUID:
        return cast(UUID, self.params[RECORD_ID])


class Staging(Connections, Protocol):
    """The unit of work, where appended events wait for the write that carries them."""

    def stage(self, event: Staged) -> None: ...


class PostgresEventLog:
    def __init__(self, connections: Staging, source: str, constraints: ConstraintCatalogue | None = None) -> None:
        """Errors of its statements become core errors like a repository's (a lost connection
        while writing an event is `Unavailable`, a 503, never a 500). An appended event is
        staged in `connections` (the unit of work), to be sent with the next write of its
        record or before any other statement (see `PostgresUnitOfWork.carrying`)."""
        self._connections = connections
        self._source = source
        self._constraints = constraints or ConstraintCatalogue()
        self.appended = False
        """Events were added in this transaction (the unit of work announces them at commit)."""

    async def append(self, change: Change) -> None:
        self._connections.stage(Staged(append_params(change, self._source), frozenset(change.changes)))
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
