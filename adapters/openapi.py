"""The OpenAPI document of the service as files are made of it (`upskill openapi`, the committed
`clients/typescript/openapi.json`): the app built by the container, as `upskill serve` builds it,
on the memory storage with a throwaway signing key, since the document depends on neither."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from dependency_injector import providers

from adapters.container import Container
from adapters.main import build_app
from adapters.settings import Settings


def openapi_document() -> dict[str, Any]:
    """`/openapi.json` of the app built with default settings (bar storage and keys)."""
    with tempfile.TemporaryDirectory(prefix="upskill-openapi-") as data_dir:
        container = Container()
        settings = Settings(_env_file=None, storage="memory", env="test", data_dir=Path(data_dir))
        container.settings.override(providers.Object(settings))
        app = build_app(container)
        return app.openapi()


def openapi_text() -> str:
    """The document as stable text: keys sorted, two-space indent, non-ASCII kept, final newline."""
    return json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
