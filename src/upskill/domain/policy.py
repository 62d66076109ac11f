"""Authorization as a port: each resource has a policy that the generic service consults."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

from upskill.domain.entity import Entity
from upskill.domain.principal import Principal
from upskill.domain.query import Filter

E = TypeVar("E", bound=Entity)
E_contra = TypeVar("E_contra", bound=Entity, contravariant=True)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Scope:
    """The records a principal may read, as filters the repository applies in its query
    (so lists are filtered in the database, never after fetching). `nothing` = no record."""

    filters: tuple[Filter, ...] = ()
    nothing: bool = False


EVERYTHING = Scope()
NOTHING = Scope(nothing=True)


class Policy(Protocol[E_contra]):
    def read_scope(self, principal: Principal) -> Scope: ...

    def can_read(self, principal: Principal, entity: E_contra) -> bool:
        """Whether one fetched record is inside the principal's read scope."""
        ...

    def authorize(self, principal: Principal, action: Action, before: E_contra | None, after: E_contra | None) -> None:
        """Raises Forbidden (or InvariantViolation for a field the caller may not set)."""
        ...


class AllowAll(Generic[E]):
    """The policy of the system principal's world: everything is visible and allowed."""

    def read_scope(self, principal: Principal) -> Scope:
        return EVERYTHING

    def can_read(self, principal: Principal, entity: E) -> bool:
        return True

    def authorize(self, principal: Principal, action: Action, before: E | None, after: E | None) -> None:
        return None
