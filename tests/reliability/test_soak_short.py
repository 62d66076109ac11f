"""The soak script, briefly: 25 s of mixed load on one served worker, no 5xx, no error, and
no RSS growth of 10 % after warm-up (the script's own exit status)."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.postgres


def test_a_short_soak_passes(postgres_admin_url: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tests.reliability.soak", "--seconds", "25", "--admin-url", postgres_admin_url],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "0 errors" in run.stdout
