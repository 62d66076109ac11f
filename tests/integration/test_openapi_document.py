"""The OpenAPI document as files are made of it (`upskill openapi`): the same as the app serves,
stable, and what the committed copy that the TypeScript client is generated from says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.cli import main
from adapters.openapi import openapi_document, openapi_text
from tests.integration.conftest import Stack, serve

COMMITTED = Path(__file__).parents[2] / "clients" / "typescript" / "openapi.json"


def test_the_committed_document_is_what_the_app_serves() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == openapi_text(), (
        "clients/typescript/openapi.json differs from the app's document: run `make openapi` and commit"
    )


async def test_the_command_writes_the_served_document(memory_stack: Stack) -> None:
    async with serve(memory_stack, as_admin=False) as client:
        served = (await client.get("/openapi.json")).json()

    assert openapi_document() == served


def test_the_command_writes_sorted_keys_and_a_final_newline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "openapi.json"
    assert main(["openapi", "--output", str(target)]) == 0
    assert main(["openapi"]) == 0

    text = target.read_text(encoding="utf-8")
    assert capsys.readouterr().out == text
    assert text.endswith("}\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_servers_license_and_security_of_every_operation() -> None:
    document = openapi_document()
    assert document["servers"] == [{"url": "/", "description": document["servers"][0]["description"]}]
    assert document["info"]["license"]["identifier"] == "LicenseRef-Proprietary"
    public = set()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] in ([], [{"OAuth2": []}]), (method, path)
            assert "413" in operation["responses"], (method, path)
            if operation["security"] == []:
                public.add(f"{method.upper()} {path}")
    assert public == {
        "GET /.well-known/jwks.json",
        "GET /.well-known/oauth-authorization-server",
        "POST /api/v1/auth/register",
        "POST /api/v1/auth/revoke",
        "POST /api/v1/auth/token",
        "GET /health/live",
        "GET /health/ready",
        "GET /metrics",
        "GET /problems/{slug}",
    }
