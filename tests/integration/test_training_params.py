"""The domain routes' parameters, errors and OpenAPI description."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import API, assert_problem, create

FACTORS = ("gap", "fit", "feedback", "rating", "popularity")
UNKNOWN = "01900000-0000-7000-8000-000000000000"


@pytest.mark.parametrize(
    ("params", "status", "slug", "field"),
    [
        ({"limit": "0"}, 422, "invalid-input", "limit"),
        ({"limit": "51"}, 422, "invalid-input", "limit"),
        ({"limit": "ten"}, 422, "invalid-input", "limit"),
        ({"w_gap": "-0.1"}, 422, "invalid-input", "w_gap"),
        ({"w_fit": "inf"}, 422, "invalid-input", "w_fit"),
        ({"w_rating": "nan"}, 422, "invalid-input", "w_rating"),
        ({"w_popularity": "lots"}, 422, "invalid-input", "w_popularity"),
        ({"w_gap": "0", "w_fit": "0", "w_feedback": "0", "w_rating": "0", "w_popularity": "0"},
         422, "invalid-input", "w_popularity"),
        ({"w_gapp": "1"}, 400, "invalid-query", "w_gapp"),
        ({"w_gap": ["1", "2"]}, 400, "invalid-query", "w_gap"),
    ],
)  # fmt: skip
async def test_bad_recommendation_parameters_are_refused_naming_them(
    memory_client: httpx.AsyncClient, params: dict[str, Any], status: int, slug: str, field: str
) -> None:
    dept = await create(memory_client, "departments", name="Any")
    person = await create(
        memory_client,
        "employees",
        full_name="Pat",
        email="pat@example.com",
        department_id=dept["id"],
        hired_on="2020-01-01",
    )

    response = await memory_client.get(f"{API}/employees/{person['id']}/recommendations", params=params)

    assert_problem(response, status, slug, field=field)


async def test_every_field_of_all_zero_weights_is_named(memory_client: httpx.AsyncClient) -> None:
    zero = {f"w_{name}": "0" for name in FACTORS}
    response = await memory_client.get(f"{API}/employees/{UNKNOWN}/recommendations", params=zero)

    body = assert_problem(response, 422, "invalid-input")
    assert [e["field"] for e in body["errors"]] == [f"w_{name}" for name in FACTORS]


@pytest.mark.parametrize("route", ["competencies", "gaps", "recommendations"])
async def test_employee_routes_answer_404_for_an_unknown_employee_and_422_for_a_bad_id(
    memory_client: httpx.AsyncClient, route: str
) -> None:
    assert_problem(await memory_client.get(f"{API}/employees/{UNKNOWN}/{route}"), 404, "not-found")
    assert_problem(await memory_client.get(f"{API}/employees/nope/{route}"), 422, "invalid-input", field="id")
    assert_problem(await memory_client.get(f"{API}/employees/{UNKNOWN}/{route}?x=1"), 400, "invalid-query", field="x")


async def test_coverage_answers_404_for_an_unknown_department_and_405_for_a_write(
    memory_client: httpx.AsyncClient,
) -> None:
    assert_problem(await memory_client.get(f"{API}/departments/{UNKNOWN}/coverage"), 404, "not-found")
    assert_problem(await memory_client.get(f"{API}/departments/nope/coverage"), 422, "invalid-input", field="id")
    refused = await memory_client.post(f"{API}/departments/{UNKNOWN}/coverage", json={})
    assert_problem(refused, 405, "method-not-allowed")
    assert refused.headers["allow"] == "GET"


async def test_openapi_documents_the_domain_routes(memory_client: httpx.AsyncClient) -> None:
    document = (await memory_client.get("/openapi.json")).json()
    paths, schemas = document["paths"], document["components"]["schemas"]

    expected = {
        "/api/v1/departments/{id}/coverage": {"200", "400", "401", "403", "404", "413", "422", "500", "503"},
        "/api/v1/employees/{id}/competencies": {"200", "400", "401", "404", "413", "422", "500", "503"},
        "/api/v1/employees/{id}/gaps": {"200", "400", "401", "404", "413", "422", "500", "503"},
        "/api/v1/employees/{id}/recommendations": {"200", "400", "401", "404", "413", "422", "500", "503"},
    }
    for path, statuses in expected.items():
        operation = paths[path]["get"]
        assert set(operation["responses"]) == statuses, path
        assert operation["security"] == [{"OAuth2": []}]
    recommendations = paths["/api/v1/employees/{id}/recommendations"]["get"]
    parameters = {p["name"]: p for p in recommendations["parameters"]}
    assert set(parameters) == {"id", "limit", *(f"w_{name}" for name in FACTORS)}
    assert parameters["limit"]["schema"]["maximum"] == 50
    ok = recommendations["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/Recommendations"}
    assert schemas["Recommendation"]["properties"]["course"] == {"$ref": "#/components/schemas/Course"}
    assert set(schemas["RecommendationFactors"]["properties"]) == set(FACTORS)
    assert schemas["RequirementCoverage"]["properties"]["requirement"] == {"$ref": "#/components/schemas/Requirement"}
    assert set(schemas["EmployeeGap"]["required"]) >= {"requirement_id", "current_level", "company_wide"}
