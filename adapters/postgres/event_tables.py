"""The outbox table: one row per recorded change, written in the transaction of the change.

`seq` numbers rows in insertion order; `txid` is the writing transaction (`xid8`). The feed
reads in (txid, seq) order and only rows of transactions older than every transaction still
running (`pg_snapshot_xmin`), so a row that commits late is never placed before a position a
reader has already passed. `published_at` is set by the relay once NATS acknowledged the row.
The app announces new rows after their commit (`NOTIFY upskill_events`, `announce.py`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Column, Identity, Index, Integer, Table, Text, Uuid, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType

from adapters.postgres.table_base import metadata, timestamp

CHANNEL = "upskill_events"


class Xid8(UserDefinedType[Any]):
    """PostgreSQL's 64-bit transaction id."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "xid8"


ischema_names.setdefault("xid8", Xid8)  # so that reflection (alembic's comparison) knows the type

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("txid", Xid8(), nullable=False, server_default=text("pg_current_xact_id()")),
    Column("type", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("time", timestamp(), nullable=False),
    Column("record_id", Uuid, nullable=False),
    Column("record_version", Integer, nullable=False),
    Column("actor_user_id", Uuid, nullable=True),
    Column("actor_employee_id", Uuid, nullable=True),
    Column("request_id", Text, nullable=True),
    Column("source", Text, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("changes", JSONB, nullable=False),
    Column("published_at", timestamp(), nullable=True),
    Index(None, "subject", "seq"),
    Index(None, "txid", "seq"),
    Index("ix_events_unpublished", "seq", postgresql_where=text("published_at IS NULL")),
)
