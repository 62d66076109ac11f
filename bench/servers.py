"""The two servers under test, run as child processes through `bench.serve`, pinned to the
server CPU; their output goes to `.data/bench/logs/<name>.log`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from joserfc.jwk import OKPKey

from bench.cores import pinned

LOGS = Path(".data/bench/logs")
RUN_DIR = Path(".data/bench/run")
"""The servers' working directory: no `.env` there, so only the settings given here apply."""
CURSOR_SECRET = "upskill-bench-cursor-secret-0123456789"  # noqa: S105 - a bench-only secret
UNLIMITED = "1000000"


def jwt_keys() -> str:
    """A fresh Ed25519 JWK set (private) for `UPSKILL_JWT_KEYS`, as production passes keys."""
    return json.dumps({"keys": [OKPKey.generate_key("Ed25519").as_dict(private=True)]})


def app_environment(database_url: str, port: int) -> dict[str, str]:
    """Production-like settings: `UPSKILL_ENV=prod` (JSON logs, keys required), the default
    pool and argon2 parameters, logs at WARNING (no per-request line is written, so logging
    stays out of the measurement). The per-IP token-endpoint limit is lifted: every bench
    request comes from 127.0.0.1, and the limiter (still run on each request) would otherwise
    turn the grant benches into 429 benches. Any other `UPSKILL_*` of the caller is dropped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UPSKILL_")}
    env.update(
        UPSKILL_ENV="prod",
        UPSKILL_DATABASE_URL=database_url,
        UPSKILL_JWT_KEYS=jwt_keys(),
        UPSKILL_LOG_LEVEL="WARNING",
        UPSKILL_CURSOR_SECRET=CURSOR_SECRET,
        UPSKILL_ISSUER=f"http://127.0.0.1:{port}",
        UPSKILL_MIGRATE_ON_START="false",
        UPSKILL_TOKEN_RATE_PER_IP=UNLIMITED,
        UPSKILL_TOKEN_BURST_PER_IP=UNLIMITED,
        UPSKILL_DATA_DIR=str(RUN_DIR.resolve()),
    )
    return env


class Server:
    """One server process: started, checked ready, measured (VmRSS), stopped."""

    def __init__(self, name: str, factory: str, port: int, env: dict[str, str], ready_path: str) -> None:
        self.name, self.factory, self.port, self.env, self.ready_path = name, factory, port, env, ready_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log = LOGS / f"{name}.log"
        self.what_if = ""
        """What a what-if run changed in its environment (for the report)."""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self.process.pid

    def start(self, cpus: str | None, timeout_s: float = 60.0) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        root = str(Path.cwd().resolve())
        env = {**self.env, "PYTHONPATH": os.pathsep.join(filter(None, [root, self.env.get("PYTHONPATH")]))}
        command = pinned([sys.executable, "-m", "bench.serve", self.factory, "--port", str(self.port)], cpus)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, cwd=RUN_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")
            if self._answers():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout_s} s:\n{self.tail()}")

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(self.base + self.ready_path, timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def rss_mib(self) -> float:
        """Resident memory of the worker (VmRSS of /proc/<pid>/status), MiB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def cpu_s(self) -> float:
        """CPU time the worker has used so far (user + system, every thread), in seconds."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
