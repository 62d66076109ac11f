"""Value rules for text shared by entities."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields

from upskill.domain.errors import FieldError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_name(field: str, value: str) -> list[FieldError]:
    if not value.strip():
        return [FieldError(field, "must not be blank")]
    return []


def check_email(field: str, value: str) -> list[FieldError]:
    """An address, spelt without compatibility characters (NFKC-stable): `ann@…` in
    full-width letters would otherwise be a second record beside `ann@…`, which the
    case-insensitive unique constraints cannot see."""
    if not _EMAIL.match(value):
        return [FieldError(field, "is not an email address")]
    if unicodedata.normalize("NFKC", value) != value:
        return [FieldError(field, "must use plain characters (NFKC), not look-alike compatibility forms")]
    return []


def check_no_nul(record: object) -> list[FieldError]:
    """Text may not contain NUL characters (PostgreSQL cannot store them)."""
    return [
        FieldError(f.name, "must not contain NUL characters")
        for f in fields(record)  # type: ignore[arg-type]
        if isinstance(value := getattr(record, f.name), str) and "\x00" in value
    ]
