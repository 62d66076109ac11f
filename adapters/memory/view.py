"""What the checks and queries of the memory adapter read: records as one transaction sees them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.resource import Resource


class View(Protocol):
    """Records as one transaction sees them (committed state overlaid with its own writes)."""

    @property
    def resources(self) -> Sequence[Resource[Any]]: ...

    def find(self, entity: type[Entity], id: UUID) -> Entity | None: ...

    def records(self, entity: type[Entity]) -> Iterable[Entity]: ...


def resource_of(view: View, entity: type[Entity]) -> Resource[Any]:
    """The declaration of `entity` among the view's resources; LookupError if none."""
    for resource in view.resources:
        if resource.entity is entity:
            return resource
    raise LookupError(f"{entity.__name__} is not a registered resource")
