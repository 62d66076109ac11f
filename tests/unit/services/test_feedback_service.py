"""FeedbackService and FeedbackPolicy: the author is the caller, never the body; who reads,
changes and deletes feedback."""

from __future__ import annotations

import pytest

from tests.factories import feedback
from tests.unit.services.training_world import TrainingWorld, ids
from upskill.domain.errors import Forbidden, InvariantViolation, NotFound
from upskill.domain.principal import Principal
from upskill.domain.query import ListQuery
from upskill.domain.training import Feedback


async def test_the_author_is_the_callers_employee(org: TrainingWorld) -> None:
    given = await org.feedback.create(org.alan_self, {"subject_id": org.barbara.id, "score": 4, "comment": "Thanks"})
    assert (given.author_id, given.subject_id, given.score) == (org.alan.id, org.barbara.id, 4)
    assert await org.stored(Feedback) == {given}


async def test_the_author_cannot_be_taken_from_the_body(org: TrainingWorld) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await org.feedback.create(org.alan_self, {"subject_id": org.barbara.id, "author_id": org.ada.id})
    assert caught.value.field == "author_id"
    assert await org.stored(Feedback) == set()


@pytest.mark.parametrize("caller", ["unlinked", "admin"])
async def test_a_caller_linked_to_no_employee_cannot_give_feedback(org: TrainingWorld, caller: str) -> None:
    with pytest.raises(Forbidden):
        await org.feedback.create(getattr(org, caller), {"subject_id": org.barbara.id})
    assert await org.stored(Feedback) == set()


async def test_nobody_gives_feedback_to_themselves(org: TrainingWorld) -> None:
    with pytest.raises(InvariantViolation) as caught:
        await org.feedback.create(org.alan_self, {"subject_id": org.alan.id, "comment": "Great job, me"})
    assert caught.value.field == "author_id"
    assert await org.stored(Feedback) == set()


async def test_feedback_may_cross_departments(org: TrainingWorld) -> None:
    given = await org.feedback.create(org.linus_self, {"subject_id": org.alan.id, "competency_id": org.sql.id})
    assert given.author_id == org.linus.id


async def _visible(org: TrainingWorld, principal: Principal) -> set[object]:
    page = await org.feedback.list(principal, ListQuery(limit=200))
    return {f.id for f in page.items}


async def test_who_reads_which_feedback(org: TrainingWorld) -> None:
    to_alan = feedback(subject_id=org.alan.id, author_id=org.grace.id)
    by_alan = feedback(subject_id=org.linus.id, author_id=org.alan.id)
    within_eng = feedback(subject_id=org.barbara.id, author_id=org.ada.id)
    within_ops = feedback(subject_id=org.grace.id, author_id=org.linus.id)
    await org.add(to_alan, by_alan, within_eng, within_ops)
    assert await _visible(org, org.admin) == ids(to_alan, by_alan, within_eng, within_ops)
    assert await _visible(org, org.eng_manager) == ids(to_alan, within_eng)
    assert await _visible(org, org.ops_manager) == ids(by_alan, within_ops)
    assert await _visible(org, org.alan_self) == ids(to_alan, by_alan)
    assert await _visible(org, org.unlinked) == set()
    assert await org.feedback.get(org.alan_self, by_alan.id) == by_alan
    with pytest.raises(NotFound):
        await org.feedback.get(org.alan_self, within_eng.id)


async def test_only_the_author_or_the_admin_changes_or_deletes_feedback(org: TrainingWorld) -> None:
    note = feedback(subject_id=org.alan.id, author_id=org.barbara.id, comment="first")
    await org.add(note)
    for principal in (org.alan_self, org.eng_manager):  # the subject and their manager read it
        with pytest.raises(Forbidden):
            await org.feedback.update(principal, note.id, {"comment": "changed"})
        with pytest.raises(Forbidden):
            await org.feedback.delete(principal, note.id)
    assert {f.comment for f in await org.stored(Feedback)} == {"first"}
    changed = await org.feedback.update(org.barbara_self, note.id, {"comment": "second", "score": 3})
    assert (changed.author_id, changed.comment, changed.score, changed.version) == (org.barbara.id, "second", 3, 2)
    await org.feedback.delete(org.admin, note.id)
    assert await org.stored(Feedback) == set()
