"""The generic CRUD routes, on both storage adapters."""

from __future__ import annotations

import uuid

import httpx

from tests.integration.conftest import API, assert_problem, department, employee


async def test_create_answers_201_with_location_etag_and_the_record(client: httpx.AsyncClient) -> None:
    response = await client.post(f"{API}/departments", json={"name": "Sales", "description": "Sells"})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "version", "created_at", "updated_at", "name", "description"}
    assert body["version"] == 1
    assert body["name"] == "Sales"
    assert body["created_at"].endswith("Z")
    assert response.headers["location"] == f"{API}/departments/{body['id']}"
    assert response.headers["etag"] == 'W/"1"'
    fetched = await client.get(response.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json() == body
    assert fetched.headers["etag"] == 'W/"1"'


async def test_create_fills_defaults_and_refuses_read_only_or_unknown_fields(client: httpx.AsyncClient) -> None:
    created = await department(client)
    assert created["description"] is None

    read_only = await client.post(f"{API}/departments", json={"name": "Ops", "id": str(uuid.uuid4()), "version": 7})
    body = assert_problem(read_only, 422, "invalid-input", field="id")
    assert {"field": "version", "message": "is read-only"} in body["errors"]
    unknown = await client.post(f"{API}/departments", json={"name": "Ops", "budget": 1})
    assert_problem(unknown, 422, "invalid-input", field="budget")
    listed = await client.get(f"{API}/departments")
    assert [d["name"] for d in listed.json()["items"]] == ["Sales"]


async def test_invalid_values_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    dept = await department(client)

    assert_problem(await client.post(f"{API}/departments", json={}), 422, "invalid-input", field="name")
    assert_problem(await client.post(f"{API}/departments", json={"name": "  "}), 422, "invalid-input", field="name")
    assert_problem(
        await client.post(f"{API}/departments", json={"name": "x" * 201}), 422, "invalid-input", field="name"
    )
    bad_email = await client.post(
        f"{API}/employees",
        json={"full_name": "Ann", "email": "not-an-email", "department_id": dept["id"], "hired_on": "2021-01-01"},
    )
    assert_problem(bad_email, 422, "invalid-input", field="email")
    bad_date = await client.post(
        f"{API}/employees",
        json={"full_name": "Ann", "email": "a@example.com", "department_id": dept["id"], "hired_on": "yesterday"},
    )
    assert_problem(bad_date, 422, "invalid-input", field="hired_on")
    assert_problem(await client.get(f"{API}/departments/not-a-uuid"), 422, "invalid-input", field="id")


async def test_a_reference_to_a_missing_record_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/employees",
        json={
            "full_name": "Ann",
            "email": "a@example.com",
            "department_id": str(uuid.uuid4()),
            "hired_on": "2021-01-01",
        },
    )

    assert_problem(response, 422, "invalid-reference", field="department_id")


async def test_duplicates_and_deleting_a_referenced_record_are_409(client: httpx.AsyncClient) -> None:
    dept = await department(client, "Sales")
    await employee(client, dept["id"])

    assert_problem(await client.post(f"{API}/departments", json={"name": "SALES"}), 409, "conflict")
    assert_problem(await client.delete(f"{API}/departments/{dept['id']}"), 409, "conflict")
    assert (await client.get(f"{API}/departments/{dept['id']}")).status_code == 200


async def test_get_with_the_current_etag_is_304(client: httpx.AsyncClient) -> None:
    dept = await department(client)
    url = f"{API}/departments/{dept['id']}"

    not_modified = await client.get(url, headers={"If-None-Match": 'W/"1"'})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == 'W/"1"'
    assert (await client.get(url, headers={"If-None-Match": '"0", W/"1"'})).status_code == 304
    assert (await client.get(url, headers={"If-None-Match": "*"})).status_code == 304
    assert (await client.get(url, headers={"If-None-Match": 'W/"2"'})).status_code == 200


async def test_merge_patch_changes_given_fields_and_null_clears(client: httpx.AsyncClient) -> None:
    dept = await department(client, "Sales", description="Sells things")
    url = f"{API}/departments/{dept['id']}"

    renamed = await client.patch(url, json={"name": "Field Sales"})
    assert renamed.status_code == 200
    assert renamed.json() | {"updated_at": None} == dept | {"name": "Field Sales", "version": 2, "updated_at": None}
    assert renamed.headers["etag"] == 'W/"2"'
    cleared = await client.patch(
        url, content=b'{"description": null}', headers={"Content-Type": "application/merge-patch+json"}
    )
    assert cleared.status_code == 200
    assert cleared.json()["description"] is None
    assert cleared.json()["name"] == "Field Sales"
    assert cleared.json()["version"] == 3
    stored = (await client.get(url)).json()
    assert stored == cleared.json()


async def test_patch_refuses_null_for_required_and_read_only_fields(client: httpx.AsyncClient) -> None:
    dept = await department(client)
    url = f"{API}/departments/{dept['id']}"

    assert_problem(await client.patch(url, json={"name": None}), 422, "invalid-input", field="name")
    assert_problem(await client.patch(url, json={"version": 5}), 422, "invalid-input", field="version")
    assert (await client.get(url)).json() == dept


async def test_put_replaces_every_writable_field(client: httpx.AsyncClient) -> None:
    dept = await department(client, "Sales", description="Sells things")
    url = f"{API}/departments/{dept['id']}"

    replaced = await client.put(url, json={"name": "Marketing"})

    assert replaced.status_code == 200
    assert replaced.json()["name"] == "Marketing"
    assert replaced.json()["description"] is None
    assert replaced.json()["version"] == 2
    assert_problem(await client.put(url, json={"description": "no name"}), 422, "invalid-input", field="name")
    assert (await client.get(url)).json() == replaced.json()


async def test_if_match_guards_writes(client: httpx.AsyncClient) -> None:
    dept = await department(client)
    url = f"{API}/departments/{dept['id']}"

    assert (await client.patch(url, json={"name": "A"}, headers={"If-Match": 'W/"1"'})).status_code == 200
    assert_problem(await client.patch(url, json={"name": "B"}, headers={"If-Match": 'W/"1"'}), 412, "stale-version")
    assert_problem(await client.put(url, json={"name": "B"}, headers={"If-Match": "1"}), 412, "stale-version")
    assert_problem(await client.delete(url, headers={"If-Match": '"1"'}), 412, "stale-version")
    malformed = await client.patch(url, json={"name": "B"}, headers={"If-Match": "version one"})
    assert_problem(malformed, 400, "bad-request", field="If-Match")
    assert (await client.get(url)).json()["name"] == "A"
    assert (await client.put(url, json={"name": "C"}, headers={"If-Match": "2"})).status_code == 200
    assert (await client.delete(url, headers={"If-Match": 'W/"3"'})).status_code == 204


async def test_delete_answers_204_then_the_record_is_gone(client: httpx.AsyncClient) -> None:
    dept = await department(client)
    url = f"{API}/departments/{dept['id']}"

    deleted = await client.delete(url)

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await client.get(url), 404, "not-found")
    assert_problem(await client.delete(url), 404, "not-found")
    assert_problem(await client.patch(url, json={"name": "X"}), 404, "not-found")


async def test_employees_round_trip_dates_and_references(client: httpx.AsyncClient) -> None:
    dept = await department(client)
    boss = await employee(client, dept["id"], full_name="Bea Boss")
    worker = await employee(client, dept["id"], full_name="Cal Worker", manager_id=boss["id"], hired_on="2022-02-28")

    assert worker["manager_id"] == boss["id"]
    assert worker["hired_on"] == "2022-02-28"
    left = await client.patch(f"{API}/employees/{worker['id']}", json={"left_on": "2022-01-01"})
    assert_problem(left, 422, "invalid-input", field="left_on")
    own_manager = await client.patch(f"{API}/employees/{boss['id']}", json={"manager_id": boss["id"]})
    assert_problem(own_manager, 422, "invalid-input", field="manager_id")
    unmanaged = await client.patch(f"{API}/employees/{worker['id']}", json={"manager_id": None})
    assert unmanaged.json()["manager_id"] is None
