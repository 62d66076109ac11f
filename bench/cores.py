"""Which CPUs run what: the server under test, the load generator and (when it is ours) the
embedded PostgreSQL, each pinned with `taskset` so that they do not steal each other's time.

With 2 CPUs: server on CPU 0; wrk and PostgreSQL share CPU 1. With 3: one each. With more:
server on 0, wrk on 1, PostgreSQL on the rest. A single CPU runs everything together (pinning
is then pointless and skipped). Both the app and the floor get the same plan.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CorePlan:
    server: str
    load: str
    postgres: str

    def describe(self) -> str:
        return f"server CPU {self.server}, wrk CPU {self.load}, PostgreSQL CPU {self.postgres}"


def plan() -> CorePlan | None:
    """None when there is a single CPU or no `taskset`."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or shutil.which("taskset") is None:
        return None
    server, load, *rest = cpus
    postgres = ",".join(str(c) for c in rest) if rest else str(load)
    return CorePlan(str(server), str(load), postgres)


def pinned(command: list[str], cpus: str | None) -> list[str]:
    """`command` run on `cpus` (as is when None)."""
    return command if cpus is None else ["taskset", "-c", cpus, *command]


def pin_process_tree(pid: int, cpus: str) -> int:
    """Pin a running process, its threads and its children (PostgreSQL's backends; new ones
    fork from the postmaster and inherit). Returns how many processes were pinned."""
    pids = [pid, *_children(pid)]
    for each in pids:
        subprocess.run(  # noqa: S603
            ["taskset", "-a", "-p", "-c", cpus, str(each)],  # noqa: S607
            check=False,
            capture_output=True,
        )
    return len(pids)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(p) for p in task.read_text().split()]
        except OSError:
            continue
    return found
