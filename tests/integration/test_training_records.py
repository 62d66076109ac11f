"""Requirements, assessments, enrollments and feedback over HTTP on both adapters: enums,
unique rules (partial and nulls-not-distinct), rules between fields, and feedback's author."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from tests.integration.accounts import access_token, add_user
from tests.integration.conftest import API, Stack, assert_problem, create, department, employee


@dataclass
class Place:
    dept: str
    skill: str
    ann: str
    ben: str
    course: str


@pytest.fixture
async def place(client: httpx.AsyncClient) -> Place:
    dept = (await department(client, "Eng"))["id"]
    return Place(
        dept=dept,
        skill=(await create(client, "competencies", name="SQL"))["id"],
        ann=(await employee(client, dept, full_name="Ann"))["id"],
        ben=(await employee(client, dept, full_name="Ben"))["id"],
        course=(await create(client, "courses", title="SQL 101"))["id"],
    )


async def test_requirements_are_unique_per_department_competency_and_level(
    client: httpx.AsyncClient, place: Place
) -> None:
    body = {"department_id": place.dept, "competency_id": place.skill, "level": "advanced", "headcount": 2}
    created = await create(client, "requirements", **body)
    company = await create(client, "requirements", **{**body, "department_id": None})

    assert {k: created[k] for k in body} == body
    assert company["department_id"] is None
    assert_problem(await client.post(f"{API}/requirements", json=body), 409, "conflict")
    assert_problem(  # company-wide ones collide too: null is not distinct
        await client.post(f"{API}/requirements", json={**body, "department_id": None, "headcount": 5}), 409, "conflict"
    )
    await create(client, "requirements", **{**body, "level": "expert"})
    for extra, field in (({"level": "guru"}, "level"), ({"headcount": 0}, "headcount"), ({"level": None}, "level")):
        assert_problem(
            await client.post(f"{API}/requirements", json={**body, **extra}), 422, "invalid-input", field=field
        )
    listed = await client.get(f"{API}/requirements", params={"level": "advanced", "department_id": place.dept})
    assert [r["id"] for r in listed.json()["items"]] == [created["id"]]
    assert_problem(await client.get(f"{API}/requirements", params={"level__gte": "basic"}), 400, "invalid-query")


async def test_assessments_keep_history_and_check_their_dates_and_assessor(
    client: httpx.AsyncClient, place: Place
) -> None:
    base = {"employee_id": place.ann, "competency_id": place.skill}
    old = await create(client, "assessments", **base, level="basic", assessed_on="2022-01-01")
    new = await create(
        client, "assessments", **base, level="advanced", assessed_on="2023-01-01", assessor_id=place.ben, note="ok"
    )

    listed = await client.get(f"{API}/assessments", params={"employee_id": place.ann})
    assert [a["id"] for a in listed.json()["items"]] == [old["id"], new["id"]]  # oldest first: a review queue
    advanced = await client.get(f"{API}/assessments", params={"level__in": "advanced,expert"})
    assert [a["id"] for a in advanced.json()["items"]] == [new["id"]]
    since = await client.get(f"{API}/assessments", params={"assessed_on__gte": "2022-06-01"})
    assert [a["id"] for a in since.json()["items"]] == [new["id"]]
    bad = [
        ({"expires_on": "2021-01-01", "assessed_on": "2022-01-01"}, "expires_on"),
        ({"assessor_id": place.ann}, "assessor_id"),
        ({"level": "master"}, "level"),
    ]
    for extra, field in bad:
        body = {**base, "level": "basic", "assessed_on": "2022-01-01", **extra}
        assert_problem(await client.post(f"{API}/assessments", json=body), 422, "invalid-input", field=field)


async def test_one_open_enrollment_per_employee_and_course(client: httpx.AsyncClient, place: Place) -> None:
    body = {"employee_id": place.ann, "course_id": place.course}
    first = await create(client, "enrollments", **body)
    assert first["status"] == "planned"
    assert first["completed_on"] is None

    assert_problem(await client.post(f"{API}/enrollments", json=body), 409, "conflict")
    assert_problem(await client.post(f"{API}/enrollments", json={**body, "status": "in_progress"}), 409, "conflict")
    await create(client, "enrollments", **body, status="dropped")  # closed ones do not count
    await create(client, "enrollments", **body, status="dropped")
    started = await client.patch(f"{API}/enrollments/{first['id']}", json={"status": "in_progress"})
    assert started.status_code == 200, started.text
    completed = await client.patch(
        f"{API}/enrollments/{first['id']}", json={"status": "completed", "completed_on": "2024-03-01"}
    )
    assert completed.status_code == 200, completed.text
    second = await create(client, "enrollments", **body, status="in_progress")
    reopen = await client.patch(f"{API}/enrollments/{first['id']}", json={"status": "planned", "completed_on": None})
    assert_problem(reopen, 409, "invalid-transition")  # completed is final
    statuses = await client.get(f"{API}/enrollments", params={"status__in": "planned,in_progress"})
    assert [e["id"] for e in statuses.json()["items"]] == [second["id"]]


async def test_enrollment_status_rules(client: httpx.AsyncClient, place: Place) -> None:
    body = {"employee_id": place.ann, "course_id": place.course}
    cases = [
        ({"status": "finished"}, "status"),
        ({"status": "completed", "completed_on": "2999-01-01"}, "completed_on"),
        ({"status": "planned", "completed_on": "2024-01-01"}, "completed_on"),
        ({"course_id": "01900000-0000-7000-8000-000000000000"}, "course_id"),
    ]
    for extra, field in cases:
        response = await client.post(f"{API}/enrollments", json={**body, **extra})
        assert response.status_code == 422, response.text
        assert field in [e["field"] for e in response.json()["errors"]]
    assert (await client.get(f"{API}/enrollments")).json()["items"] == []


async def test_feedback_is_authored_by_the_caller_and_changed_by_the_author_only(
    stack: Stack, client: httpx.AsyncClient, place: Place
) -> None:
    for name, person in (("ann", place.ann), ("ben", place.ben)):
        await add_user(client, f"{name}@example.com", employee_id=person)
    async with (
        stack.client(await access_token(client, "ann@example.com")) as ann,
        stack.client(await access_token(client, "ben@example.com")) as ben,
    ):
        given = {"subject_id": place.ben, "competency_id": place.skill, "score": 2, "comment": "More joins"}
        read_only = await ann.post(f"{API}/feedback", json={**given, "author_id": place.ben})
        assert assert_problem(read_only, 422, "invalid-input", field="author_id")["errors"] == [
            {"field": "author_id", "message": "is read-only"}
        ]
        to_self = await ann.post(f"{API}/feedback", json={**given, "subject_id": place.ann})
        assert_problem(to_self, 422, "invalid-input")
        assert_problem(
            await ann.post(f"{API}/feedback", json={**given, "score": 6}), 422, "invalid-input", field="score"
        )
        created = await create(ann, "feedback", **given)
        assert created["author_id"] == place.ann
        url = f"{API}/feedback/{created['id']}"

        assert (await ben.get(url)).status_code == 200  # received
        assert_problem(await ben.patch(url, json={"score": 5}), 403, "forbidden")
        assert_problem(await ben.delete(url), 403, "forbidden")
        assert_problem(await ann.patch(url, json={"author_id": place.ben}), 422, "invalid-input", field="author_id")
        changed = await ann.patch(url, json={"score": 3})
        assert changed.status_code == 200, changed.text
        assert changed.json()["author_id"] == place.ann
        assert (await client.patch(url, json={"comment": "moderated"})).status_code == 200  # the admin
    assert_problem(await client.post(f"{API}/feedback", json=given), 403, "forbidden")  # no employee to author it
    listed = await client.get(f"{API}/feedback", params={"author_id": place.ann, "score__lte": "3"})
    assert [f["comment"] for f in listed.json()["items"]] == ["moderated"]
