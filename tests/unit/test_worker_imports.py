"""What a serving worker carries: the modules it never needs while serving stay unimported."""

from __future__ import annotations

import subprocess
import sys


def test_a_serving_worker_imports_neither_alembic_nor_the_sign_in_client() -> None:
    """What they would cost each worker's memory when company sign-in is off (~16 MiB)."""
    code = (
        "import sys, adapters.main; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'authlib', 'httpx', 'httpx2'}))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert found.stdout.strip() == "[]"
