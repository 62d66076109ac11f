"""`upskill` command line: serve the API, apply migrations, create an admin, seed demo data,
write the OpenAPI document.

Without `UPSKILL_DATABASE_URL` (and with the PostgreSQL storage), they start the embedded
PostgreSQL with its data under `UPSKILL_DATA_DIR` (`.data/`) and stop it on exit; `serve` then
seeds the demo organisation once (unless `UPSKILL_SEED_DEMO=false`).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from loguru import logger
from pydantic import ValidationError

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
        os.environ.setdefault("UPSKILL_SEED_DEMO", "true")  # a fresh embedded database gets the demo organisation
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
        if settings.env != "prod" and settings.jwt_keys is None and settings.jwt_key_file is None:
            from adapters.security.keys import SigningKeys

            SigningKeys.load_or_create(settings.data_dir / "keys")  # once, before the workers start
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
            timeout_graceful_shutdown=settings.shutdown_drain_s,
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
    admin = commands.add_parser(
        "create-admin", help="create an admin user (password from UPSKILL_ADMIN_PASSWORD, else read from stdin)"
    )
    admin.add_argument("--email", required=True)
    demo = commands.add_parser("seed", help="create the demo organisation and its three demo accounts (once)")
    demo.add_argument("--seed", type=int, default=None, help="random seed of the generated content (default 7)")
    document = commands.add_parser(
        "openapi", help="write the OpenAPI document the app serves (sorted keys, no storage or keys needed)"
    )
    document.add_argument("--output", "-o", default="-", help="file to write (default: standard output)")
    args = parser.parse_args(argv)

    if args.command == "openapi":
        return write_openapi(args.output)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors(include_url=False, include_input=False):
            name = "UPSKILL_" + "_".join(str(part) for part in problem["loc"]).upper()
            reason = str(problem.get("ctx", {}).get("error", "")) or problem["msg"]
            print(f"upskill: {name}: {reason}", file=sys.stderr)
        return 2
    from adapters.http.logging import configure_logging

    configure_logging(settings)
    if args.command == "serve":
        serve(settings, args)
    elif args.command == "migrate":
        with database_url(settings) as url:
            migrate(url, args.revision)
    elif args.command == "create-admin":
        return create_admin(settings, args.email)
    elif args.command == "seed":
        return seed(settings, args.seed)
    return 0


def write_openapi(output: str) -> int:
    """Write `/openapi.json` as the app serves it, built on the memory storage with a throwaway
    signing key (the document depends on neither), keys sorted, two-space indent, final newline:
    the same bytes on every run, so a committed copy can be compared with a plain diff."""
    from adapters.openapi import openapi_text

    text = openapi_text()
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    return 0


def create_admin(settings: Settings, email: str) -> int:
    """Create an admin whatever admins exist already. Exit 1 with the reason if refused."""
    import asyncio
    import getpass

    from adapters.container import Container, shutdown
    from upskill.domain.errors import DomainError
    from upskill.domain.principal import SYSTEM, Role

    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    elif sys.stdin.isatty():
        password = getpass.getpass("Password for the new admin: ")
    else:
        password = sys.stdin.readline().rstrip("\n")

    async def run() -> None:
        container = Container()
        try:
            user = await container.users().create(SYSTEM, {"email": email, "password": password, "role": Role.ADMIN})
            logger.info("admin {} created ({})", user.email, user.id)
        finally:
            await shutdown(container)

    with database_url(settings) as url:
        if url is not None:
            migrate(url)
        try:
            asyncio.run(run())
        except DomainError as error:
            details = "; ".join(f"{e.field}: {e.message}" for e in error.errors) or error.reason
            logger.error("admin not created: {}", details)
            return 1
    return 0


def seed(settings: Settings, seed: int | None) -> int:
    """Create the demo organisation unless its admin account exists (then say so: exit 0), and
    print the demo accounts. Refused in production, and with the memory storage, where nothing
    outlives the command (set UPSKILL_SEED_DEMO=true for `serve` instead)."""
    import asyncio

    from adapters.container import Container, shutdown
    from adapters.demo import DEFAULT_SEED, DEMO_ACCOUNTS, DEMO_ADMIN, DemoSummary, seed_demo
    from upskill.domain.errors import DomainError

    if settings.env == "prod":
        logger.error("demo data is not seeded when UPSKILL_ENV=prod")
        return 1
    if settings.storage == "memory":
        logger.error("the memory storage lives in the server: run `upskill serve` with UPSKILL_SEED_DEMO=true")
        return 1

    async def run() -> DemoSummary:
        container = Container()
        try:
            today = container.clock().now().date()
            return await seed_demo(container.demo(), today=today, seed=DEFAULT_SEED if seed is None else seed)
        finally:
            await shutdown(container)

    with database_url(settings) as url:
        migrate(url)
        try:
            summary = asyncio.run(run())
        except DomainError as error:
            details = "; ".join(f"{e.field}: {e.message}" for e in error.errors) or error.reason
            logger.error("demo data not seeded: {}", details)
            return 1
    if summary.seeded:
        logger.info("demo data seeded: {}", ", ".join(f"{n} {name}" for name, n in summary.counts().items()))
    else:
        logger.info("demo data already present ({} exists): nothing written", DEMO_ADMIN.email)
    for account in DEMO_ACCOUNTS:
        logger.info("demo account {:<26} password {:<20} role {}", account.email, account.password, account.role)
    return 0


if __name__ == "__main__":
    sys.exit(main())
