"""`upskill` command line: serve the API, apply migrations.

Without `UPSKILL_DATABASE_URL` (and with the PostgreSQL storage), both start the embedded
PostgreSQL with its data under `UPSKILL_DATA_DIR` (`.data/`) and stop it on exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from loguru import logger

from adapters.settings import Settings

EMBEDDED_DATABASE = "upskill"


@contextmanager
def database_url(settings: Settings) -> Iterator[str | None]:
    """The configured database URL, or the embedded server's (started here, stopped on exit).
    Sets `UPSKILL_DATABASE_URL` for the app (and its worker processes) to read."""
    if settings.storage != "postgres":
        yield None
        return
    if settings.database_url is not None:
        yield settings.database_url.get_secret_value()
        return
    from adapters.postgres.embedded import EmbeddedPostgres

    server = EmbeddedPostgres(settings.data_dir / "postgres")
    server.start()
    try:
        url = server.ensure_database(EMBEDDED_DATABASE)
        os.environ["UPSKILL_DATABASE_URL"] = url
        yield url
    finally:
        server.stop()


def migrate(url: str | None, revision: str = "head") -> None:
    if url is None:
        logger.info("storage is not PostgreSQL: nothing to migrate")
        return
    from adapters.postgres.migrate import upgrade

    upgrade(url, revision)
    logger.info("database migrated to {}", revision)


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    with database_url(settings) as url:
        if settings.migrate_on_start:
            migrate(url)
        uvicorn.run(
            "adapters.main:build_app",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers or settings.workers,
            reload=args.reload,
            access_log=False,
            log_config=None,
            proxy_headers=True,
            server_header=False,
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="upskill", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("serve", help="serve the API (migrating first unless UPSKILL_MIGRATE_ON_START=false)")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument("--workers", type=int)
    run.add_argument("--reload", action="store_true", help="restart on code changes (development)")
    up = commands.add_parser("migrate", help="apply database migrations")
    up.add_argument("--revision", default="head")
    args = parser.parse_args(argv)

    settings = Settings()
    from adapters.http.logging import configure_logging

    configure_logging(settings)
    if args.command == "serve":
        serve(settings, args)
    elif args.command == "migrate":
        with database_url(settings) as url:
            migrate(url, args.revision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
