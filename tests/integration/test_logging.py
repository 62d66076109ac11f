"""What the service logs about requests: one access line each, with the route template and the
request id; one traceback per unexpected failure; never bodies or credentials."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import orjson
import pytest
from loguru import logger

from adapters.http.logging import configure_logging
from adapters.memory import MemoryStore
from tests.integration.conftest import (
    ADMIN_PASSWORD,
    API,
    build_stack,
    department,
    make_settings,
    memory_backend,
    serve,
)
from upskill.domain.ports import UnitOfWork

if TYPE_CHECKING:
    from loguru import Record


@pytest.fixture
def records() -> Iterator[list[Record]]:
    """Every loguru record made during the test."""
    seen: list[Record] = []
    sink = logger.add(lambda message: seen.append(message.record), level="DEBUG")
    yield seen
    logger.remove(sink)


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    logger.remove()
    logger.add(_current_stderr)
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = False


def _current_stderr(message: object) -> None:
    """Writes to the stream of the moment, not to a capture pytest has closed since."""
    sys.stderr.write(str(message))


def _access(records: list[Record]) -> list[dict[str, Any]]:
    return [r["extra"] for r in records if "route" in r["extra"]]


async def test_one_access_line_per_request_with_template_status_and_request_id(
    memory_client: httpx.AsyncClient, records: list[Record]
) -> None:
    created = await department(memory_client)
    records.clear()

    await memory_client.get(f"{API}/departments/{created['id']}", headers={"X-Request-ID": "trace-1"})
    await memory_client.get("/nowhere", headers={"X-Request-ID": "trace-2"})

    lines = _access(records)
    assert [(x["method"], x["route"], x["status"], x["request_id"]) for x in lines] == [
        ("GET", "/api/v1/departments/{id}", 200, "trace-1"),
        ("GET", "<unmatched>", 404, "trace-2"),
    ]
    assert all(isinstance(x["duration_ms"], float) for x in lines)


async def test_an_unexpected_error_is_logged_once_with_its_traceback(
    memory_store: MemoryStore, records: list[Record]
) -> None:
    def broken() -> UnitOfWork:
        raise RuntimeError("the store fell over")

    async with serve(build_stack(memory_backend(memory_store), crud_uow=broken)) as client:
        await client.get(f"{API}/departments", headers={"X-Request-ID": "trace-500"})

    mine = [r for r in records if r["extra"].get("request_id") == "trace-500"]
    exceptions = [r["exception"] for r in mine if r["exception"] is not None]
    assert [e.type for e in exceptions] == [RuntimeError]
    assert [x["status"] for x in _access(mine)] == [500]


async def test_json_lines_carry_the_request_id_and_no_body_or_credentials(
    memory_store: MemoryStore, capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure_logging(make_settings(log_json=True, log_level="DEBUG"))

    async with serve(build_stack(memory_backend(memory_store))) as client:
        token = client.headers["Authorization"].removeprefix("Bearer ")
        me = (await client.get(f"{API}/auth/me")).json()
        await client.post(
            f"{API}/departments", json={"name": "very-private-body"}, headers={"X-Request-ID": "trace-json"}
        )
    logging.getLogger("uvicorn.error").warning("from the standard library")

    output = capsys.readouterr().err
    lines = [orjson.loads(line) for line in output.splitlines() if line.strip()]
    access = [x for x in lines if x.get("route") == "/api/v1/departments"]
    assert len(access) == 1
    assert access[0]["request_id"] == "trace-json"
    assert access[0]["status"] == 201
    assert access[0]["level"] == "INFO"
    assert access[0]["user_id"] == me["id"]
    assert any(x["message"] == "from the standard library" for x in lines)
    assert "very-private-body" not in output
    assert token not in output
    assert token.split(".")[2] not in output  # not even the signature
    assert ADMIN_PASSWORD not in output
