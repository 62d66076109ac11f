"""The ASGI application as served: the container wired into the HTTP adapter.

`uvicorn adapters.main:build_app --factory` (what `upskill serve` runs).
"""

from __future__ import annotations

import gc
from functools import partial

from fastapi import FastAPI

from adapters.container import Container, shutdown, start
from adapters.http.app import create_app
from adapters.http.logging import configure_logging


async def freeze_heap() -> None:
    """Move everything made at start-up (modules, the app, its models and tables) out of the
    garbage collector's reach: full collections then only walk what requests made, instead of
    pausing every so often for the whole heap — the longest of those pauses were the p99."""
    gc.collect()
    gc.freeze()


def build_app(container: Container | None = None) -> FastAPI:
    container = container if container is not None else Container()
    settings = container.settings()
    configure_logging(settings)

    async def ready() -> None:
        await container.ready()()

    return create_app(
        settings=settings,
        services=container.crud_services(),
        auth=container.auth(),
        sign_in=container.sign_in(),
        signer=container.token_signer(),
        training=container.training(),
        ready=ready,
        on_startup=[partial(start, container), freeze_heap],
        on_shutdown=[partial(shutdown, container)],
        metrics_registry=container.metrics_registry(),
        pool_stats=container.pool_stats(),
        events=container.events(),
        idempotency=container.idempotency(),
    )
