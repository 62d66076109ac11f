"""The composition root: the one place that knows every adapter.

Read top to bottom: settings → clock and ids → storage (PostgreSQL or memory, by
`UPSKILL_STORAGE`) → a unit-of-work *factory* → the services. Tests override providers
(`container.settings.override(...)`, `container.unit_of_work.override(...)`).

Services receive a plain unit-of-work factory (the chosen adapter's bound method), resolved
once when the service is built: a request pays for no provider lookups, injection markers or
threadpool hops. The database engine is created lazily (no I/O at construction); its pool is
disposed by `shutdown()`, which the app's lifespan awaits.
"""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.memory import MemoryStore
from adapters.postgres.database import Database
from adapters.settings import Settings
from upskill.domain.ids import SystemClock, UUIDv7Factory
from upskill.domain.resources import COMPETENCIES, DEPARTMENTS, EMPLOYEES
from upskill.services.crud import CrudService


def open_database(settings: Settings) -> Database:
    """Engine and pool for the life of the app (connections are opened on first use)."""
    if settings.database_url is None:
        raise RuntimeError("UPSKILL_DATABASE_URL is not set (the CLI starts the embedded PostgreSQL)")
    return Database(
        settings.database_url.get_secret_value(),
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
        connect_timeout_s=settings.db_connect_timeout_s,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        cursor_secret=settings.cursor_secret.get_secret_value().encode(),
    )


def memory_store(settings: Settings) -> MemoryStore:
    return MemoryStore(cursor_secret=settings.cursor_secret.get_secret_value().encode())


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(UUIDv7Factory)

    # Storage: one of two adapter sets, chosen by settings.storage.
    database = providers.Resource(open_database, settings)
    memory = providers.Singleton(memory_store, settings)
    unit_of_work = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.unit_of_work,
        memory=memory.provided.unit_of_work,
    )
    ready = providers.Selector(
        settings.provided.storage,
        postgres=database.provided.ready,
        memory=memory.provided.ready,
    )

    # Services: the generic CRUD stack, one declaration per resource.
    departments = providers.Singleton(CrudService, DEPARTMENTS, unit_of_work, clock, ids)
    competencies = providers.Singleton(CrudService, COMPETENCIES, unit_of_work, clock, ids)
    employees = providers.Singleton(CrudService, EMPLOYEES, unit_of_work, clock, ids)

    crud_services = providers.List(departments, competencies, employees)


async def shutdown(container: Container) -> None:
    """Release what the container opened: the database pool, if one was made."""
    if container.database.initialized:
        await container.database().dispose()
