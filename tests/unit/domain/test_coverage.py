"""Current levels, department coverage and employees' gaps on hand-made examples."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from upskill.domain.competency import Level
from upskill.domain.coverage import current_levels, department_coverage, employee_gaps, rank
from upskill.domain.organisation import Employee

from .factories import T0, TODAY, assessment, employee, requirement

DEPT = uuid4()
OTHER_DEPT = uuid4()
PYTHON = uuid4()
SQL = uuid4()


def at(level: Level, who: Employee, competency: UUID = PYTHON) -> dict[tuple[UUID, UUID], Level]:
    return {(who.id, competency): level}


# -- current_levels ------------------------------------------------------------------------------


def test_the_latest_assessment_gives_the_current_level() -> None:
    someone = uuid4()
    history = [
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.ADVANCED, assessed_on=date(2024, 3, 1)),
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.BASIC, assessed_on=date(2023, 1, 1)),
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.EXPERT, assessed_on=date(2022, 1, 1)),
    ]
    assert current_levels(history, TODAY) == {(someone, PYTHON): Level.ADVANCED}


def test_a_lower_later_assessment_replaces_a_higher_earlier_one() -> None:
    someone = uuid4()
    history = [
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.EXPERT, assessed_on=date(2023, 1, 1)),
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.BASIC, assessed_on=date(2024, 1, 1)),
    ]
    assert current_levels(history, TODAY) == {(someone, PYTHON): Level.BASIC}


def test_same_day_assessments_break_ties_by_creation_then_id() -> None:
    someone, day = uuid4(), date(2024, 1, 1)
    later = assessment(employee_id=someone, competency_id=PYTHON, level=Level.EXPERT, assessed_on=day)
    earlier = assessment(
        employee_id=someone, competency_id=PYTHON, level=Level.BASIC, assessed_on=day, created_at=T0 - timedelta(1)
    )
    assert current_levels([later, earlier], TODAY)[(someone, PYTHON)] is Level.EXPERT
    low, high = UUID(int=1), UUID(int=2)
    same = {"employee_id": someone, "competency_id": SQL, "assessed_on": day}
    tied = [assessment(id=high, level=Level.INTERMEDIATE, **same), assessment(id=low, level=Level.ADVANCED, **same)]
    assert current_levels(tied, TODAY)[(someone, SQL)] is Level.INTERMEDIATE
    assert current_levels(list(reversed(tied)), TODAY)[(someone, SQL)] is Level.INTERMEDIATE


def test_an_expired_assessment_is_ignored_and_an_older_valid_one_counts() -> None:
    someone = uuid4()
    history = [
        assessment(employee_id=someone, competency_id=PYTHON, level=Level.BASIC, assessed_on=date(2020, 1, 1)),
        assessment(
            employee_id=someone,
            competency_id=PYTHON,
            level=Level.EXPERT,
            assessed_on=date(2023, 1, 1),
            expires_on=date(2024, 1, 1),
        ),
    ]
    assert current_levels(history, TODAY) == {(someone, PYTHON): Level.BASIC}


def test_the_expiry_day_itself_no_longer_counts() -> None:
    someone = uuid4()
    expiring = assessment(employee_id=someone, competency_id=PYTHON, expires_on=TODAY)
    assert current_levels([expiring], TODAY) == {}
    assert current_levels([expiring], TODAY - timedelta(days=1)) == {(someone, PYTHON): Level.BASIC}


def test_an_assessment_dated_after_today_does_not_count_yet() -> None:
    someone = uuid4()
    planned = assessment(employee_id=someone, competency_id=PYTHON, assessed_on=TODAY + timedelta(days=1))
    assert current_levels([planned], TODAY) == {}
    assert current_levels([planned], TODAY + timedelta(days=1)) == {(someone, PYTHON): Level.BASIC}


def test_levels_are_kept_per_employee_and_competency() -> None:
    ann, bob = uuid4(), uuid4()
    history = [
        assessment(employee_id=ann, competency_id=PYTHON, level=Level.EXPERT),
        assessment(employee_id=ann, competency_id=SQL, level=Level.BASIC),
        assessment(employee_id=bob, competency_id=PYTHON, level=Level.INTERMEDIATE),
    ]
    assert current_levels(history, TODAY) == {
        (ann, PYTHON): Level.EXPERT,
        (ann, SQL): Level.BASIC,
        (bob, PYTHON): Level.INTERMEDIATE,
    }


def test_not_assessed_ranks_below_basic() -> None:
    assert rank(None) < rank(Level.BASIC) < rank(Level.INTERMEDIATE) < rank(Level.ADVANCED) < rank(Level.EXPERT)


# -- department_coverage -------------------------------------------------------------------------


def test_coverage_counts_employees_at_or_above_the_level_by_rank() -> None:
    # Alphabetically "advanced" < "basic" < "expert" < "intermediate": the order must come from rank.
    staff = [employee(department_id=DEPT) for _ in range(4)]
    held = [Level.BASIC, Level.INTERMEDIATE, Level.EXPERT, Level.ADVANCED]
    levels = {(e.id, PYTHON): lvl for e, lvl in zip(staff, held, strict=True)}
    need = requirement(department_id=DEPT, competency_id=PYTHON, level=Level.ADVANCED, headcount=3)
    [item] = department_coverage(DEPT, [need], staff, levels, TODAY)
    assert item.requirement == need
    assert (item.covered, item.gap, item.is_open) == (2, 1, True)
    assert item.covered_by == tuple(sorted([staff[2].id, staff[3].id]))


def test_gap_never_goes_below_zero() -> None:
    staff = [employee(department_id=DEPT) for _ in range(3)]
    levels = {(e.id, PYTHON): Level.EXPERT for e in staff}
    need = requirement(department_id=DEPT, competency_id=PYTHON, level=Level.BASIC, headcount=2)
    [item] = department_coverage(DEPT, [need], staff, levels, TODAY)
    assert (item.covered, item.gap, item.is_open) == (3, 0, False)


def test_left_employees_do_not_count_from_their_leaving_day() -> None:
    gone = employee(department_id=DEPT, left_on=TODAY)
    leaving = employee(department_id=DEPT, left_on=TODAY + timedelta(days=1))
    levels = {**at(Level.EXPERT, gone), **at(Level.EXPERT, leaving)}
    need = requirement(department_id=DEPT, competency_id=PYTHON, headcount=2)
    [item] = department_coverage(DEPT, [need], [gone, leaving], levels, TODAY)
    assert (item.covered_by, item.gap) == ((leaving.id,), 1)


def test_employees_count_from_their_hiring_day_not_before() -> None:
    starting = employee(department_id=DEPT, hired_on=TODAY)
    future = employee(department_id=DEPT, hired_on=TODAY + timedelta(days=1))
    levels = {**at(Level.EXPERT, starting), **at(Level.EXPERT, future)}
    need = requirement(department_id=DEPT, competency_id=PYTHON, headcount=2)
    [item] = department_coverage(DEPT, [need], [starting, future], levels, TODAY)
    assert (item.covered_by, item.gap) == ((starting.id,), 1)


def test_employees_of_other_departments_do_not_count() -> None:
    outsider = employee(department_id=OTHER_DEPT)
    need = requirement(department_id=DEPT, competency_id=PYTHON)
    [item] = department_coverage(DEPT, [need], [outsider], at(Level.EXPERT, outsider), TODAY)
    assert (item.covered, item.gap) == (0, 1)


def test_company_wide_requirements_apply_and_other_departments_do_not() -> None:
    own = requirement(department_id=DEPT, competency_id=SQL)
    company = requirement(department_id=None, competency_id=SQL)
    foreign = requirement(department_id=OTHER_DEPT, competency_id=SQL)
    coverage = department_coverage(DEPT, [foreign, company, own], [], {}, TODAY)
    assert [c.requirement for c in coverage] == [own, company]


def test_coverage_is_ordered_by_competency_level_then_own_before_company_wide() -> None:
    first, second = UUID(int=1), UUID(int=2)
    items = [
        requirement(department_id=None, competency_id=second, level=Level.BASIC),
        requirement(department_id=DEPT, competency_id=second, level=Level.BASIC),
        requirement(department_id=DEPT, competency_id=first, level=Level.EXPERT),
        requirement(department_id=None, competency_id=first, level=Level.INTERMEDIATE),
        requirement(department_id=DEPT, competency_id=first, level=Level.BASIC),
    ]
    coverage = department_coverage(DEPT, items, [], {}, TODAY)
    assert [c.requirement for c in coverage] == [items[4], items[3], items[2], items[1], items[0]]


def test_coverage_without_requirements_is_empty() -> None:
    assert department_coverage(DEPT, [], [employee(department_id=DEPT)], {}, TODAY) == []


# -- employee_gaps -------------------------------------------------------------------------------


def test_a_gap_is_an_open_requirement_above_the_employees_level() -> None:
    me = employee(department_id=DEPT)
    levels = at(Level.INTERMEDIATE, me)
    below = requirement(department_id=DEPT, competency_id=PYTHON, level=Level.BASIC, headcount=5)
    same = requirement(department_id=None, competency_id=PYTHON, level=Level.INTERMEDIATE, headcount=5)
    above = requirement(department_id=DEPT, competency_id=PYTHON, level=Level.ADVANCED, headcount=2)
    coverage = department_coverage(DEPT, [below, same, above], [me], levels, TODAY)
    [gap] = employee_gaps(me, coverage, levels)
    assert gap.requirement == above
    assert (gap.competency_id, gap.level, gap.current, gap.shortfall) == (PYTHON, Level.ADVANCED, Level.INTERMEDIATE, 2)


def test_a_covered_requirement_is_nobodys_gap() -> None:
    me, expert = employee(department_id=DEPT), employee(department_id=DEPT)
    levels = at(Level.EXPERT, expert)
    need = requirement(department_id=DEPT, competency_id=PYTHON, level=Level.ADVANCED, headcount=1)
    coverage = department_coverage(DEPT, [need], [me, expert], levels, TODAY)
    assert employee_gaps(me, coverage, levels) == []


def test_not_assessed_is_below_basic() -> None:
    me = employee(department_id=DEPT)
    need = requirement(department_id=None, competency_id=SQL, level=Level.BASIC, headcount=1)
    coverage = department_coverage(DEPT, [need], [me], {}, TODAY)
    [gap] = employee_gaps(me, coverage, {})
    assert (gap.current, gap.shortfall, gap.requirement) == (None, 1, need)


def test_gaps_follow_the_coverage_order() -> None:
    me = employee(department_id=DEPT)
    needs = [
        requirement(department_id=DEPT, competency_id=UUID(int=9), level=Level.BASIC),
        requirement(department_id=None, competency_id=UUID(int=3), level=Level.EXPERT),
        requirement(department_id=DEPT, competency_id=UUID(int=3), level=Level.ADVANCED),
    ]
    coverage = department_coverage(DEPT, needs, [me], {}, TODAY)
    assert [g.requirement for g in employee_gaps(me, coverage, {})] == [needs[2], needs[1], needs[0]]
