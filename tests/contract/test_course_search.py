"""Repository port: full-text search of courses (`q`, Op.SEARCH over title and description) —
every query word must start a word of either field, whatever the case; punctuation, including
the operators of PostgreSQL's tsquery, is only a word separator; a query without words matches
every course."""

from __future__ import annotations

import pytest

from tests.factories import course, persist
from upskill.domain.errors import InvalidQuery
from upskill.domain.organisation import Department
from upskill.domain.policy import EVERYTHING
from upskill.domain.ports import UnitOfWorkFactory
from upskill.domain.query import Filter, ListQuery, Op, SortKey
from upskill.domain.resource import SEARCH_FIELD
from upskill.domain.training import Course

CATALOGUE = {
    "py": ("Python for Data Science", "Pandas, NumPy and plotting"),
    "rs": ("C++ & Rust: systems programming", None),
    "sql": ("SQL basics", "Joins, indexes; query plans (EXPLAIN)"),
    "dd": ("Data-driven design", "Deciding with A/B tests"),
    "up": ("PYTHON ADVANCED", "decorators: metaclasses & descriptors"),
    "us": ("snake_case naming", "Style guide"),
    "em": ("Release notes", "v3.5 by ada@example.com; see https://x.org/a_b"),
}
EVERY = sorted(CATALOGUE)


@pytest.fixture
async def catalogue(uow_factory: UnitOfWorkFactory) -> dict[str, Course]:
    made = {key: course(title=title, description=description) for key, (title, description) in CATALOGUE.items()}
    await persist(uow_factory, *made.values())
    return made


async def _search(uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str, *more: Filter) -> list[str]:
    filters = (Filter(SEARCH_FIELD, Op.SEARCH, text), *more)
    query = ListQuery(filters=filters, sort=(SortKey("title"),), limit=200, with_total=True)
    async with uow_factory() as uow:
        page = await uow.repository(Course).page(query, EVERYTHING)
    assert page.total == len(page.items)
    keys = {c.id: k for k, c in catalogue.items()}
    return sorted(keys[c.id] for c in page.items)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python", ["py", "up"]),
        ("pyth", ["py", "up"]),
        ("ython", []),
        ("p", ["py", "rs", "sql", "up"]),
        ("plot", ["py"]),
        ("numpy", ["py"]),
        ("num", ["py"]),
        ("sci", ["py"]),
    ],
)
async def test_each_word_matches_as_a_prefix(
    uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str, expected: list[str]
) -> None:
    assert await _search(uow_factory, catalogue, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python data", ["py"]),
        ("data python", ["py"]),
        ("python desc", ["up"]),
        ("python java", []),
        ("sql joins plans", ["sql"]),
        ("da de", ["dd"]),
        ("da sc", ["py"]),
    ],
)
async def test_every_word_must_match_in_title_or_description(
    uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str, expected: list[str]
) -> None:
    assert await _search(uow_factory, catalogue, text) == expected


@pytest.mark.parametrize("text", ["PYTHON", "Python", "pYtHoN", "python"])
async def test_case_does_not_matter(uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str) -> None:
    assert await _search(uow_factory, catalogue, text) == ["py", "up"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rust:", ["rs"]),
        ("c++ rust", ["rs"]),
        ("systems!", ["rs"]),
        ("(explain)", ["sql"]),
        ("data-driven", ["dd"]),
        ("driven", ["dd"]),
        ("tests.", ["dd"]),
        ("a/b", ["dd", "em"]),
        ("example.com", ["em"]),
        ("ada@", ["em"]),
        ("v3.5 x", ["em"]),
        ("5 by", ["em"]),
        ("https org", ["em"]),
        ("snake_case", ["us"]),
        ("case", ["us"]),
        ("python & !data", ["py"]),
        ("python | rust", []),
        ("python:* <-> data", ["py"]),
        ("'python' \\ \"data\"", ["py"]),
        ("plot:A", ["py"]),
    ],
)
async def test_punctuation_and_operators_are_plain_separators(
    uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str, expected: list[str]
) -> None:
    assert await _search(uow_factory, catalogue, text) == expected


@pytest.mark.parametrize("text", ["", "   ", "&", "!()|:*'", "-- ;"])
async def test_a_query_without_words_matches_every_course(
    uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course], text: str
) -> None:
    assert await _search(uow_factory, catalogue, text) == EVERY


async def test_search_combines_with_other_filters(uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course]) -> None:
    found = await _search(uow_factory, catalogue, "python", Filter("title", Op.CONTAINS, "advanced"))
    assert found == ["up"]


async def test_search_follows_an_update(uow_factory: UnitOfWorkFactory, catalogue: dict[str, Course]) -> None:
    renamed = catalogue["sql"].evolve(title="Relational modelling", description=None, version=2)
    async with uow_factory() as uow:
        await uow.repository(Course).update(renamed, expected_version=1)
        await uow.commit()
    assert await _search(uow_factory, catalogue, "joins") == []
    assert await _search(uow_factory, catalogue, "relat model") == ["sql"]


@pytest.mark.parametrize(
    ("entity", "flt"),
    [(Course, Filter(SEARCH_FIELD, Op.EQ, "python")), (Department, Filter(SEARCH_FIELD, Op.SEARCH, "python"))],
)
async def test_search_is_only_the_search_operator_on_a_searchable_resource(
    uow_factory: UnitOfWorkFactory, entity: type[Course] | type[Department], flt: Filter
) -> None:
    async with uow_factory() as uow:
        with pytest.raises(InvalidQuery):
            await uow.repository(entity).page(ListQuery(filters=(flt,), sort=(SortKey("id"),)), EVERYTHING)
