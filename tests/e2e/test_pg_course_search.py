"""Full-text search of courses on PostgreSQL: prefixes, case, accents (kept as they are),
tsquery and SQL metacharacters (plain separators, never an error), the query the database
receives (built from words only, bound as a parameter) and the GIN index serving it."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from adapters.postgres.database import Database
from tests.factories import course, persist
from upskill.domain.policy import EVERYTHING
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.resource import SEARCH_FIELD
from upskill.domain.training import Course

TITLES = {
    "fr": ("Éclairage de scène", "Lumière et ombres"),
    "cafe": ("Café culture", "Baristas, crème & co."),
    "plain": ("Cafe basics", "ECLAIRS for beginners"),
    "cpp": ("C++ in 21 days", "Templates: the <-> operator's (mis)use"),
    "quote": ("O'Reilly's SQL", "DROP TABLE courses; -- \\ back slash"),
}


@pytest.fixture
async def catalogue(db: Database) -> dict[str, Course]:
    made = {key: course(title=title, description=about) for key, (title, about) in TITLES.items()}
    await persist(db.unit_of_work, *made.values())
    return made


async def _found(db: Database, catalogue: dict[str, Course], q: str) -> list[str]:
    query = ListQuery(filters=(Filter(SEARCH_FIELD, Op.SEARCH, q),), sort=(SortKey("title"),), limit=200)
    async with db.unit_of_work() as uow:
        page = await uow.repository(Course).page(query, EVERYTHING)
    keys = {c.id: key for key, c in catalogue.items()}
    return sorted(keys[c.id] for c in page.items)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("éclair", ["fr"]),  # a prefix, accent kept
        ("ÉCLAIRAGE", ["fr"]),  # case folded beyond ASCII
        ("eclair", ["plain"]),  # no accent folding: "eclair" is not "éclair"
        ("café", ["cafe"]),
        ("CAFÉ CRÈME", ["cafe"]),
        ("caf", ["cafe", "plain"]),
        ("lumi omb", ["fr"]),
        ("21", ["cpp"]),
        ("c temp", ["cpp"]),
        ("reilly", ["quote"]),
        ("o reilly", ["quote"]),
        ("back slash", ["quote"]),
        ("scene", []),
    ],
)
async def test_words_match_as_prefixes_whatever_the_case_with_accents_as_they_are(
    db: Database, catalogue: dict[str, Course], q: str, expected: list[str]
) -> None:
    assert await _found(db, catalogue, q) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("O'Reilly", ["quote"]),
        ("'", sorted(TITLES)),
        ("c++ & templates", ["cpp"]),
        ("c | cafe", ["plain"]),  # both words: "c" and "cafe" start "Cafe"
        ("c | café", ["cafe"]),
        ("!cafe", ["plain"]),
        ("cafe:*", ["plain"]),
        ("basics:B", ["plain"]),
        ("basics:A", []),
        ("(cafe) (basics", ["plain"]),
        ("back\\slash", ["quote"]),
        ("\\", sorted(TITLES)),
        ("<-> operator", ["cpp"]),
        ("drop table courses; --", ["quote"]),
        ("'); DROP TABLE courses; --", ["quote"]),
        ("&|!():*'\\<->\"", sorted(TITLES)),
        ("", sorted(TITLES)),
    ],
)
async def test_metacharacters_are_separators_and_never_an_error(
    db: Database, catalogue: dict[str, Course], q: str, expected: list[str]
) -> None:
    assert await _found(db, catalogue, q) == expected


async def test_the_database_receives_a_bound_prefix_query_of_words_only(
    db: Database, catalogue: dict[str, Course]
) -> None:
    with db.statements() as seen:
        await _found(db, catalogue, "C++ & O'Reilly:*")
    statement, parameters = seen[0]
    assert "Reilly" not in statement
    assert "'C':* & 'O':* & 'Reilly':*" in parameters


async def test_the_search_is_served_by_the_gin_index(db: Database, catalogue: dict[str, Course]) -> None:
    async with db.unit_of_work() as uow:
        await (await uow.connection()).execute(text("SET LOCAL enable_seqscan = off"))
        plan = await (await uow.connection()).execute(
            text(
                "EXPLAIN SELECT id FROM courses "
                "WHERE search_vector @@ to_tsquery('simple'::regconfig, '''caf'':* & ''cu'':*')"
            )
        )
        assert "ix_courses_search_vector" in "\n".join(row[0] for row in plan)


async def test_the_search_vector_is_not_an_entity_field(db: Database, catalogue: dict[str, Course]) -> None:
    async with db.unit_of_work() as uow:
        found = await uow.repository(Course).get(catalogue["fr"].id)
    assert found == catalogue["fr"]
    assert not hasattr(found, "search_vector")
