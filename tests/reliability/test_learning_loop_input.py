"""Bad input to the learning loop (DOMAIN.md "The learning loop"): each answers its documented
4xx problem naming the field (an invalid transition also names `from` and `to`), never a 500,
and writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import API
from tests.reliability.hostile_world import LIMIT, Attack

pytestmark = pytest.mark.postgres


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


async def _refused(attack: Attack, method: str, path: str, body: Any, status: int, field: str) -> dict[str, Any]:
    response = await attack.refused_without_change(method, path, _json(body), {status})
    problem: dict[str, Any] = response.json()
    assert field in [e["field"] for e in problem["errors"]], problem
    return problem


async def test_assessments_refuse_what_the_service_decides(attack: Attack) -> None:
    body = attack.world.bodies()["assessments"]("x")
    path = f"{API}/assessments"
    for field, value in [
        ("source", "guru"),
        ("source", "manager"),  # only an admin's import is taken from a body
        ("source", "self"),
        ("source", "course"),
        ("status", "validated"),
        ("status", "proposed"),
        ("reviewed_by", attack.world.ids["employee"]),
        ("reviewed_on", "2024-01-01"),
        ("review_note", "fine"),
        ("level", "master"),
        ("level", "ADVANCED"),
        ("level", 3),
    ]:
        await _refused(attack, "POST", path, {**body, field: value}, 422, field)
    record = f"{path}/{attack.world.ids['assessment']}"
    await _refused(attack, "PATCH", record, {"source": "import"}, 422, "source")
    await _refused(attack, "PATCH", record, {"status": "proposed"}, 422, "status")


async def test_reviews_refuse_bad_bodies_and_states(attack: Attack) -> None:
    validated = f"{API}/assessments/{attack.world.ids['assessment']}"
    for action in ("validate", "reject"):
        path = f"{validated}/{action}"
        problem = await _refused(attack, "POST", path, {"note": "again"}, 409, "status")
        assert problem["type"] == "/problems/invalid-transition"
        assert (problem["from"], problem["to"]) == (
            "validated",
            {"validate": "validated", "reject": "rejected"}[action],
        )
        for body, field in (({"note": 5}, "note"), ({"note": "x" * 10_001}, "note"), ({"colour": 1}, "colour")):
            await _refused(attack, "POST", path, body, 422, field)
        await attack.refused_without_change("POST", path, b"[" * 10_000 + b"]" * 10_000, {400, 422})
        await attack.refused_without_change("POST", path, b'{"note": "\xff"}', {400, 422})
        await attack.refused_without_change("POST", path, b'{"note": "' + b"x" * LIMIT + b'"}', {413})
        await attack.refused_without_change("POST", path, b"note=x", {415}, "application/x-www-form-urlencoded")
        for tag in ("W/1", "latest", 'W/"1", W/"2"'):
            response = await attack.client.post(path, json={}, headers={"If-Match": tag})
            assert response.status_code == 400, response.text
        missing = await attack.client.post(f"{API}/assessments/01900000-0000-7000-8000-000000000000/{action}")
        assert missing.status_code == 404
        assert (await attack.client.post(f"{API}/assessments/not-a-uuid/{action}")).status_code == 422


async def test_enrollments_refuse_transitions_out_of_order_and_from_final_states(attack: Attack) -> None:
    path = f"{API}/enrollments/{attack.world.ids['enrollment']}"
    problem = await _refused(attack, "PATCH", path, {"status": "completed"}, 409, "status")
    assert (problem["type"], problem["from"], problem["to"]) == ("/problems/invalid-transition", "planned", "completed")
    await _refused(attack, "PATCH", path, {"status": "finished"}, 422, "status")
    await _refused(attack, "PATCH", path, {"assigned_by": attack.world.ids["employee"]}, 422, "assigned_by")
    await _refused(attack, "PATCH", path, {"due_on": "2024-02-30"}, 422, "due_on")
    dropped = await attack.client.patch(path, json={"status": "dropped"})
    assert dropped.status_code == 200, dropped.text
    for status in ("planned", "in_progress", "completed"):
        problem = await _refused(attack, "PATCH", path, {"status": status}, 409, "status")
        assert (problem["from"], problem["to"]) == ("dropped", status)
    future = {"employee_id": attack.world.ids["subject"], "course_id": attack.world.ids["course"]}
    await _refused(
        attack,
        "POST",
        f"{API}/enrollments",
        {**future, "status": "completed", "completed_on": "2999-01-01"},
        422,
        "completed_on",
    )


async def test_plans_refuse_the_past_a_met_target_and_hand_made_achievement(attack: Attack) -> None:
    body = attack.world.bodies()["plans"]("ok")
    path = f"{API}/plans"
    await _refused(attack, "POST", path, {**body, "due_on": "2001-01-01"}, 422, "due_on")
    met = {**body, "target_level": "basic", "competency_id": attack.world.ids["competency"]}
    await _refused(attack, "POST", path, {**met, "employee_id": attack.world.ids["employee"]}, 422, "target_level")
    await _refused(attack, "POST", path, {**body, "status": "achieved"}, 422, "status")
    await _refused(attack, "POST", path, {**body, "achieved_on": "2024-01-01"}, 422, "achieved_on")
    await _refused(attack, "POST", path, {**body, "created_by": attack.world.ids["employee"]}, 422, "created_by")
    await _refused(attack, "POST", path, {**body, "overdue": True}, 422, "overdue")
    await _refused(attack, "POST", path, {**body, "target_level": "guru"}, 422, "target_level")
    taken = {**body, "employee_id": attack.world.ids["employee"]}  # Ann has an active plan in it
    problem = await _refused(attack, "POST", path, taken, 409, "employee_id")
    assert problem["type"] == "/problems/conflict"
    record = f"{path}/{attack.world.ids['plan']}"
    problem = await _refused(attack, "PATCH", record, {"status": "achieved"}, 409, "status")
    assert (problem["from"], problem["to"]) == ("active", "achieved")
    gaps = f"{API}/employees/{attack.world.ids['employee']}/plans/from-gaps"
    await _refused(attack, "POST", gaps, {"due_on": "2001-01-01"}, 422, "due_on")
    await _refused(attack, "POST", gaps, {}, 422, "due_on")
    await _refused(attack, "POST", gaps, {"due_on": "2099-01-01", "colour": 1}, 422, "colour")
    await attack.refused_without_change("POST", gaps, b'{"due_on": "\xff"}', {400, 422})
    await attack.refused_without_change("POST", gaps, b"[" * 10_000 + b"]" * 10_000, {400, 422})
