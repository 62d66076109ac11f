"""The floor's coverage and recommendations: the app's SQL, then the plainest Python over the
rows (no entities, no domain objects). Recommendations are scored by a naive weighted sum
(gap share, rating, popularity), enough to rank, sort and serialise the same candidates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from bench import floor_sql as sql

RANK = {"basic": 1, "intermediate": 2, "advanced": 3, "expert": 4}
_OPEN_OR_DONE = {"planned", "in_progress", "completed"}


def coverage(department: asyncpg.Record, holders: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """Per requirement: how many current employees hold its level or above, and who (the rows:
    competency, level, the holders' ids, whether the asked employee is one)."""
    by_competency: dict[UUID, list[tuple[int, list[UUID]]]] = {}
    for competency, level, ids, _own in holders:
        by_competency.setdefault(competency, []).append((RANK[level], ids))
    result = []
    for requirement in department["requirements"]:
        id, competency, level, headcount = requirement[0], requirement[5], requirement[6], requirement[7]
        needed = RANK[level]
        covered = sorted(e for rank, ids in by_competency.get(competency, ()) if rank >= needed for e in ids)
        result.append(
            {
                "requirement_id": id,
                "competency_id": competency,
                "level": level,
                "headcount": headcount,
                "covered": len(covered),
                "gap": max(0, headcount - len(covered)),
                "covered_by": covered,
            }
        )
    return result


async def recommendations(
    connection: asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record],
    employee: asyncpg.Record,
    department: asyncpg.Record | None,
    holders: Sequence[asyncpg.Record],
    today: date,
    limit: int = 10,
) -> list[dict[str, Any]]:
    """Courses that teach a competency of one of the employee's gaps above their level, minus
    those they are enrolled in or completed; best first."""
    if department is None or (employee["left_on"] is not None and employee["left_on"] <= today):
        return []
    mine = {competency: RANK[level] for competency, level, _ids, own in holders if own}
    me = employee["id"]
    gaps: dict[UUID, tuple[int, int]] = {}  # competency → (needed rank, gap size)
    for row in coverage(department, holders):
        current = mine.get(row["competency_id"], 0)
        if row["gap"] > 0 and RANK[row["level"]] > current:
            needed, size = gaps.get(row["competency_id"], (0, 0))
            gaps[row["competency_id"]] = (max(needed, RANK[row["level"]]), size + row["gap"])
    if not gaps:
        return []
    courses = await connection.fetch(sql.COURSES, list(gaps))
    history = await connection.fetchrow(sql.HISTORY, me)
    enrollments = history["enrollments"] if history is not None else []
    taken = {e[5] for e in enrollments if e[6] in _OPEN_OR_DONE}
    biggest = max(size for _, size in gaps.values())
    scored = []
    for course in courses:
        if course["id"] in taken:
            continue
        addressed = [
            (competency, gaps[competency][1])
            for competency, level in course["covers"]
            if competency in gaps and RANK[level] > mine.get(competency, 0)
        ]
        if not addressed:
            continue
        gap_share = min(1.0, sum(size for _, size in addressed) / biggest)
        popularity = math.log1p(course["learners"]) / math.log1p(50_000)
        score = 0.5 * gap_share + 0.3 * course["rating"] / 5 + 0.2 * popularity
        scored.append((score, course, addressed))
    scored.sort(key=lambda item: (-item[0], -item[1]["rating"], item[1]["title"]))
    return [
        {"course_id": c["id"], "title": c["title"], "score": round(s, 4), "gaps": [str(g) for g, _ in a]}
        for s, c, a in scored[:limit]
    ]
