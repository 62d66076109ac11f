"""Schema migrations (Alembic), driven from code: no ini file is needed.

`upgrade` and `downgrade` are synchronous and run an event loop of their own inside (the
async `env.py`); from async code call them through `asyncio.to_thread`. Concurrent runs
(several replicas starting at once) are serialised by an advisory lock in `env.py`.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = Path(__file__).parent / "migrations"


def config(url: str | None = None) -> Config:
    """An Alembic configuration for the migrations of this package, on `url` if given."""
    from alembic.config import Config  # a serving worker never needs alembic: imported here

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPT_LOCATION))
    cfg.attributes["url"] = url  # not a main option: a URL's '%' would be taken for interpolation
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(config(url), revision)


def _parents() -> dict[str, str | None]:
    """Each revision's `down_revision`, read from the scripts' own assignments (`ast`, nothing
    imported): what the readiness check needs, without the ~10 MiB alembic costs a worker. A
    test holds it equal to alembic's reading."""
    parents: dict[str, str | None] = {}
    for path in sorted((SCRIPT_LOCATION / "versions").glob("*.py")):
        found: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target: ast.expr
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                found[target.id] = ast.literal_eval(value)
        revision, parent = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or not (parent is None or isinstance(parent, str)):
            raise RuntimeError(f"{path.name}: a linear history is expected (one string revision and down_revision)")
        parents[revision] = parent
    return parents


def head() -> str:
    """The newest revision; raises RuntimeError if the history has no head or more than one."""
    return _head(_parents())


def _head(parents: dict[str, str | None]) -> str:
    heads = set(parents) - set(parents.values())
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads, not one")
    return heads.pop()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    parents = _parents()
    found = [_head(parents)]
    while (parent := parents[found[-1]]) is not None:
        found.append(parent)
    return found[::-1]
