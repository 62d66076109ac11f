"""Schema migrations (Alembic), driven from code: no ini file is needed.

`upgrade` and `downgrade` are synchronous and run an event loop of their own inside (the
async `env.py`); from async code call them through `asyncio.to_thread`. Concurrent runs
(several replicas starting at once) are serialised by an advisory lock in `env.py`.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def config(url: str | None = None) -> Config:
    """An Alembic configuration for the migrations of this package, on `url` if given."""
    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.attributes["url"] = url  # not a main option: a URL's '%' would be taken for interpolation
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(config(url), revision)


def head() -> str:
    """The newest revision; raises RuntimeError if the history has more than one head."""
    current = ScriptDirectory.from_config(config()).get_current_head()
    if current is None:
        raise RuntimeError("there are no migrations")
    return current


def revisions() -> list[str]:
    """Every revision, oldest first."""
    scripts = ScriptDirectory.from_config(config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]
