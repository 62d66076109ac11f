"""The PostgreSQL server of a bench run: `UPSKILL_DATABASE_URL`'s when set (only its server is
used: the bench makes a database of its own there), else the embedded one with its data under
`.data/bench/postgres`, started here and stopped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from adapters.postgres.embedded import EmbeddedPostgres

EMBEDDED_DIR = Path(".data/bench/postgres")


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    """SQLAlchemy URL of a database on the server the bench may connect to (not written)."""
    pid: int | None
    """The embedded postmaster's pid (for pinning); None for an external server."""
    embedded: bool


@contextmanager
def bench_server() -> Iterator[Server]:
    given = os.environ.get("UPSKILL_DATABASE_URL")
    if given:
        yield Server(given, None, embedded=False)
        return
    embedded = EmbeddedPostgres(EMBEDDED_DIR)
    embedded.start()
    try:
        yield Server(embedded.url(), _postmaster_pid(embedded.data_dir), embedded=True)
    finally:
        embedded.stop()


def _postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
