"""Credential primitives: argon2id password hashing (pwdlib) and JWT access tokens (joserfc)."""
