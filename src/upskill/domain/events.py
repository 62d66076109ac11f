"""Events: what changed, who changed it, in which request — recorded in the transaction of the
change itself (the outbox), read back as a record's history and as the CloudEvents feed.

A `Change` is what a service records; an `Event` is a stored change as the store gives it back
(with the `source` of the deployment that recorded it and its place in the feed). Values are
plain JSON (`to_json`): the record as the API shows it, never a hidden field.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.principal import Principal
from upskill.domain.resource import Resource

CREATED, UPDATED, DELETED = "created", "updated", "deleted"
TYPE_PREFIX = "upskill"
DEFAULT_SOURCE = "/upskill"
NO_REQUEST = "-"

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
"""The id of the request being served (set by the HTTP edge for the life of one request;
`NO_REQUEST` outside one). Events record it."""


def to_json(value: object) -> Any:
    """A value of an entity field as JSON: ids and days as text, enums by value, nested value
    objects as objects."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, Sequence | frozenset | set):
        return [to_json(v) for v in value]
    raise TypeError(f"cannot record a {type(value).__name__} in an event")


def shown(resource: Resource[Any], record: Entity) -> dict[str, Any]:
    """The record as the API shows it (hidden fields left out, computed flags as of its last
    change), as JSON."""
    body = {
        f.name: to_json(getattr(record, f.name))
        for f in dataclasses.fields(record)
        if f.init and f.name not in resource.hidden
    }
    for flag in resource.computed:
        body[flag.name] = flag.value(record, record.updated_at.date())
    return body


def changes(resource: Resource[Any], before: Entity | None, after: Entity | None) -> dict[str, Any]:
    """Field → `{"from": …, "to": …}` for every data field that differs (a create is from
    nothing, a delete to nothing: those sides are null). A hidden field never appears, except a
    redacted one (`Resource.redacted`), shown under its public name with no values."""
    record = after if after is not None else before
    assert record is not None
    found: dict[str, Any] = {}
    for name in record.data_fields():
        old = getattr(before, name) if before is not None else None
        new = getattr(after, name) if after is not None else None
        if old == new:
            continue
        if name in resource.redacted:
            found[resource.redacted[name]] = {}
        elif name not in resource.hidden:
            found[name] = {"from": to_json(old), "to": to_json(new)}
    return found


@dataclass(frozen=True, slots=True)
class Change:
    """One recorded change of one record."""

    id: UUID
    type: str
    """`upskill.<entity>.<action>`."""
    subject: str
    """`<collection>/<record id>`."""
    time: datetime
    record_id: UUID
    record_version: int
    actor_user_id: UUID | None
    actor_employee_id: UUID | None
    request_id: str | None
    data: Mapping[str, Any]
    """The record after the change as the API shows it; `{id, version}` for a delete."""
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Event:
    """A stored change: `source` is the deployment that recorded it, `position` its place in
    the feed (opaque to the core; the store compares them)."""

    change: Change
    source: str
    position: str


def event_type(resource: Resource[Any], action: str) -> str:
    return f"{TYPE_PREFIX}.{resource.label.lower().replace(' ', '_')}.{action}"


def change_of(
    resource: Resource[Any],
    principal: Principal,
    before: Entity | None,
    after: Entity | None,
    action: str,
    *,
    id: UUID,
    at: datetime,
) -> Change:
    """The change from `before` (None: created) to `after` (None: deleted), made by
    `principal` in the current request."""
    record = after if after is not None else before
    assert record is not None
    request_id = REQUEST_ID.get()
    version = after.version if after is not None else record.version
    data = shown(resource, after) if after is not None else {"id": str(record.id), "version": version}
    return Change(
        id=id,
        type=event_type(resource, action),
        subject=f"{resource.collection}/{record.id}",
        time=at,
        record_id=record.id,
        record_version=version,
        actor_user_id=principal.user_id,
        actor_employee_id=principal.employee_id,
        request_id=None if request_id == NO_REQUEST else request_id,
        data=data,
        changes=changes(resource, before, after),
    )


def cloud_event(event: Event) -> dict[str, Any]:
    """The event in the CloudEvents 1.0 JSON format, with the extensions `recordversion` and
    `actor` (the user id; absent for the service itself)."""
    change = event.change
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(change.id),
        "source": event.source,
        "type": change.type,
        "subject": change.subject,
        "time": to_json(change.time),
        "datacontenttype": "application/json",
        "recordversion": change.record_version,
    }
    if change.actor_user_id is not None:
        body["actor"] = str(change.actor_user_id)
    body["data"] = dict(change.data)
    return body
