"""An AuditLog that keeps what it is told, for tests to read."""

from __future__ import annotations


class RecordingAuditLog:
    """Every recorded event in order, as (event, fields)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, object]]] = []

    def record(self, event: str, **fields: object) -> None:
        self.events.append((event, dict(fields)))

    def names(self) -> list[str]:
        """The event names in order."""
        return [event for event, _ in self.events]

    def of(self, event: str) -> list[dict[str, object]]:
        """The fields of every `event`, in order."""
        return [fields for name, fields in self.events if name == event]
