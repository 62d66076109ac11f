#!/usr/bin/env bash
# Breaking changes of openapi.json against the previous release's document (openapi.previous.json),
# found by Optic's breaking-change rules. Each one must be a decision: it fails this check unless
# its line (as printed below) is in breaking-changes.accepted, committed with the change and named
# in the README's changelog. At a release, openapi.json becomes the next openapi.previous.json and
# the accepted list is emptied.
set -euo pipefail
cd "$(dirname "$0")"
export OPTIC_TELEMETRY=off
mkdir -p build
previous=$(python3 -c 'import json; print(json.load(open("openapi.previous.json"))["info"]["version"])')
if npx optic diff openapi.previous.json openapi.json --check >build/optic.log 2>&1; then
  echo "== no breaking change against the $previous document"
  exit 0
fi
# "<operation> — <rule>" per breaking change (Optic prints the rules under their operation).
awk '
  /^x (GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) / { sub(/^x /, ""); sub(/:[[:space:]]*$/, ""); op = $0; next }
  /^[[:space:]]+x \[/ { line = $0; sub(/^[[:space:]]+x /, "", line); sub(/ This is a breaking change\.$/, "", line); print op " — " line }
' build/optic.log | sort -u >build/breaking.txt
if [ ! -s build/breaking.txt ]; then
  echo "== optic failed without naming a breaking change:"; tail -20 build/optic.log; exit 1
fi
touch breaking-changes.accepted
unaccepted=$(comm -23 build/breaking.txt <(grep -v '^#' breaking-changes.accepted | sort -u) || true)
echo "== breaking changes against the $previous document:"
sed 's/^/   /' build/breaking.txt
if [ -n "$unaccepted" ]; then
  echo "== not accepted (add each line to clients/typescript/breaking-changes.accepted if the break is meant):"
  printf '%s\n' "$unaccepted" | sed 's/^/   /'
  exit 1
fi
echo "== every breaking change is accepted in breaking-changes.accepted"
