"""Authorization as a port: each resource has a policy that the generic service consults."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from upskill.domain.entity import Entity
from upskill.domain.principal import Principal
from upskill.domain.query import Filter

if TYPE_CHECKING:
    from upskill.domain.ports import UnitOfWork

E = TypeVar("E", bound=Entity)
E_contra = TypeVar("E_contra", bound=Entity, contravariant=True)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class Related:
    """Holds for a record whose reference `field` points at a `target` record matching every
    filter (e.g. an assessment whose employee is in department D)."""

    field: str
    target: type[Entity]
    filters: tuple[Filter, ...]


Condition = Filter | Related


@dataclass(frozen=True, slots=True)
class Scope:
    """The records a principal may read, as conditions the repository applies in its query
    (so lists are filtered in the database, never after fetching): every condition in
    `filters`, and — when `either` is given — every condition of at least one of its groups.
    `nothing` = no record."""

    filters: tuple[Condition, ...] = ()
    nothing: bool = False
    either: tuple[tuple[Condition, ...], ...] = ()


EVERYTHING = Scope()
NOTHING = Scope(nothing=True)


class Policy(Protocol[E_contra]):
    """Who may read and write one resource. Reads are a `Scope` the store applies (for lists
    and single records alike); writes are checked with the unit of work at hand, so a rule
    may look at related records (a manager's write to an assessment of their department)."""

    def read_scope(self, principal: Principal) -> Scope: ...

    async def authorize(
        self,
        uow: UnitOfWork,
        principal: Principal,
        action: Action,
        before: E_contra | None,
        after: E_contra | None,
    ) -> None:
        """Raises Forbidden (or InvariantViolation for a field the caller may not set)."""
        ...


class AllowAll(Generic[E]):
    """The policy of the system principal's world: everything is visible and allowed."""

    def read_scope(self, principal: Principal) -> Scope:
        return EVERYTHING

    async def authorize(
        self, uow: UnitOfWork, principal: Principal, action: Action, before: E | None, after: E | None
    ) -> None:
        return None
