"""The service as `adapters/container.py` wires it, for tests: the container with the providers a
test replaces overridden, everything else (services, policies, the learning loop, hashing,
token signing) the container's own — so a wiring mistake there fails the tests that use it."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.container import Container
from adapters.memory import MemoryStore
from adapters.postgres.database import Database
from adapters.security.keys import SigningKeys
from adapters.settings import Settings
from upskill.domain.ids import Clock
from upskill.domain.ports import AuditLog, UnitOfWorkFactory

CHEAP_ARGON2: dict[str, Any] = {"argon2_memory_kib": 1024, "argon2_time_cost": 1}
"""Cheap argon2id: the tests exercise the flows, not the cost."""


def settings_for_tests(**values: Any) -> Settings:
    """Settings from these values and the defaults only (no environment, no `.env`)."""
    return Settings(_env_file=None, **({"env": "test"} | CHEAP_ARGON2 | values))


def wired(
    storage: MemoryStore | Database | UnitOfWorkFactory,
    *,
    settings: Settings | None = None,
    clock: Clock | None = None,
    audit: AuditLog | None = None,
    keys: SigningKeys | None = None,
) -> Container:
    """The container on `storage` — a memory store, a PostgreSQL `Database` (whose pool the
    test owns: the container never disposes an overriding one) or any unit-of-work factory (the
    units of work only) — with `settings` (their `storage` set to match), and the clock, the
    audit log and the token signing keys (default: a fresh key kept nowhere) when given."""
    kind = "postgres" if isinstance(storage, Database) else "memory"
    settings = (settings or settings_for_tests()).model_copy(update={"storage": kind})
    container = Container()
    container.settings.override(providers.Object(settings))
    container.signing_keys.override(providers.Object(keys or SigningKeys.generate()))
    if clock is not None:
        container.clock.override(providers.Object(clock))
    if audit is not None:
        container.audit.override(providers.Object(audit))
    if isinstance(storage, MemoryStore):
        container.memory.override(providers.Object(storage))
    elif isinstance(storage, Database):
        container.database.override(providers.Object(storage))
    else:
        container.unit_of_work.override(providers.Object(storage))
    return container
