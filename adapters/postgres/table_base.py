"""What every table model shares: one MetaData with its naming convention, the base model
and the column types the conventions of `tables` rely on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import Column, DateTime, Index, MetaData, Text, collate, func
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

CASE_FOLDING_COLLATION = "default"
"""The collation `lower()` and ILIKE fold case with: the database's own locale (Unicode-aware
on a UTF-8 locale), where the "C" of the sortable columns would fold ASCII only."""


def sortable_text() -> Text:
    return Text(collation="C")


def timestamp() -> DateTime:
    return DateTime(timezone=True)


def one_of(column: str, values: Iterable[str]) -> str:
    """The SQL of a check that `column` holds one of `values` (a StrEnum's, say; no quotes)."""
    quoted = ", ".join(f"'{value}'" for value in values)
    return f"{column} IN ({quoted})"


def case_insensitive_unique(name: str, column: Column[str]) -> Index:
    """A unique index on the case-folded column, named as the resource's `Unique.name`."""
    return Index(name, func.lower(collate(column, CASE_FOLDING_COLLATION)), unique=True)


class TableModel(SQLModel, registry=registry(metadata=metadata)):
    """Base of the table models: they share `metadata` and its naming convention."""

    id: UUID = Field(primary_key=True)
    version: int
    created_at: datetime = Field(sa_type=timestamp())
    updated_at: datetime = Field(sa_type=timestamp())
