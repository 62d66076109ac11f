"""The one error hierarchy of the core.

Every failure a caller can act on is a `DomainError` subclass carrying structured fields
(entity, id, field, reason). Adapters translate their own failures into these once, at their
boundary; the HTTP adapter maps each class to one problem type. No HTTP words here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid input field: a dotted path and what is wrong with it."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    def __init__(
        self,
        reason: str,
        *,
        entity: str | None = None,
        id: object | None = None,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.entity = entity
        self.id = id
        self.field = field
        self.errors: tuple[FieldError, ...] = tuple(errors) or (
            (FieldError(field, reason),) if field is not None else ()
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(reason={self.reason!r}, entity={self.entity!r}, "
            f"id={self.id!r}, field={self.field!r})"
        )


class NotFound(DomainError):
    """No such record, or one the caller may not see."""


class Conflict(DomainError):
    """A unique value is taken, or a record is still referenced by others."""


class InvalidTransition(Conflict):
    """A record's state may not change from `current` to `requested` (e.g. an enrollment out of
    a final status, a review of an assessment that is no longer proposed). `current` is None
    for a record that does not exist yet."""

    def __init__(self, reason: str, *, current: str | None, requested: str | None, **kwargs: object) -> None:
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]
        self.current = current
        self.requested = requested


class InvalidReference(DomainError):
    """A field points at a record that does not exist."""


class InvariantViolation(DomainError):
    """Input breaks a business rule or a value constraint (`field` says which)."""


class InvalidQuery(DomainError):
    """A list query names an unknown filter, operator or sort key, or carries a bad cursor."""


class StaleVersion(DomainError):
    """The caller's expected version is not the stored one (optimistic concurrency)."""


class Forbidden(DomainError):
    """The caller may know the record exists but may not do this."""


class Unauthenticated(DomainError):
    """No valid credentials."""


class RateLimited(DomainError):
    """Too many attempts; try again after `retry_after` seconds."""

    def __init__(self, reason: str, *, retry_after: int, **kwargs: object) -> None:
        super().__init__(reason, **kwargs)  # type: ignore[arg-type]
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A dependency (the database) cannot be reached now; the request may be retried."""


class TransactionConflict(Conflict):
    """The store aborted the transaction because a concurrent one won (serialization failure,
    deadlock). Safe to retry the whole unit of work; a Conflict if retries run out."""


class InvalidGrant(Unauthenticated):
    """Credentials or a refresh token that do not grant tokens. Says nothing about why, so a
    caller cannot tell an unknown account from a wrong password."""


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used by the caller for a different request."""


class IdempotencyKeyInUse(Conflict):
    """The first request with this Idempotency-Key is still running (or its outcome was lost)."""
