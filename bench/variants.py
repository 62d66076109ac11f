"""Variants of the app for what-if runs (`python -m bench.run --app adapters.main:build_app` is
the default; `--app bench.variants:no_pre_ping` measures a proposed change before anyone makes
it). Each variant is the real app with one thing changed, said in its docstring."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext import asyncio as sqlalchemy_asyncio

import adapters.postgres.database as database
from adapters.main import build_app


def no_pre_ping() -> FastAPI:
    """The engine made with `pool_pre_ping=False`: the asyncpg dialect pings inside a
    transaction (BEGIN; `;`; ROLLBACK: three round trips per checkout)."""
    make = sqlalchemy_asyncio.create_async_engine

    def engine(url: str, **options: Any) -> Any:
        return make(url, **{**options, "pool_pre_ping": False})

    database.create_async_engine = engine  # type: ignore[attr-defined,assignment]
    return build_app()
