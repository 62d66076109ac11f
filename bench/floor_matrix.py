"""The floor's skills matrix: the app's two statements, then the plainest Python over the rows
(no entities, no domain objects): one column per required competency (its most demanding
requirement), a cell per level held or claimed, coverage, single points of failure, expiring
levels and what is at risk; JSON by orjson or CSV by the csv module."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from bench.floor_training import RANK

WINDOW_DAYS = 30


def matrix(head: asyncpg.Record, staff: Sequence[asyncpg.Record], today: date) -> dict[str, Any]:
    names = dict(head["names"])
    department_id = head["id"]
    needed: dict[UUID, tuple[int, bool, str, int]] = {}  # competency → (rank, own, level, headcount)
    for requirement in head["requirements"]:
        competency, level, headcount = requirement[5], requirement[6], requirement[7]
        key = (RANK[level], requirement[4] == department_id)
        if competency not in needed or key > needed[competency][:2]:
            needed[competency] = (*key, level, headcount)
    horizon = today + timedelta(days=WINDOW_DAYS)
    rows = []
    for employee in staff:  # by full name, then id (the SQL's order)
        cells: dict[UUID, dict[str, Any]] = {}
        for competency, level, expires_on, claimed in employee["holdings"] or ():
            cells[competency] = {
                "level": level,
                "claimed_level": claimed,
                "expires_on": expires_on,
                "expiring": expires_on is not None and expires_on <= horizon,
            }
        rows.append({"employee_id": employee["id"], "full_name": employee["full_name"], "email": employee["email"],
                     "cells": cells, "sole_cover_of": []})  # fmt: skip
    columns = []
    for competency, (rank, _, level, headcount) in sorted(needed.items(), key=lambda i: (names[i[0]], i[0])):
        holders = [r for r in rows if (c := r["cells"].get(competency)) and c["level"] and RANK[c["level"]] >= rank]
        lasting = sum(1 for r in holders if not r["cells"][competency]["expiring"])
        if len(holders) == 1:
            holders[0]["sole_cover_of"].append(competency)
        columns.append({"competency_id": competency, "name": names[competency], "level": level,
                        "headcount": headcount, "covered": len(holders), "gap": max(0, headcount - len(holders)),
                        "single_point_of_failure": len(holders) == 1,
                        "at_risk": len(holders) >= headcount > lasting})  # fmt: skip
    for row in rows:
        row["cells"] = {str(k): v for k, v in row["cells"].items()}
    return {"department_id": department_id, "on": today, "expiring_within_days": WINDOW_DAYS,
            "competencies": columns, "employees": rows}  # fmt: skip


def matrix_csv(body: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    columns = body["competencies"]
    writer.writerow(["employee", "email", *(f"{c['name']} ({c['level']} \u00d7{c['headcount']})" for c in columns)])
    ids = [str(c["competency_id"]) for c in columns]
    for row in body["employees"]:
        cells = row["cells"]
        writer.writerow(
            [row["full_name"], row["email"], *((cells[i]["level"] or "") if i in cells else "" for i in ids)]
        )
    return buffer.getvalue().encode()
