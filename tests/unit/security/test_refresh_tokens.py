"""Refresh tokens: opaque, 256 random bits, stored as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import re

from upskill.domain.security import hash_refresh_token, new_refresh_token


def test_a_refresh_token_is_256_random_bits_in_url_safe_text() -> None:
    tokens = {new_refresh_token() for _ in range(1000)}

    assert len(tokens) == 1000
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", token) for token in tokens)


def test_the_stored_form_is_the_sha_256_hex_digest() -> None:
    token = new_refresh_token()

    assert hash_refresh_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert hash_refresh_token(token) == hash_refresh_token(token)
    assert hash_refresh_token(token) != hash_refresh_token(token[:-1])


def test_any_presented_string_has_a_stored_form() -> None:
    assert re.fullmatch(r"[0-9a-f]{64}", hash_refresh_token("\ud800 not a token"))
