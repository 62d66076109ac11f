"""The domain routes on both storage adapters: coverage, current competencies, gaps and
explained recommendations of the world in `training_world`, as the admin."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from tests.integration.conftest import API, Stack, create
from tests.integration.training_world import TODAY, World, build_world, names, titles

FACTORS = ("gap", "fit", "feedback", "rating", "popularity")


@pytest.fixture
async def world(stack: Stack, client: httpx.AsyncClient) -> World:
    return await build_world(stack, client)


async def _get(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(f"{API}/{path}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


async def test_coverage_counts_current_employees_at_or_above_each_applicable_requirement(
    client: httpx.AsyncClient, world: World
) -> None:
    body = await _get(client, f"departments/{world.ids['Eng']}/coverage")

    assert body["department_id"] == world.ids["Eng"]
    assert body["on"] == TODAY.isoformat()
    rows = [
        (
            names(world, [r["competency_id"]])[0],
            r["level"],
            r["headcount"],
            r["covered"],
            r["gap"],
            r["open"],
            names(world, r["covered_by"]),
        )
        for r in body["requirements"]
    ]
    assert rows == [  # by competency id (creation order), Ops' own requirement left out
        ("Python", "advanced", 2, 1, 1, True, ["Ada"]),  # Bob's advanced expired, Dee has left
        ("SQL", "basic", 1, 1, 0, False, ["Cy"]),  # company-wide; Bob's is dated in the future
        ("Docker", "intermediate", 1, 0, 1, True, []),  # Ada is only basic
    ]
    first = body["requirements"][0]["requirement"]
    assert first["id"] == world.requirement("Eng", "Python", "advanced")
    assert set(first) == {"id", "version", "created_at", "updated_at", "department_id", "competency_id", "level"} | {
        "headcount"
    }
    assert body["requirements"][1]["requirement"]["department_id"] is None


async def test_coverage_of_a_department_without_requirements_or_staff_is_empty(client: httpx.AsyncClient) -> None:
    empty = await create(client, "departments", name="Empty")

    body = await _get(client, f"departments/{empty['id']}/coverage")

    assert body == {"department_id": empty["id"], "on": TODAY.isoformat(), "requirements": []}


async def test_competencies_are_the_current_levels_sorted_by_competency(
    client: httpx.AsyncClient, world: World
) -> None:
    bob = await _get(client, f"employees/{world.ids['Bob']}/competencies")
    ada = await _get(client, f"employees/{world.ids['Ada']}/competencies")
    cy = await _get(client, f"employees/{world.ids['Cy']}/competencies")

    assert bob["employee_id"] == world.ids["Bob"]
    assert bob["on"] == TODAY.isoformat()
    # Bob: the expired advanced no longer counts, the future SQL not yet.
    assert bob["items"] == [{"competency_id": world.ids["Python"], "level": "intermediate", "claimed_level": None}]
    assert ada["items"] == [
        {"competency_id": world.ids["Python"], "level": "expert", "claimed_level": None},
        {"competency_id": world.ids["Docker"], "level": "basic", "claimed_level": None},
    ]
    assert [i["competency_id"] for i in ada["items"]] == sorted(i["competency_id"] for i in ada["items"])
    assert cy["items"] == [{"competency_id": world.ids["SQL"], "level": "basic", "claimed_level": None}]


async def test_gaps_are_the_open_requirements_above_the_current_level(client: httpx.AsyncClient, world: World) -> None:
    bob = await _get(client, f"employees/{world.ids['Bob']}/gaps")
    ada = await _get(client, f"employees/{world.ids['Ada']}/gaps")
    dee = await _get(client, f"employees/{world.ids['Dee']}/gaps")
    olga = await _get(client, f"employees/{world.ids['Olga']}/gaps")

    assert bob == {
        "employee_id": world.ids["Bob"],
        "on": TODAY.isoformat(),
        "items": [
            {
                "requirement_id": world.requirement("Eng", "Python", "advanced"),
                "competency_id": world.ids["Python"],
                "required_level": "advanced",
                "current_level": "intermediate",
                "shortfall": 1,
                "company_wide": False,
            },
            {
                "requirement_id": world.requirement("Eng", "Docker", "intermediate"),
                "competency_id": world.ids["Docker"],
                "required_level": "intermediate",
                "current_level": None,
                "shortfall": 1,
                "company_wide": False,
            },
        ],
    }
    assert [(names(world, [g["competency_id"]]), g["current_level"]) for g in ada["items"]] == [(["Docker"], "basic")]
    assert dee["items"] == []  # she has left
    assert olga["items"] == [  # Ops' own requirement is covered by Olga herself; the company's is not
        {
            "requirement_id": world.requirement(None, "SQL", "basic"),
            "competency_id": world.ids["SQL"],
            "required_level": "basic",
            "current_level": None,
            "shortfall": 1,
            "company_wide": True,
        }
    ]


async def test_recommendations_are_ranked_and_explained(client: httpx.AsyncClient, world: World) -> None:
    body = await _get(client, f"employees/{world.ids['Bob']}/recommendations")

    assert body["employee_id"] == world.ids["Bob"]
    assert body["on"] == TODAY.isoformat()
    assert body["weights"] == {"gap": 0.35, "fit": 0.2, "feedback": 0.15, "rating": 0.15, "popularity": 0.15}
    # Not: SQL Intro (no gap), Python Primer (not beyond intermediate), Python Again (planned).
    assert titles(body) == ["Full Stack", "Docker Basics", "Python Pro", "Python Master"]
    full_stack = body["items"][0]
    assert full_stack["course"]["id"] == world.ids["Full Stack"]
    assert len(full_stack["course"]["covers"]) == 2
    factors = full_stack["factors"]
    assert list(factors) == list(FACTORS)
    values = {name: f["value"] for name, f in factors.items()}
    assert values == {"gap": 1.0, "fit": 0.875, "feedback": 1.0, "rating": 0.4, "popularity": 0.0}
    for name, f in factors.items():
        assert f["weight"] == body["weights"][name]
        assert math.isclose(f["contribution"], f["weight"] * f["value"])
    for item in body["items"]:
        assert math.isclose(item["score"], sum(f["contribution"] for f in item["factors"].values()))
        assert 0 <= item["score"] <= 1
    assert [s["score"] for s in body["items"]] == sorted((s["score"] for s in body["items"]), reverse=True)
    assert full_stack["gaps"] == [
        {
            "requirement_id": world.requirement("Eng", "Python", "advanced"),
            "competency_id": world.ids["Python"],
            "required_level": "advanced",
            "current_level": "intermediate",
            "shortfall": 1,
        },
        {
            "requirement_id": world.requirement("Eng", "Docker", "intermediate"),
            "competency_id": world.ids["Docker"],
            "required_level": "intermediate",
            "current_level": None,
            "shortfall": 1,
        },
    ]
    docker = body["items"][1]
    assert docker["factors"]["feedback"]["value"] == 0.5  # no feedback on Docker: neutral
    assert docker["factors"]["popularity"]["value"] == 1.0  # the most learners
    assert [g["competency_id"] for g in docker["gaps"]] == [world.ids["Docker"]]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ({"w_gap": "1", "w_fit": "0", "w_feedback": "0", "w_rating": "0", "w_popularity": "0"},
         ["Full Stack", "Python Master", "Docker Basics", "Python Pro"]),  # ties at 0.5 break by rating
        ({"w_gap": "0", "w_fit": "0", "w_feedback": "0", "w_rating": "0", "w_popularity": "3"},
         ["Docker Basics", "Python Pro", "Python Master", "Full Stack"]),
        ({"w_gap": "0", "w_fit": "0", "w_feedback": "0", "w_rating": "2", "w_popularity": "0"},
         ["Python Master", "Docker Basics", "Python Pro", "Full Stack"]),
    ],
)  # fmt: skip
async def test_custom_weights_change_the_ranking(
    client: httpx.AsyncClient, world: World, weights: dict[str, str], expected: list[str]
) -> None:
    body = await _get(client, f"employees/{world.ids['Bob']}/recommendations", **weights)

    assert titles(body) == expected
    assert math.isclose(sum(body["weights"].values()), 1.0)
    for item in body["items"]:
        for name, f in item["factors"].items():
            assert f["weight"] == body["weights"][name]


async def test_missing_weights_take_the_defaults_before_normalising(client: httpx.AsyncClient, world: World) -> None:
    body = await _get(client, f"employees/{world.ids['Bob']}/recommendations", w_gap="0.65")

    total = 0.65 + 0.2 + 3 * 0.15
    defaults = {"fit": 0.2, "feedback": 0.15, "rating": 0.15, "popularity": 0.15}
    expected = {"gap": 0.65 / total} | {name: weight / total for name, weight in defaults.items()}
    assert body["weights"] == pytest.approx(expected)


async def test_limit_cuts_the_ranking_and_the_answer_is_deterministic(client: httpx.AsyncClient, world: World) -> None:
    path = f"employees/{world.ids['Bob']}/recommendations"
    first = await _get(client, path, limit="2")
    again = await _get(client, path, limit="2")

    assert titles(first) == ["Full Stack", "Docker Basics"]
    assert first == again


async def test_a_completed_course_is_no_longer_recommended_and_a_left_employee_gets_none(
    client: httpx.AsyncClient, world: World
) -> None:
    await create(
        client,
        "enrollments",
        employee_id=world.ids["Bob"],
        course_id=world.ids["Full Stack"],
        status="completed",
        completed_on="2024-05-01",
    )

    bob = await _get(client, f"employees/{world.ids['Bob']}/recommendations")
    dee = await _get(client, f"employees/{world.ids['Dee']}/recommendations")

    assert "Full Stack" not in titles(bob)
    assert dee["items"] == []
