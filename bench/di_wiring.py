"""Per-request cost of dependency wiring, in-process (no network): three FastAPI apps serve the
same trivial route and differ only in how the handler gets its service.

- plain:     a FastAPI `Depends` on an async function returning a module-level singleton;
- ours:      the service resolved once from the container when the router is built (closure);
- provide:   dependency-injector's `@inject` + `Depends(Provide[...])` marker (sync provider).

Run: `.venv/bin/python bench/di_wiring.py`. Prints µs per request for each, best of 5 rounds.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import httpx
from dependency_injector import containers, providers
from dependency_injector.wiring import Provide, inject
from fastapi import Depends, FastAPI


class Service:
    async def get(self) -> dict[str, int]:
        return {"ok": 1}


class Container(containers.DeclarativeContainer):
    service = providers.Singleton(Service)


SINGLETON = Service()


async def plain_dependency() -> Service:
    return SINGLETON


def plain_app() -> FastAPI:
    app = FastAPI()

    @app.get("/x")
    async def handler(service: Annotated[Service, Depends(plain_dependency)]) -> dict[str, int]:
        return await service.get()

    return app


def our_app(container: Container) -> FastAPI:
    app = FastAPI()
    service = container.service()  # resolved once, at build time

    @app.get("/x")
    async def handler() -> dict[str, int]:
        return await service.get()

    return app


def provide_app(container: Container) -> FastAPI:
    app = FastAPI()

    @app.get("/x")
    @inject
    async def handler(service: Service = Depends(Provide[Container.service])) -> dict[str, int]:
        return await service.get()

    container.wire(modules=[__name__])
    return app


async def per_request_us(app: FastAPI, n: int = 3000) -> float:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for _ in range(200):
            await client.get("/x")
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(n):
                await client.get("/x")
            best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


async def main() -> None:
    container = Container()
    results = {
        "plain FastAPI Depends": await per_request_us(plain_app()),
        "ours (resolved at build)": await per_request_us(our_app(container)),
        "Depends(Provide[...])": await per_request_us(provide_app(container)),
    }
    base = results["plain FastAPI Depends"]
    for name, us in results.items():
        print(f"{name:28s} {us:8.1f} µs/request  ({us - base:+.1f} µs vs plain)")


if __name__ == "__main__":
    asyncio.run(main())
