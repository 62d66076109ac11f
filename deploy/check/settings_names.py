"""Every UPSKILL_* variable the chart sets must be a setting the app reads.

Usage: python deploy/check/settings_names.py RENDERED.yaml [--pending NAME ...]

Collects the UPSKILL_* names of every ConfigMap, Secret and container `env` in a `helm template`
rendering and compares them with `adapters.settings.Settings` (env prefix UPSKILL_). A name the
app does not know is a typo or a setting that was renamed: exit 1. Names given with --pending
are settings the chart already sets ahead of the app; they are reported, not failed, and a
pending name the app has since learnt is reported too, so the list can be emptied.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from adapters.settings import Settings  # noqa: E402  (needs the project on sys.path first)

PREFIX = "UPSKILL_"
NOT_SETTINGS = {"UPSKILL_TEST_DATABASE_URL"}  # read by the tests, never by the service


def rendered_names(docs: list[dict[str, Any]]) -> set[str]:
    names: set[str] = set()
    for doc in docs:
        if doc["kind"] in ("ConfigMap", "Secret"):
            names |= set(doc.get("data") or {}) | set(doc.get("stringData") or {})
        pod = (doc.get("spec") or {}).get("template", {}).get("spec", {})
        for container in (pod.get("containers") or []) + (pod.get("initContainers") or []):
            names |= {e["name"] for e in container.get("env") or []}
    return {n for n in names if n.startswith(PREFIX)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", type=Path)
    parser.add_argument("--pending", nargs="*", default=[])
    args = parser.parse_args()
    docs = [d for d in yaml.safe_load_all(args.rendered.read_text()) if d]
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    used = rendered_names(docs)
    unknown = sorted(used - known - set(args.pending) - NOT_SETTINGS)
    for name in unknown:
        print(f"   FAIL {name} is set by the chart but is not a field of adapters.settings.Settings", file=sys.stderr)
    for name in sorted(set(args.pending) & used - known):
        print(f"   pending: {name} is set by the chart, not read by the app yet (to add to adapters/settings.py)")
    for name in sorted(set(args.pending) & known):
        print(f"   note: {name} is in adapters/settings.py now: drop it from PENDING_SETTINGS in deploy/chart-check.sh")
    if not unknown:
        print(f"   {len(used)} UPSKILL_* names set by the chart; every one is a setting (or pending)")
    return 1 if unknown else 0


if __name__ == "__main__":
    sys.exit(main())
