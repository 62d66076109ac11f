"""History and the change feed over HTTP, on both adapters (API.md, "History and events"):
every write is an event with its actor, request and changes; the learning loop's actions have
their own types; a history is visible exactly when its record is; secrets never appear; the
feed is CloudEvents 1.0, admin only, and polled from `next_cursor`."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, Stack, assert_problem, department
from tests.integration.test_learning_loop import Team, team

__all__ = ["team"]


async def _history(client: httpx.AsyncClient, collection: str, id: str) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/{collection}/{id}/history")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _feed(client: httpx.AsyncClient, *, at_least: int = 1, **params: str) -> dict[str, Any]:
    """A page of the feed, polled for up to 10 s until it has `at_least` items: on PostgreSQL the
    feed holds an event back while any transaction older than it still runs on the server (other
    test runs share it)."""
    for _ in range(200):
        response = await client.get(f"{API}/events", params=params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if len(body["items"]) >= at_least:
            break
        await asyncio.sleep(0.05)
    return body


async def test_every_write_is_in_the_history_with_actor_request_and_changes(client: httpx.AsyncClient) -> None:
    made = await client.post(f"{API}/departments", json={"name": "Ops"}, headers={"X-Request-ID": "req-made"})
    dept = made.json()["id"]
    await client.patch(f"{API}/departments/{dept}", json={"description": "Runs things"})
    await client.put(f"{API}/departments/{dept}", json={"name": "Operations"}, headers={"X-Request-ID": "req-put"})
    history = await _history(client, "departments", dept)
    assert [(h["type"], h["version"]) for h in history] == [
        ("upskill.department.updated", 3),
        ("upskill.department.updated", 2),
        ("upskill.department.created", 1),
    ]
    assert history[0]["changes"] == {
        "name": {"from": "Ops", "to": "Operations"},
        "description": {"from": "Runs things", "to": None},
    }
    assert [h["request_id"] for h in (history[0], history[2])] == ["req-put", "req-made"]
    me = (await client.get(f"{API}/auth/me")).json()
    assert {h["actor"]["user_id"] for h in history} == {me["id"]}
    page = (await client.get(f"{API}/departments/{dept}/history", params={"limit": 2})).json()
    assert len(page["items"]) == 2
    rest = (await client.get(f"{API}/departments/{dept}/history", params={"cursor": page["next_cursor"]})).json()
    assert [h["version"] for h in rest["items"]] == [1]
    assert rest["next_cursor"] is None
    assert (await client.delete(f"{API}/departments/{dept}")).status_code == 204
    assert_problem(await client.get(f"{API}/departments/{dept}/history"), 404, "not-found")
    deleted = (await _feed(client, subject=f"departments/{dept}", type="upskill.department.deleted"))["items"]
    assert [e["data"] for e in deleted] == [{"id": dept, "version": 3}]


async def test_the_learning_loop_records_its_own_actions(stack: Stack, client: httpx.AsyncClient, team: Team) -> None:
    async with stack.client(team.ann_token) as ann, stack.client(team.mo_token) as mo:
        due = (date.today() + timedelta(days=30)).isoformat()
        [aim] = (await mo.post(f"{API}/employees/{team.ann}/plans/from-gaps", json={"due_on": due})).json()["items"]
        body = {"employee_id": team.ann, "course_id": team.course}
        enrolled = (await ann.post(f"{API}/enrollments", json=body)).json()
        url = f"{API}/enrollments/{enrolled['id']}"
        await ann.patch(url, json={"status": "in_progress"})
        assert (await ann.patch(url, json={"status": "completed"})).status_code == 200
        [evidence] = (await mo.get(f"{API}/assessments", params={"status": "proposed"})).json()["items"]
        assert (await mo.post(f"{API}/assessments/{evidence['id']}/validate")).status_code == 200
        enrollment_history = await _history(ann, "enrollments", enrolled["id"])
        assessment_history = await _history(ann, "assessments", evidence["id"])
        plan_history = await _history(mo, "plans", aim["id"])
    assert [h["type"] for h in enrollment_history] == [
        "upskill.enrollment.completed",
        "upskill.enrollment.updated",
        "upskill.enrollment.created",
    ]
    assert [h["type"] for h in assessment_history] == ["upskill.assessment.validated", "upskill.assessment.created"]
    assert assessment_history[0]["changes"]["status"] == {"from": "proposed", "to": "validated"}
    assert assessment_history[0]["actor"]["employee_id"] == team.mo
    assert [h["type"] for h in plan_history] == ["upskill.plan.achieved", "upskill.plan.created"]
    assert plan_history[0]["actor"]["employee_id"] == team.mo  # achieved by the validation
    feed = await _feed(client, at_least=2, type="upskill.assessment.validated,upskill.plan.achieved")
    assert [(e["type"], e["subject"]) for e in feed["items"]] == [
        ("upskill.assessment.validated", f"assessments/{evidence['id']}"),
        ("upskill.plan.achieved", f"plans/{aim['id']}"),
    ]
    validated = feed["items"][0]
    assert validated["specversion"] == "1.0"
    assert validated["source"] == "/upskill"
    assert validated["datacontenttype"] == "application/json"
    assert validated["recordversion"] == 2
    assert validated["data"]["status"] == "validated"
    assert validated["actor"] == (await mo_user(client, team))["id"]


async def mo_user(client: httpx.AsyncClient, team: Team) -> dict[str, Any]:
    [user] = (await client.get(f"{API}/users", params={"employee_id": team.mo})).json()["items"]
    return user  # type: ignore[no-any-return]


async def test_history_is_visible_exactly_when_the_record_is(stack: Stack, client: httpx.AsyncClient) -> None:
    other = await add_user(client, "other@example.com")
    me = await add_user(client, "emp@example.com")
    async with stack.client(await access_token(client, "emp@example.com")) as emp:
        assert (await emp.get(f"{API}/users/{other['id']}")).status_code == 404
        assert_problem(await emp.get(f"{API}/users/{other['id']}/history"), 404, "not-found")
        assert (await emp.get(f"{API}/users/{me['id']}")).status_code == 200
        [made] = await _history(emp, "users", me["id"])
        assert made["changes"]["password"] == {}
        assert made["changes"]["email"] == {"from": None, "to": "emp@example.com"}
        assert_problem(await emp.get(f"{API}/events"), 403, "forbidden")


async def test_a_password_never_appears_only_that_it_changed(stack: Stack, client: httpx.AsyncClient) -> None:
    user = await add_user(client, "pat@example.com")
    changed = await client.patch(f"{API}/users/{user['id']}", json={"password": "another long passphrase"})
    assert changed.status_code == 200, changed.text
    history = await client.get(f"{API}/users/{user['id']}/history")
    feed = await client.get(f"{API}/events", params={"subject": f"users/{user['id']}"})
    for text in (history.text, feed.text):
        assert "argon2" not in text
        assert "password_hash" not in text
        assert "passphrase" not in text
    changes = history.json()["items"][0]["changes"]
    assert changes["password"] == {}
    assert set(changes) <= {"password", "password_changed_at"}  # the time moves when the second does


async def test_the_feed_polls_from_next_cursor_and_refuses_bad_queries(client: httpx.AsyncClient) -> None:
    first = await _feed(client, at_least=0)
    await department(client, "New one")
    news = await _feed(client, after=first["next_cursor"]) if first["next_cursor"] else await _feed(client)
    assert [e["type"] for e in news["items"]][-1] == "upskill.department.created"
    idle = await _feed(client, at_least=0, after=news["next_cursor"])
    assert idle == {"items": [], "next_cursor": news["next_cursor"]}
    assert_problem(await client.get(f"{API}/events", params={"after": "nope"}), 400, "invalid-query", field="cursor")
    for field, value in (("subject", "a\x00b"), ("type", "x\x00"), ("after", "1\x00"), ("subject", "s" * 1001)):
        assert_problem(await client.get(f"{API}/events", params={field: value}), 400, "invalid-query", field=field)
    for limit in ("0", "201", "x"):
        assert_problem(await client.get(f"{API}/events", params={"limit": limit}), 400, "invalid-query", field="limit")
