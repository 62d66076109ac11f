"""How events look over HTTP: a record's history entries and the CloudEvents 1.0 feed
(API.md, "History and events"). The models document the responses; bodies are built by
`history_entry` and `upskill.domain.events.cloud_event`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field
from starlette.datastructures import QueryParams

from upskill.domain.errors import InvalidQuery
from upskill.domain.events import Event
from upskill.domain.query import DEFAULT_LIMIT


class Actor(BaseModel):
    user_id: UUID | None
    employee_id: UUID | None


class FieldChange(BaseModel):
    from_: Any = Field(default=None, alias="from")
    to: Any = None


class HistoryEntry(BaseModel):
    event_id: UUID
    type: str = Field(examples=["upskill.employee.updated"])
    version: int = Field(description="The record's version after the change (its last one for a delete).")
    at: datetime
    actor: Actor
    request_id: str | None
    changes: dict[str, FieldChange] = Field(
        description="Field → from/to; a secret field (password) appears with no values."
    )


class HistoryPage(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in the JSON format, with the extensions `recordversion` and `actor`."""

    specversion: str = "1.0"
    id: UUID
    source: str
    type: str
    subject: str = Field(examples=["employees/0190…"])
    time: datetime
    datacontenttype: str = "application/json"
    recordversion: int
    actor: UUID | None = None
    data: dict[str, Any] = Field(description="The record after the change; `{id, version}` for a delete.")


class EventPage(BaseModel):
    items: list[CloudEvent]
    next_cursor: str | None = Field(description="Where to poll from next (the given `after` when nothing is new).")


def history_entry(event: Event) -> dict[str, Any]:
    change = event.change
    return {
        "event_id": change.id,
        "type": change.type,
        "version": change.record_version,
        "at": change.time,
        "actor": {"user_id": change.actor_user_id, "employee_id": change.actor_employee_id},
        "request_id": change.request_id,
        "changes": change.changes,
    }


def limit_of(query: QueryParams) -> int:
    """The `limit` parameter (default DEFAULT_LIMIT); InvalidQuery unless a whole number."""
    given = query.get("limit")
    if given is None:
        return DEFAULT_LIMIT
    if not given.isascii() or not given.isdigit() or len(given) > 6:
        raise InvalidQuery("limit must be a whole number.", field="limit")
    return int(given)
