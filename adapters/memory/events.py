"""The EventLog port in memory: the committed events in commit order, and one unit of work's
own, published with its other writes at commit (a companion of its staging) or dropped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from adapters.memory.repository import round_trip
from upskill.domain.entity import Entity
from upskill.domain.errors import InvalidQuery
from upskill.domain.events import Change, Event
from upskill.domain.ports import EventQuery
from upskill.domain.query import Page


@dataclass
class EventTable:
    """The committed events of a store: `rows[i]` is at position `i + 1`."""

    source: str
    rows: list[Change] = field(default_factory=list)
    published: set[UUID] = field(default_factory=set)
    """Ids of the events a relay marked published."""

    def event(self, index: int) -> Event:
        return Event(self.rows[index], self.source, str(index + 1))


def _position(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isascii() or not cursor.isdigit() or len(cursor) > 18:
        raise InvalidQuery("The cursor is malformed.", field="cursor")
    return int(cursor)


class MemoryEventLog:
    """Changes appended here are private to the unit of work until it commits."""

    def __init__(self, table: EventTable) -> None:
        self._table = table
        self._pending: list[Change] = []

    @property
    def dirty(self) -> bool:
        return bool(self._pending)

    async def append(self, change: Change) -> None:
        await round_trip()
        self._pending.append(change)

    async def history(self, subject: str, *, limit: int, cursor: str | None = None) -> Page[Event]:
        await round_trip()
        below = _position(cursor) or len(self._table.rows) + 1
        found: list[Event] = []
        for index in range(min(below - 1, len(self._table.rows)) - 1, -1, -1):
            if self._table.rows[index].subject == subject:
                found.append(self._table.event(index))
                if len(found) > limit:
                    break
        more = len(found) > limit
        items = found[:limit]
        return Page(items=items, next_cursor=items[-1].position if more else None)

    async def feed(self, query: EventQuery) -> Page[Event]:
        await round_trip()
        start = _position(query.after)
        items: list[Event] = []
        for index in range(start, len(self._table.rows)):
            change = self._table.rows[index]
            if query.types and change.type not in query.types:
                continue
            if query.subject is not None and change.subject != query.subject:
                continue
            items.append(self._table.event(index))
            if len(items) == query.limit:
                break
        return Page(items=items, next_cursor=items[-1].position if items else query.after)

    async def unpublished(self, limit: int) -> list[Event]:
        await round_trip()
        table = self._table
        found = (i for i, change in enumerate(table.rows) if change.id not in table.published)
        return [table.event(i) for _, i in zip(range(limit), found, strict=False)]

    async def mark_published(self, ids: Sequence[UUID], at: datetime) -> None:
        await round_trip()
        self._table.published.update(ids)  # memory has no transaction for it: at once

    async def count_unpublished(self) -> int:
        await round_trip()
        return len(self._table.rows) - len(self._table.published)

    # -- the staging companion -------------------------------------------------------------------

    def check(self) -> None:
        """Nothing can refuse an event."""

    def publish(self, writes: Mapping[type[Entity], Mapping[UUID, Entity | None]]) -> None:
        self._table.rows.extend(self._pending)
        self._pending.clear()

    def end(self) -> None:
        self._pending.clear()
