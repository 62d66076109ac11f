"""What a change records: the fields that differ, from → to, never a hidden value."""

from __future__ import annotations

from datetime import date

from tests.factories import employee, user
from upskill.domain.events import changes, shown, to_json
from upskill.domain.principal import Role
from upskill.domain.resources import EMPLOYEES, USERS


def test_a_password_change_shows_the_field_password_without_values() -> None:
    before = user(role=Role.EMPLOYEE, password_hash="$argon2id$old")
    after = before.evolve(password_hash="$argon2id$new", role=Role.MANAGER, version=2)
    found = changes(USERS, before, after)
    assert found == {"password": {}, "role": {"from": "employee", "to": "manager"}}
    assert "argon2" not in repr(found)


def test_a_hidden_field_never_appears_in_data_nor_in_a_create() -> None:
    made = user(password_hash="$argon2id$secret")
    assert "password_hash" not in shown(USERS, made)
    assert "argon2" not in repr(changes(USERS, None, made))
    assert "argon2" not in repr(changes(USERS, made, None))


def test_values_are_json() -> None:
    record = employee(department_id=user().id, hired_on=date(2024, 1, 2))
    data = shown(EMPLOYEES, record)
    assert data["hired_on"] == "2024-01-02"
    assert data["id"] == str(record.id)
    assert data["created_at"].endswith("Z")
    assert to_json((1, frozenset({"a"}))) == [1, ["a"]]
    moved = changes(EMPLOYEES, record, record.evolve(hired_on=date(2024, 2, 1)))
    assert moved == {"hired_on": {"from": "2024-01-02", "to": "2024-02-01"}}
