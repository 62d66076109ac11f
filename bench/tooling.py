"""External tools the bench uses: wrk (installed from Debian when missing and possible) and,
on request, py-spy (a profile of the worker under the authenticated GET load)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bench.load import Load

if TYPE_CHECKING:
    from bench.harness import Harness
    from bench.servers import Server

TOP = 15


def ensure_wrk() -> None:
    """wrk on PATH, else `apt-get install -y wrk` when root with apt; else exit with how to."""
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is missing: installing the Debian package", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False).returncode != 0:  # noqa: S603
            subprocess.run(["apt-get", "update", "-q"], check=False)  # noqa: S607
            subprocess.run(install, check=False)  # noqa: S603
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: `sudo apt-get install -y wrk` (Debian/Ubuntu), `brew install wrk` (macOS)")


def py_spy_top(app: Server, harness: Harness, seconds: int, key: str = "get_employee") -> list[str]:
    """Record the worker with py-spy while bench `key` runs; the top frames, as report notes
    (the collapsed stacks in results/profile-<key>.raw). Needs `pip install py-spy` and ptrace
    rights (root, or CAP_SYS_PTRACE)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return ["py-spy not installed (`.venv/bin/pip install py-spy`): no profile"]
    from bench.benches import BENCHES

    bench = next(b for b in BENCHES if b.key == key)
    data = {**harness.ctx.side("app"), **bench.data(harness.ctx, "app")}
    connections = bench.connections or harness.profile.connections
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "stacks.txt"
        load = Load.start(
            app.base, bench.script, data, connections=connections, duration_s=seconds + 2, cpus=harness.load_cpus
        )
        command = [spy, "record", "-p", str(app.pid), "-d", str(seconds), "-r", "250", "-f", "raw", "-o", str(raw)]
        spied = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        load.result()
        if spied.returncode != 0 or not raw.exists():
            return [f"py-spy failed: {spied.stderr.strip()[:300]}"]
        stacks = raw.read_text().splitlines()
    (RESULTS / f"profile-{key}.raw").write_text("\n".join(stacks) + "\n")
    return summarise(stacks, key)


RESULTS = Path(__file__).parent / "results"


def summarise(stacks: list[str], key: str = "get_employee") -> list[str]:
    """Top frames by own time, and the project's own frames (adapters/, upskill/) by total
    time, from py-spy's collapsed stacks. Pool threads waiting for work are left out; the
    event loop's own frame stands for uvloop's C code (I/O, HTTP parsing) and idle time."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in stacks:
        frames, _, count = line.rpartition(" ")
        if not frames or not count.isdigit():
            continue
        parts = frames.split(";")
        if parts[-1].startswith("_worker (concurrent/futures/thread.py"):
            continue
        n = int(count)
        samples += n
        own[parts[-1]] += n
        for frame in set(parts):
            if "(adapters/" in frame or "(upskill/" in frame:
                total[frame] += n
    if not samples:
        return ["py-spy recorded no samples"]

    def lines(counter: Counter[str]) -> str:
        return "; ".join(f"{frame} {n / samples:.0%}" for frame, n in counter.most_common(TOP))

    return [
        f"py-spy, {samples} samples of the worker under the {key} load; top own time: {lines(own)}",
        f"py-spy, project frames by total time: {lines(total)}",
    ]
