"""The current-level projection of the memory adapter, as PostgreSQL's `competency_levels`: per
(employee, competency) with an assessment in it, the latest validated and the latest proposed
assessment (by `assessed_on`, `created_at`, `id`, whatever the day), kept by `MemoryStore.publish`
in the commit of every assessment write. A read on a day takes the pair's assessment when it is
valid that day, else asks the pair's history (an older one may still be valid)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from upskill.domain.coverage import is_newer, latest_valid
from upskill.domain.training import Assessment, AssessmentStatus

Pair = tuple[UUID, UUID]
"""(employee id, competency id)."""


@dataclass(frozen=True, slots=True)
class PairLevels:
    validated: Assessment | None
    proposed: Assessment | None


def _latest(history: Iterable[Assessment], status: AssessmentStatus) -> Assessment | None:
    found = [a for a in history if a.status is status]
    return max(found, key=lambda a: (a.assessed_on, a.created_at, a.id), default=None)


class LevelProjection:
    def __init__(self) -> None:
        self.pairs: dict[Pair, PairLevels] = {}
        self._history: dict[Pair, dict[UUID, Assessment]] = {}

    def apply(self, before: Assessment | None, after: Assessment | None) -> None:
        """One committed write: `before` replaced by `after` (None: created / deleted)."""
        touched: set[Pair] = set()
        if before is not None:
            key = (before.employee_id, before.competency_id)
            self._history.get(key, {}).pop(before.id, None)
            touched.add(key)
        if after is not None:
            key = (after.employee_id, after.competency_id)
            self._history.setdefault(key, {})[after.id] = after
            touched.add(key)
        for key in touched:
            history = self._history.get(key, {}).values()
            row = PairLevels(_latest(history, AssessmentStatus.VALIDATED), _latest(history, AssessmentStatus.PROPOSED))
            if row.validated is None and row.proposed is None:
                self.pairs.pop(key, None)
                self._history.pop(key, None)
            else:
                self.pairs[key] = row

    def history(self, key: Pair) -> list[Assessment]:
        return list(self._history.get(key, {}).values())

    def current(self, key: Pair, today: date) -> Assessment | None:
        """The assessment behind the pair's current level on `today` (`coverage.current_levels`)."""
        row = self.pairs.get(key)
        if row is None or row.validated is None:
            return None
        return self._valid(key, row.validated, today, AssessmentStatus.VALIDATED)

    def claim(self, key: Pair, today: date, current: Assessment | None) -> Assessment | None:
        """The claim shown beside `current` on `today` (`coverage.claimed_levels`)."""
        row = self.pairs.get(key)
        if row is None or row.proposed is None:
            return None
        claim = self._valid(key, row.proposed, today, AssessmentStatus.PROPOSED)
        return claim if claim is not None and is_newer(claim, current) else None

    def _valid(self, key: Pair, latest: Assessment, today: date, status: AssessmentStatus) -> Assessment | None:
        if latest.is_valid(today):
            return latest
        return latest_valid(self.history(key), today, status).get(key)  # expired, or not yet then
