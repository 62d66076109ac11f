"""Idempotency keys (see `upskill.domain.idempotency`): one row per (user, key) until it expires."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Index, Integer, LargeBinary, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB

from adapters.postgres.table_base import metadata, one_of, timestamp
from upskill.domain.idempotency import KeyState

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("lease_until", timestamp(), nullable=False),
    Column("expires_at", timestamp(), nullable=False),
    Column("status", Integer, nullable=True),
    Column("headers", JSONB, nullable=True),
    Column("body", LargeBinary, nullable=True),
    CheckConstraint(one_of("state", KeyState), name="state"),
    Index(None, "expires_at"),
)
