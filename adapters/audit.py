"""The audit log as structured loguru lines: `audit=true` and `event` on every line, so a log
pipeline can route them apart. Callers pass ids and counts, never passwords or tokens."""

from __future__ import annotations

from loguru import logger


class LoguruAuditLog:
    def record(self, event: str, **fields: object) -> None:
        logger.bind(audit=True, event=event, **fields).info("audit {}", event)
