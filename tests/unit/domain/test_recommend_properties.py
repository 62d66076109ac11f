"""Invariants of `recommend` on random catalogues, enrollments, feedback and weights."""

from __future__ import annotations

import math
from datetime import date
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap
from upskill.domain.recommend import Factor, Weights, recommend
from upskill.domain.training import Course, CourseCoverage, Enrollment, EnrollmentStatus, Feedback

from .factories import T0, employee, requirement

COMPETENCIES = tuple(UUID(int=n) for n in range(1, 5))
ME = employee()
levels_strategy = st.sampled_from(list(Level))


@st.composite
def courses(draw: st.DrawFn) -> list[Course]:
    made = []
    for n in range(draw(st.integers(0, 10))):
        taught = draw(st.lists(st.sampled_from(COMPETENCIES), unique=True, max_size=3))
        made.append(
            Course(
                id=UUID(int=100 + n),
                created_at=T0,
                updated_at=T0,
                title=draw(st.sampled_from(["A", "B", "b"])),
                rating=draw(st.sampled_from([0.0, 2.5, 4.0, 5.0])),
                learners=draw(st.sampled_from([0, 1, 10, 1000])),
                covers=tuple(CourseCoverage(c, draw(levels_strategy)) for c in taught),
            )
        )
    return made


def enrollments_for(catalogue: list[Course]) -> st.SearchStrategy[list[Enrollment]]:
    def make(n: int, course_id: UUID, status: EnrollmentStatus, mine: bool) -> Enrollment:
        done = date(2024, 1, 1) if status is EnrollmentStatus.COMPLETED else None
        return Enrollment(
            id=UUID(int=10_000 + n),
            created_at=T0,
            updated_at=T0,
            employee_id=ME.id if mine else UUID(int=7),
            course_id=course_id,
            status=status,
            completed_on=done,
        )

    if not catalogue:
        return st.just([])
    one = st.tuples(st.sampled_from([c.id for c in catalogue]), st.sampled_from(list(EnrollmentStatus)), st.booleans())
    return st.lists(one, max_size=6).map(lambda rows: [make(n, *row) for n, row in enumerate(rows)])


weights_strategy = (
    st.fixed_dictionaries({f.value: st.sampled_from([0.0, 0.5, 1.0, 3.0]) for f in Factor})
    .filter(lambda w: sum(w.values()) > 0)
    .map(lambda w: Weights(**w))
)


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_recommendations_are_explained_filtered_and_ordered(data: st.DataObject) -> None:
    catalogue = data.draw(courses())
    enrollments = data.draw(enrollments_for(catalogue))
    levels = data.draw(st.dictionaries(st.sampled_from([(ME.id, c) for c in COMPETENCIES]), levels_strategy))
    gaps = [
        Gap(requirement=requirement(competency_id=c, level=lvl), current=levels.get((ME.id, c)), shortfall=short)
        for c, lvl, short in data.draw(
            st.lists(st.tuples(st.sampled_from(COMPETENCIES), levels_strategy, st.integers(1, 3)), max_size=4)
        )
        if lvl.rank > (0 if (held := levels.get((ME.id, c))) is None else held.rank)
    ]
    scored = st.tuples(st.sampled_from(COMPETENCIES), st.integers(1, 5) | st.none())
    received = [
        Feedback(
            id=UUID(int=20_000 + n),
            created_at=T0,
            updated_at=T0,
            subject_id=ME.id,
            author_id=UUID(int=9),
            competency_id=competency_id,
            score=score,
        )
        for n, (competency_id, score) in enumerate(data.draw(st.lists(scored, max_size=5)))
    ]
    weights = data.draw(weights_strategy)
    limit = data.draw(st.integers(1, 12))

    got = recommend(ME, gaps, levels, catalogue, enrollments, received, weights, limit)

    excluded = {e.course_id for e in enrollments if e.employee_id == ME.id and e.status is not EnrollmentStatus.DROPPED}
    eligible = {
        c.id
        for c in catalogue
        if c.id not in excluded
        and any(
            (lvl := c.level_in(g.competency_id)) is not None and lvl.rank > (0 if g.current is None else g.current.rank)
            for g in gaps
        )
    }
    assert len(got) == min(limit, len(eligible))
    assert {r.course.id for r in got} <= eligible
    for r in got:
        assert 0.0 <= r.score <= 1.0
        assert all(0.0 <= f.value <= 1.0 for f in r.factors)
        assert math.isclose(r.score, math.fsum(f.contribution for f in r.factors), abs_tol=1e-12)
        assert r.gaps
        assert all(g in gaps for g in r.gaps)
    keys = [(-r.score, -r.course.rating, r.course.title, r.course.id) for r in got]
    assert keys == sorted(keys)
