"""Load generation: wrk with a fixed number of connections (one per wrk thread, see
`lua/common.lua`) for a fixed time, pinned to the load CPU. The script wrk runs is written per
run: the run's data as a Lua table, then `common.lua`, then the endpoint's script."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.cores import pinned

LUA = Path(__file__).parent / "lua"
TIMEOUT_S = 10
"""wrk's per-request timeout: long enough that a slow endpoint is measured, not dropped."""


@dataclass(frozen=True, slots=True)
class Result:
    requests: int
    duration_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    errors: dict[str, int]
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str = ""
    cpu_ms: float = 0.0
    """Worker CPU time per request (user + system), ms: unlike req/s, hardly moved by other
    processes competing for the machine."""

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def failures(self) -> int:
        """Responses that were not 2xx, plus socket errors and timeouts."""
        return sum(self.errors.values())

    @property
    def server_errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status.startswith("5"))


def lua_literal(value: object) -> str:
    """A Python value (str, int, float, bool, None, list, tuple, dict with str keys) as Lua."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if not value.isascii():
            raise ValueError(f"bench data must be ASCII (Lua 5.1 strings have no \\u escapes): {value!r}")
        return json.dumps(value)  # ASCII JSON strings are valid Lua strings
    if isinstance(value, list | tuple):
        return "{" + ",".join(lua_literal(v) for v in value) + "}"
    if isinstance(value, Mapping):
        return "{" + ",".join(f"[{json.dumps(str(k))}]={lua_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def script(endpoint: str, data: Mapping[str, object]) -> str:
    return "\n".join(
        [
            f"data = {lua_literal(data)}",
            (LUA / "common.lua").read_text(),
            (LUA / f"{endpoint}.lua").read_text(),
        ]
    )


def wrk_command(url: str, script_path: Path, *, connections: int, duration_s: float, cpus: str | None) -> list[str]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed")
    command = [
        wrk,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(script_path),
        url,
    ]
    return pinned(command, cpus)


class Load:
    """A running wrk (started by `start`, collected by `result`): two can run at once."""

    def __init__(self, process: subprocess.Popen[str], folder: tempfile.TemporaryDirectory[str]) -> None:
        self._process, self._folder = process, folder

    @classmethod
    def start(
        cls,
        url: str,
        endpoint: str,
        data: Mapping[str, object],
        *,
        connections: int,
        duration_s: float,
        cpus: str | None,
    ) -> Load:
        folder = tempfile.TemporaryDirectory(prefix="upskill-bench-")
        path = Path(folder.name) / f"{endpoint}.lua"
        path.write_text(script(endpoint, {**data, "threads": connections}))
        command = wrk_command(url, path, connections=connections, duration_s=duration_s, cpus=cpus)
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
        return cls(process, folder)

    def running(self) -> bool:
        return self._process.poll() is None

    def result(self) -> Result:
        try:
            out, err = self._process.communicate(timeout=600)
        finally:
            self._folder.cleanup()
        line = next((ln for ln in out.splitlines() if ln.startswith("WRKJSON ")), None)
        if self._process.returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({self._process.returncode}):\n{out}\n{err}")
        raw = json.loads(line.removeprefix("WRKJSON "))
        return Result(
            requests=raw["requests"],
            duration_s=raw["duration_us"] / 1e6,
            p50_ms=raw["p50_us"] / 1000,
            p90_ms=raw["p90_us"] / 1000,
            p99_ms=raw["p99_us"] / 1000,
            max_ms=raw["max_us"] / 1000,
            errors=raw["errors"],
            statuses=raw["statuses"],
            first_error=raw["first_error"],
        )


def run(
    url: str, endpoint: str, data: Mapping[str, object], *, connections: int, duration_s: float, cpus: str | None
) -> Result:
    return Load.start(url, endpoint, data, connections=connections, duration_s=duration_s, cpus=cpus).result()


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
