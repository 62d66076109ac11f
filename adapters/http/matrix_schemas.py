"""The skills matrix as JSON and as CSV: pydantic models that document the JSON body, the body
itself (plain dicts serialised by orjson), and the CSV rows, written a chunk at a time.

CSV (RFC 4180): CRLF line ends, fields quoted when they hold a comma, a quote or a line break;
UTF-8 without a byte-order mark. A text field a spreadsheet would read as a formula (starting
with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'` (OWASP's advice on CSV
injection), in the header too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from upskill.domain.competency import Level
from upskill.domain.matrix import Matrix

CHUNK_ROWS = 500
"""Rows written to the network at a time."""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TIMES = "\u00d7"
"""The multiplication sign of the header's `(level <sign>headcount)` (API.md)."""


class MatrixColumn(BaseModel):
    """A competency an applicable requirement names. Its `level` and `headcount` are those of
    the most demanding such requirement (highest level; the department's own before a
    company-wide one), and `covered`, `gap` that requirement's coverage."""

    competency_id: UUID
    name: str
    level: Level
    headcount: int
    covered: int = Field(description="Current employees at the level or above.")
    gap: int = Field(description="max(0, headcount - covered).")
    single_point_of_failure: bool = Field(description="Exactly one person covers it.")
    at_risk: bool = Field(
        description="Covered now (gap 0), but not once the covering levels expiring within the window lapse."
    )


class MatrixCell(BaseModel):
    level: Level | None = Field(description="The current (validated) level; null: none.")
    claimed_level: Level | None = Field(description="A newer proposed level waiting for review; null: none.")
    expires_on: date | None = Field(description="When the current level's assessment expires; null: never.")
    expiring: bool = Field(description="`expires_on` falls within the look-ahead window.")


class MatrixRow(BaseModel):
    employee_id: UUID
    full_name: str
    email: str
    cells: dict[UUID, MatrixCell] = Field(
        description="By competency id, for the columns the employee holds or claims a level in; absent: not assessed."
    )
    sole_cover_of: list[UUID] = Field(description="The competencies this person alone covers, in column order.")


class SkillsMatrix(BaseModel):
    """Columns by competency name, then id; one row per employee employed on the day, by full
    name, then id."""

    department_id: UUID
    on: date
    expiring_within_days: int
    competencies: list[MatrixColumn]
    employees: list[MatrixRow]


def matrix_body(matrix: Matrix) -> dict[str, Any]:
    return {
        "department_id": matrix.department.id,
        "on": matrix.on,
        "expiring_within_days": matrix.expiring_within_days,
        "competencies": [
            {
                "competency_id": c.competency_id,
                "name": c.name,
                "level": c.level,
                "headcount": c.headcount,
                "covered": c.covered,
                "gap": c.gap,
                "single_point_of_failure": c.single_point_of_failure,
                "at_risk": c.at_risk,
            }
            for c in matrix.columns
        ],
        "employees": [
            {
                "employee_id": row.employee.id,
                "full_name": row.employee.full_name,
                "email": row.employee.email,
                "cells": {
                    str(competency_id): {
                        "level": cell.level,
                        "claimed_level": cell.claimed_level,
                        "expires_on": cell.expires_on,
                        "expiring": cell.expiring,
                    }
                    for competency_id, cell in row.cells.items()
                },
                "sole_cover_of": list(row.sole_cover_of),
            }
            for row in matrix.rows
        ],
    }


def safe_text(text: str) -> str:
    """`text` as a spreadsheet shows it, never runs it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(matrix: Matrix) -> Iterator[bytes]:
    """The header row, then one row per employee (their current level per column, empty for
    none), CHUNK_ROWS at a time, UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = matrix.columns
    writer.writerow(["employee", "email", *(safe_text(f"{c.name} ({c.level} {TIMES}{c.headcount})") for c in columns)])
    ids = [c.competency_id for c in columns]
    for index, row in enumerate(matrix.rows, start=1):
        cells = row.cells
        levels = [(cell.level or "") if (cell := cells.get(i)) is not None else "" for i in ids]
        writer.writerow([safe_text(row.employee.full_name), safe_text(row.employee.email), *levels])
        if index % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def csv_stream(matrix: Matrix) -> AsyncIterator[bytes]:
    """`csv_chunks` on the event loop: a sync iterator would be walked in the thread pool, one
    thread hop per chunk (10,000 rows: ~40 ms of hops for ~25 ms of work)."""
    for chunk in csv_chunks(matrix):
        yield chunk
