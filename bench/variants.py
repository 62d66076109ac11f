"""Variants of the app for what-if runs (`python -m bench.run --app adapters.main:build_app` is
the default; `--app bench.variants:no_token_cache` measures what a change saves, or would).
Each variant is the real app with one thing changed, said in its docstring."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from adapters.main import build_app
from adapters.security import tokens


def no_token_cache() -> FastAPI:
    """The signer made with `cache_size=0`: every request checks its token's Ed25519 signature
    again (what the verified-token cache saves)."""
    original = tokens.JoseTokenSigner.__init__

    def init(self: tokens.JoseTokenSigner, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **{**kwargs, "cache_size": 0})

    tokens.JoseTokenSigner.__init__ = init  # type: ignore[method-assign]
    return build_app()
