"""Users, their sessions and refresh tokens, and the login lockout."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from uuid import UUID

from upskill.domain.entity import Entity
from upskill.domain.errors import FieldError
from upskill.domain.principal import Role
from upskill.domain.text import check_email


def normalise_email(email: str) -> str:
    """The form an email is stored and compared in: NFKC (so look-alike compatibility forms
    such as full-width letters fold to one spelling), trimmed, lower-cased."""
    return unicodedata.normalize("NFKC", email).strip().lower()


@dataclass(frozen=True, kw_only=True)
class User(Entity):
    """Someone who can log in. Email unique (stored normalised); the password only as a hash.
    `password_changed_at` (whole seconds) invalidates access tokens issued before it. A user
    provisioned by company sign-in has no password (nothing verifies against an empty hash)."""

    label: ClassVar[str] = "User"

    email: str
    role: Role = Role.EMPLOYEE
    employee_id: UUID | None = None
    is_active: bool = True
    password_hash: str = ""
    password_changed_at: datetime | None = None
    oidc_linked: bool = False
    """Whether an identity link (company sign-in) exists; set when the first link is made."""

    def auth_methods(self, today: object = None) -> list[str]:
        """How this user can sign in: `password` when a password is set (an SSO-only user has
        none), `oidc` when linked to the company's identity provider."""
        return [name for name, has in (("password", bool(self.password_hash)), ("oidc", self.oidc_linked)) if has]

    def check(self) -> list[FieldError]:
        problems = check_email("email", self.email)
        if not problems and self.email != normalise_email(self.email):
            problems.append(FieldError("email", "must be normalised (NFKC, trimmed, lower case)"))
        return problems


@dataclass(frozen=True, slots=True)
class AuthSession:
    """One login: lives until revoked, idle for too long, or past its absolute lifetime."""

    id: UUID
    user_id: UUID
    client_id: str | None
    created_at: datetime
    last_used_at: datetime
    idle_expires_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    user_agent: str | None = None
    auth_method: str = "password"
    """How the user signed in: `password` or `oidc` (company sign-in)."""

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.idle_expires_at and now < self.expires_at


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A refresh token as stored: its digest, never the token. Single use: `used_at` is set
    when it is exchanged for a new pair."""

    digest: str
    session_id: UUID
    issued_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefreshClaim:
    """A presented refresh token as stored, with what its exchange decides on: its session and
    that session's user (None when gone), read together."""

    token: RefreshToken
    session: AuthSession | None
    user: User | None


@dataclass(frozen=True, slots=True)
class Lockout:
    """The login-failure state of one account key (a normalised email, known or not)."""

    failures: int = 0
    locked_until: datetime | None = None
    lockouts: int = 0

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """After `threshold` consecutive failures an account key is locked for
    `base · 2^(earlier lockouts)`, at most `longest`; the failure count starts again."""

    threshold: int = 10
    base: timedelta = timedelta(minutes=1)
    longest: timedelta = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    idle: timedelta = timedelta(days=14)
    absolute: timedelta = timedelta(days=30)
    reuse_grace: timedelta = timedelta(seconds=10)
    """A refresh token presented again within this time after it was exchanged is refused
    without ending the session (a client that sent it twice at once); later reuse ends it."""
