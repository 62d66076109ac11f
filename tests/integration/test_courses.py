"""The course catalogue over HTTP on both adapters: nested `covers` in bodies, responses and
filters, float fields, and `q` full-text search."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.conftest import API, assert_problem, create

UNKNOWN = "01900000-0000-7000-8000-000000000000"


async def _competencies(client: httpx.AsyncClient, *names: str) -> list[str]:
    return [(await create(client, "competencies", name=name))["id"] for name in names]


async def _titles(client: httpx.AsyncClient, **params: str) -> list[str]:
    response = await client.get(f"{API}/courses", params=params)
    assert response.status_code == 200, response.text
    return [c["title"] for c in response.json()["items"]]


async def test_a_course_round_trips_its_covers_and_writes_replace_them_whole(client: httpx.AsyncClient) -> None:
    sql, python = await _competencies(client, "SQL", "Python")
    covers = [{"competency_id": sql, "level": "advanced"}, {"competency_id": python, "level": "basic"}]
    body = {"title": "Data", "provider": "Acme", "duration_hours": 12.5, "rating": 4.25, "learners": 7}

    created = await create(client, "courses", **body, covers=covers)

    assert created["covers"] == covers
    assert {k: created[k] for k in body} == body
    fetched = await client.get(f"{API}/courses/{created['id']}")
    assert fetched.json() == created
    patched = await client.patch(f"{API}/courses/{created['id']}", json={"covers": [covers[1]]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["covers"] == [covers[1]]
    assert patched.json()["version"] == 2
    replaced = await client.put(f"{API}/courses/{created['id']}", json={"title": "Data 2"})
    assert replaced.json()["covers"] == []  # PUT: omitted fields take their default
    assert replaced.json()["rating"] == 0.0
    cleared = await client.patch(f"{API}/courses/{created['id']}", json={"covers": None})
    assert_problem(cleared, 422, "invalid-input", field="covers")
    assert (await client.get(f"{API}/courses/{created['id']}")).json() == replaced.json()


async def test_a_bad_cover_item_is_422_naming_the_item_field(client: httpx.AsyncClient) -> None:
    (sql,) = await _competencies(client, "SQL")
    good = {"competency_id": sql, "level": "basic"}
    cases: list[tuple[Any, str, str]] = [
        ([{"competency_id": sql, "level": "guru"}], "invalid-input", "covers.0.level"),
        ([good, {"competency_id": sql}], "invalid-input", "covers.1.level"),
        ([{**good, "colour": "red"}], "invalid-input", "covers.0.colour"),
        ([{"competency_id": "nope", "level": "basic"}], "invalid-input", "covers.0.competency_id"),
        ([good, {"competency_id": sql, "level": "expert"}], "invalid-input", "covers.1.competency_id"),  # twice
        ([{"competency_id": UNKNOWN, "level": "basic"}], "invalid-reference", "covers.0.competency_id"),
        ({"competency_id": sql, "level": "basic"}, "invalid-input", "covers"),
    ]
    for covers, slug, field in cases:
        response = await client.post(f"{API}/courses", json={"title": "Course", "covers": covers})
        body = assert_problem(response, 422, slug, field=field)
        if field == "covers.0.colour":
            assert body["errors"] == [{"field": field, "message": "is not a field of this item"}]
    assert await _titles(client) == []


async def test_numbers_are_checked(client: httpx.AsyncClient) -> None:
    cases = [
        ({"rating": 5.5}, "rating"),
        ({"rating": -1}, "rating"),
        ({"duration_hours": 0}, "duration_hours"),
        ({"learners": -1}, "learners"),
        ({"learners": 1.5}, "learners"),
        ({"url": "ftp://example.com/x"}, "url"),
    ]
    for extra, field in cases:
        response = await client.post(f"{API}/courses", json={"title": "Course", **extra})
        assert_problem(response, 422, "invalid-input", field=field)
    not_finite = await client.post(
        f"{API}/courses", content=b'{"title": "Course", "rating": NaN}', headers={"Content-Type": "application/json"}
    )
    assert_problem(not_finite, 422, "invalid-input", field="rating")
    assert await _titles(client) == []


async def test_a_competency_that_a_course_covers_cannot_be_deleted(client: httpx.AsyncClient) -> None:
    sql, python = await _competencies(client, "SQL", "Python")
    course = await create(client, "courses", title="Data", covers=[{"competency_id": sql, "level": "basic"}])

    assert_problem(await client.delete(f"{API}/competencies/{sql}"), 409, "conflict")
    assert (await client.delete(f"{API}/competencies/{python}")).status_code == 204
    assert (await client.delete(f"{API}/courses/{course['id']}")).status_code == 204
    assert (await client.delete(f"{API}/competencies/{sql}")).status_code == 204


async def test_cover_filters_hold_for_one_and_the_same_item(client: httpx.AsyncClient) -> None:
    sql, python = await _competencies(client, "SQL", "Python")
    await create(
        client,
        "courses",
        title="Mixed",
        covers=[{"competency_id": sql, "level": "basic"}, {"competency_id": python, "level": "expert"}],
    )
    await create(client, "courses", title="Deep SQL", covers=[{"competency_id": sql, "level": "expert"}])
    await create(client, "courses", title="Nothing")

    assert await _titles(client, **{"covers.competency_id": sql}) == ["Deep SQL", "Mixed"]
    assert await _titles(client, **{"covers.competency_id": sql, "covers.level": "expert"}) == ["Deep SQL"]
    assert await _titles(client, **{"covers.level__in": "expert,advanced"}) == ["Deep SQL", "Mixed"]
    assert await _titles(client, **{"covers.competency_id__in": python}) == ["Mixed"]
    assert_problem(
        await client.get(f"{API}/courses", params={"covers.level": "guru"}), 400, "invalid-query", field="covers.level"
    )
    assert_problem(
        await client.get(f"{API}/courses", params={"covers.colour": "x"}), 400, "invalid-query", field="covers.colour"
    )
    assert_problem(await client.get(f"{API}/courses", params={"covers.level__gte": "basic"}), 400, "invalid-query")


async def test_q_matches_word_prefixes_of_title_and_description(client: httpx.AsyncClient) -> None:
    await create(client, "courses", title="Advanced SQL", description="Window functions and CTEs", rating=4.5)
    await create(client, "courses", title="Python for data", description="Pandas, NumPy", rating=3.0)
    await create(client, "courses", title="Data modelling", rating=4.0)

    assert await _titles(client, q="sql") == ["Advanced SQL"]
    assert await _titles(client, q="WIN func") == ["Advanced SQL"]
    assert await _titles(client, q="data") == ["Data modelling", "Python for data"]
    assert await _titles(client, q="data pand") == ["Python for data"]
    assert await _titles(client, q="ata") == []  # prefixes of words, not substrings
    assert await _titles(client, q="data", rating__gte="3.5") == ["Data modelling"]
    assert await _titles(client, q="data", sort="-rating") == ["Data modelling", "Python for data"]
    assert_problem(await client.get(f"{API}/courses", params={"q": " "}), 400, "invalid-query", field="q")
    assert_problem(await client.get(f"{API}/courses", params={"rating__gte": "nan"}), 400, "invalid-query")


async def test_openapi_documents_covers_and_its_filters(memory_client: httpx.AsyncClient) -> None:
    document = (await memory_client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    parameters = {p["name"] for p in document["paths"]["/api/v1/courses"]["get"]["parameters"]}

    assert {"q", "covers.competency_id", "covers.level__in", "rating__gte"} <= parameters
    assert "q__search" not in parameters
    assert schemas["CourseInput"]["properties"]["covers"]["type"] == "array"
    assert schemas["Course"]["properties"]["covers"]["items"]["$ref"].startswith("#/components/schemas/CourseCoverage")
