"""The learning loop over HTTP, on both adapters: a self-assessment waits in the manager's
review queue, a completed course proposes evidence, a validation closes the gap and achieves the
plan — and the bodies, headers and problems each step answers with (API.md, "The learning loop")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import httpx
import pytest

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, Stack, assert_problem, create, department, employee


@dataclass
class Team:
    """Eng (manager Mo, engineer Ann) needs Python at intermediate, twice; Ann holds none."""

    dept: str
    python: str
    ann: str
    mo: str
    course: str
    ann_token: str
    mo_token: str


@pytest.fixture
async def team(client: httpx.AsyncClient) -> Team:
    dept = (await department(client, "Eng"))["id"]
    python = (await create(client, "competencies", name="Python"))["id"]
    ann = (await employee(client, dept, full_name="Ann Archer"))["id"]
    mo = (await employee(client, dept, full_name="Mo Mills"))["id"]
    covers = [{"competency_id": python, "level": "intermediate"}]
    course = (await create(client, "courses", title="Python Primer", covers=covers))["id"]
    await create(client, "requirements", department_id=dept, competency_id=python, level="intermediate", headcount=2)
    await add_user(client, "ann@example.com", employee_id=ann)
    await add_user(client, "mo@example.com", role="manager", employee_id=mo)
    return Team(
        dept,
        python,
        ann,
        mo,
        course,
        await access_token(client, "ann@example.com"),
        await access_token(client, "mo@example.com"),
    )


async def test_the_loop_closes_a_gap_and_achieves_the_plan(stack: Stack, client: httpx.AsyncClient, team: Team) -> None:
    async with stack.client(team.ann_token) as ann, stack.client(team.mo_token) as mo:
        due = (date.today() + timedelta(days=30)).isoformat()
        planned = await mo.post(f"{API}/employees/{team.ann}/plans/from-gaps", json={"due_on": due, "note": "Q3"})
        assert planned.status_code == 201, planned.text
        [aim] = planned.json()["items"]
        assert (aim["competency_id"], aim["target_level"], aim["status"], aim["overdue"]) == (
            team.python,
            "intermediate",
            "active",
            False,
        )
        assert aim["created_by"] == team.mo

        claim = await ann.post(
            f"{API}/assessments",
            json={
                "employee_id": team.ann,
                "competency_id": team.python,
                "level": "advanced",
                "assessed_on": "2024-01-01",
            },
        )
        assert claim.status_code == 201, claim.text
        assert (claim.json()["source"], claim.json()["status"]) == ("self", "proposed")
        standing = (await ann.get(f"{API}/employees/{team.ann}/competencies")).json()
        assert standing["items"] == [{"competency_id": team.python, "level": None, "claimed_level": "advanced"}]

        enrolled = await ann.post(f"{API}/enrollments", json={"employee_id": team.ann, "course_id": team.course})
        assert enrolled.status_code == 201, enrolled.text
        assert enrolled.json()["assigned_by"] == team.ann
        url = f"{API}/enrollments/{enrolled.json()['id']}"
        skipped = await ann.patch(url, json={"status": "completed"})
        problem = assert_problem(skipped, 409, "invalid-transition", field="status")
        assert (problem["from"], problem["to"]) == ("planned", "completed")
        assert (await ann.patch(url, json={"status": "in_progress"})).status_code == 200
        done = await ann.patch(url, json={"status": "completed"})
        assert done.status_code == 200, done.text
        assert done.json()["completed_on"] == date.today().isoformat()

        queue = (await mo.get(f"{API}/assessments", params={"status": "proposed"})).json()["items"]
        assert [(a["source"], a["level"]) for a in queue] == [("self", "advanced"), ("course", "intermediate")]
        evidence = queue[1]
        assert "Python Primer" in evidence["note"]
        assert (await ann.get(f"{API}/employees/{team.ann}/gaps")).json()["items"] != []

        validated = await mo.post(
            f"{API}/assessments/{evidence['id']}/validate",
            json={"note": "Saw it in the rewrite"},
            headers={"If-Match": 'W/"1"'},
        )
        assert validated.status_code == 200, validated.text
        assert validated.headers["etag"] == 'W/"2"'
        assert (validated.json()["status"], validated.json()["reviewed_by"], validated.json()["review_note"]) == (
            "validated",
            team.mo,
            "Saw it in the rewrite",
        )
        assert (await ann.get(f"{API}/employees/{team.ann}/gaps")).json()["items"] == []
        achieved = (await mo.get(f"{API}/plans/{aim['id']}")).json()
        assert (achieved["status"], achieved["achieved_on"], achieved["overdue"]) == (
            "achieved",
            date.today().isoformat(),
            False,
        )
        again = await mo.post(f"{API}/assessments/{evidence['id']}/reject")
        problem = assert_problem(again, 409, "invalid-transition")
        assert (problem["from"], problem["to"]) == ("validated", "rejected")
        own = await ann.post(f"{API}/assessments/{claim.json()['id']}/validate")
        assert_problem(own, 403, "forbidden")


async def test_review_answers_412_when_if_match_is_stale_and_400_when_malformed(
    stack: Stack, client: httpx.AsyncClient, team: Team
) -> None:
    async with stack.client(team.ann_token) as ann:
        body = {"employee_id": team.ann, "competency_id": team.python, "level": "basic", "assessed_on": "2024-01-01"}
        claim = (await ann.post(f"{API}/assessments", json=body)).json()
    url = f"{API}/assessments/{claim['id']}/validate"
    assert_problem(await client.post(url, headers={"If-Match": 'W/"7"'}), 412, "stale-version")
    assert_problem(await client.post(url, headers={"If-Match": "seven"}), 400, "bad-request", field="If-Match")
    assert_problem(
        await client.post(url, content=b"note", headers={"Content-Type": "text/plain"}), 415, "unsupported-media-type"
    )
    assert (await client.get(f"{API}/assessments/{claim['id']}")).json() == claim
    assert (await client.post(url)).status_code == 200  # no body at all: no note


async def test_overdue_is_computed_and_cannot_be_written(client: httpx.AsyncClient, team: Team) -> None:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    made = await create(client, "enrollments", employee_id=team.ann, course_id=team.course, due_on=tomorrow)
    assert made["overdue"] is False
    late = await client.patch(f"{API}/enrollments/{made['id']}", json={"due_on": "2024-01-01"})
    assert late.json()["overdue"] is True
    listed = (await client.get(f"{API}/enrollments", params={"due_on__lte": "2024-12-31"})).json()["items"]
    assert [(e["id"], e["overdue"]) for e in listed] == [(made["id"], True)]
    assert_problem(
        await client.patch(f"{API}/enrollments/{made['id']}", json={"overdue": False}),
        422,
        "invalid-input",
        field="overdue",
    )
    aim = await create(
        client, "plans", employee_id=team.ann, competency_id=team.python, target_level="expert", due_on=tomorrow
    )
    backdated = await client.patch(f"{API}/plans/{aim['id']}", json={"due_on": "2024-01-01"})
    assert backdated.json()["overdue"] is True
    cancelled = await client.patch(f"{API}/plans/{aim['id']}", json={"status": "cancelled"})
    assert (cancelled.json()["status"], cancelled.json()["overdue"]) == ("cancelled", False)
    overdue_plans = await client.get(f"{API}/plans", params={"status": "active", "due_on__lte": "2024-06-01"})
    assert overdue_plans.json()["items"] == []


async def test_the_new_problem_type_is_documented(client: httpx.AsyncClient) -> None:
    described = await client.get("/problems/invalid-transition")
    assert described.status_code == 200
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    for path in (
        f"{API}/assessments/{{id}}/validate",
        f"{API}/assessments/{{id}}/reject",
        f"{API}/employees/{{id}}/plans/from-gaps",
        f"{API}/plans",
        f"{API}/plans/{{id}}",
    ):
        assert path in paths, path
    assert "409" in paths[f"{API}/assessments/{{id}}/validate"]["post"]["responses"]
    plan_schema = document["components"]["schemas"]["Plan"]
    assert "overdue" in plan_schema["properties"]
    assert "overdue" not in document["components"]["schemas"]["PlanInput"]["properties"]
    assessment_input = document["components"]["schemas"]["AssessmentInput"]["properties"]
    assert "status" not in assessment_input
    assert "reviewed_by" not in assessment_input
