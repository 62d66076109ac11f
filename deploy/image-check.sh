#!/usr/bin/env bash
# `make image-check`: build deploy/Dockerfile for real and start what it built, without a registry.
#   1. A Debian bookworm base (debootstrap: python3, python3-venv, python -> python3), `podman import`ed
#      and cached as a tarball in .cache/image/ (rebuilt after IMAGE_BASE_MAX_AGE_DAYS, default 7).
#   2. `podman build --storage-driver vfs --isolation chroot --network host` of deploy/Dockerfile with
#      PYTHON_IMAGE set to that base; the machine's pip configuration and CA bundle are mounted
#      read-only (the build's pip needs them as the host's does). Reports the image size.
#   3. `podman create` + `podman export` of the image into a folder, started with the image's own
#      Env, WorkingDir, User and Entrypoint under `chroot --userspec` (podman's runtime is refused
#      in sandboxes: setrlimit): `upskill migrate` then `upskill serve` against a FRESH database on
#      the PostgreSQL server of UPSKILL_TEST_DATABASE_URL (default postgres@127.0.0.1:5432).
#   4. deploy/check/image_smoke.py: ready, a token, a CRUD round trip, /metrics; the server's uid.
# Skips (exit 0, "SKIPPED: <why>") without root, podman, debootstrap, or a PostgreSQL over TCP.
# SAFETY: the machine's /dev is NEVER bind-mounted into the folder (a cleanup that removes the
# folder would then delete the machine's device nodes): the few nodes needed are made with mknod,
# only proc is mounted, and a folder is removed only once /proc/mounts shows nothing under it.
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=bookworm
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE=.cache/image
BASE_TAR="$CACHE/base-$SUITE-2.tar"  # bump the number when the recipe changes
BASE_TAG="localhost/upskill-base:$SUITE"
TAG="localhost/upskill:image-check"
PORT="${IMAGE_CHECK_PORT:-8390}"
PY=.venv/bin/python
ADMIN_EMAIL="image-check@upskill.example"
ADMIN_PASSWORD="image-check-Admin-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"

started=$SECONDS
step() { echo "== [image-check $((SECONDS - started))s] $*"; }
skip() { echo "image-check: SKIPPED: $*"; exit 0; }
die() { echo "image-check: FAILED: $*" >&2; exit 1; }

# -- the folder, and how it is removed ---------------------------------------------------------

WORK=""
RUNROOT=""
SERVER_PID=""
DATABASE=""

mounted_under() {  # mount points at or below $1, deepest first
  awk -v root="$1" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/mounts | sort -r
}

unmount_under() {  # unmount everything at or below $1, deepest first
  local point
  for point in $(mounted_under "$1"); do
    umount "$point" 2>/dev/null || umount -l "$point" 2>/dev/null || true
  done
}

safe_remove() {  # unmount what is under $1, then remove it only if /proc/mounts shows nothing there
  local dir="$1"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  unmount_under "$dir"
  if [ -n "$(mounted_under "$dir")" ]; then
    echo "image-check: NOT removing $dir: still mounted under it:" >&2
    mounted_under "$dir" >&2
    return 1
  fi
  rm -rf --one-file-system "$dir"
}

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -n "$DATABASE" ]; then
    "$PY" -c 'import asyncio, sys; from adapters.postgres.embedded import drop_database
asyncio.run(drop_database(sys.argv[1], sys.argv[2]))' "$SERVER_URL" "$DATABASE" || true
  fi
  safe_remove "$WORK" || status=1
  [ -z "$RUNROOT" ] || safe_remove "$RUNROOT" || status=1
  exit "$status"
}
trap cleanup EXIT

# -- can it run here? -----------------------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, mknod)"
command -v podman >/dev/null 2>&1 || skip "podman is not installed (apt-get install podman; .ci/run does)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (apt-get install debootstrap; .ci/run does)"
[ -x "$PY" ] || die ".venv is missing: run make install"

SERVER_URL="${UPSKILL_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
"$PY" - "$SERVER_URL" <<'PY' || skip "no PostgreSQL over TCP at UPSKILL_TEST_DATABASE_URL's server (the chroot cannot reach a Unix socket of the host)"
import asyncio, sys
from adapters.database_url import parse_database_url
from adapters.postgres.embedded import connect
url = parse_database_url(sys.argv[1])
if not url.hosts or url.hosts[0].startswith("/"):
    sys.exit(1)
async def probe() -> None:
    await (await connect(sys.argv[1])).close()
try:
    asyncio.run(probe())
except Exception:
    sys.exit(1)
PY

mkdir -p "$CACHE"
WORK="$(mktemp -d "$PWD/$CACHE/run.XXXXXX")"
# podman refuses a runroot longer than 50 characters, which one under a deep clone's path can be
RUNROOT="$(mktemp -d /tmp/upskill-podman.XXXXXX)"
PODMAN=(podman --storage-driver vfs --root "$WORK/storage" --runroot "$RUNROOT")
"${PODMAN[@]}" info >/dev/null 2>"$WORK/podman-info.err" || skip "podman cannot run here: $(tail -n 1 "$WORK/podman-info.err")"

# -- 1. the base image ------------------------------------------------------------------------------

if [ -f "$BASE_TAR" ] && [ -z "$(find "$BASE_TAR" -mtime "+${IMAGE_BASE_MAX_AGE_DAYS:-7}")" ]; then
  step "base: cached $BASE_TAR"
else
  step "base: debootstrap --variant=minbase $SUITE (python3, python3-venv) from $MIRROR"
  base="$WORK/base"
  debootstrap --variant=minbase --include=python3,python3-venv "$SUITE" "$base" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; safe_remove "$base"; skip "debootstrap could not build the base (see above)"; }
  ln -sf python3 "$base/usr/bin/python"
  rm -rf "$base"/var/cache/apt/archives/*.deb "$base"/var/lib/apt/lists/*  # as slim images do (~95 MB)
  unmount_under "$base"  # debootstrap mounts proc inside while it installs
  [ -z "$(mounted_under "$base")" ] || die "debootstrap left mounts under $base"
  tar --numeric-owner -C "$base" -cf "$BASE_TAR.partial" . && mv "$BASE_TAR.partial" "$BASE_TAR"
  safe_remove "$base"
fi
"${PODMAN[@]}" import --quiet --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  "$BASE_TAR" "$BASE_TAG" >/dev/null || die "podman import of the base"

# -- 2. the build -----------------------------------------------------------------------------------

step "podman build deploy/Dockerfile (PYTHON_IMAGE=$BASE_TAG)"
mounts=()
for file in /etc/pip.conf /etc/xdg/pip /etc/ssl/certs/ca-certificates.crt; do
  [ -e "$file" ] && mounts+=(--volume "$file:$file:ro")
done
"${PODMAN[@]}" build --isolation chroot --network host --pull=never \
  --build-arg "PYTHON_IMAGE=$BASE_TAG" "${mounts[@]}" \
  -f deploy/Dockerfile -t "$TAG" . >"$WORK/build.log" 2>&1 \
  || { tail -n 40 "$WORK/build.log" >&2; die "podman build"; }
size=$("${PODMAN[@]}" image inspect "$TAG" --format '{{.Size}}')
echo "   image $TAG: $((size / 1000000)) MB (base $SUITE + /opt/venv)"

# -- 3. the exported filesystem, run as the image's user ----------------------------------------

root="$WORK/rootfs"
mkdir -p "$root"
container=$("${PODMAN[@]}" create "$TAG")
"${PODMAN[@]}" export "$container" | tar --numeric-owner -x -C "$root"
"${PODMAN[@]}" rm "$container" >/dev/null
echo "   exported filesystem: $(du -sm "$root" | cut -f1) MB"
"${PODMAN[@]}" image inspect "$TAG" --format '{{json .Config}}' >"$WORK/config.json"
read -r user workdir < <("$PY" -c 'import json, sys; c = json.load(open(sys.argv[1]))
print(c.get("User") or "0:0", c.get("WorkingDir") or "/")' "$WORK/config.json")
mapfile -t entrypoint < <("$PY" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1])).get("Entrypoint") or []))' "$WORK/config.json")
mapfile -t command < <("$PY" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1])).get("Cmd") or []))' "$WORK/config.json")
[ "${#entrypoint[@]}" -gt 0 ] && [ "${#command[@]}" -gt 0 ] || die "the image has no Entrypoint or Cmd"
[ "${user%%:*}" != "0" ] && [ "${user%%:*}" != "root" ] || die "the image runs as root (User: $user)"

mkdir -p "$root/dev" "$root/proc" "$root/tmp"
chmod 1777 "$root/tmp"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
  IFS=: read -r name major minor <<<"$node"
  rm -f "$root/dev/$name"
  mknod -m 666 "$root/dev/$name" c "$major" "$minor"
done
mount -t proc proc "$root/proc"

DATABASE="upskill_image_$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
"$PY" -c 'import asyncio, sys; from adapters.postgres.embedded import create_database
asyncio.run(create_database(sys.argv[1], sys.argv[2]))' "$SERVER_URL" "$DATABASE"
database_url=$("$PY" -c 'import sys; from adapters.postgres.embedded import with_database
print(with_database(sys.argv[1], sys.argv[2]))' "$SERVER_URL" "$DATABASE")
jwks=$("$PY" -c 'import json; from adapters.security.keys import SigningKeys
print(json.dumps({"keys": [SigningKeys.generate().active.key.as_dict(private=True)]}))')

# the image's Env, then what a deployment sets; `env -i`: nothing of this machine leaks in
mapfile -t image_env < <("$PY" -c 'import json, sys; print("\n".join(json.load(open(sys.argv[1])).get("Env") or []))' "$WORK/config.json")
run_env=(env -i "${image_env[@]}" HOME="$workdir"
  UPSKILL_DATABASE_URL="$database_url" UPSKILL_JWT_KEYS="$jwks"
  UPSKILL_CURSOR_SECRET="image-check-cursor-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  UPSKILL_ADMIN_EMAIL="$ADMIN_EMAIL" UPSKILL_ADMIN_PASSWORD="$ADMIN_PASSWORD"
  UPSKILL_HOST=127.0.0.1 UPSKILL_PORT="$PORT" UPSKILL_DATA_DIR=/tmp/upskill UPSKILL_MIGRATE_ON_START=false
  UPSKILL_ARGON2_MEMORY_KIB=8192 UPSKILL_ARGON2_TIME_COST=1)
# call in a subshell: it execs (env → chroot → sh → the entry point keep one pid)
in_image() { exec "${run_env[@]}" chroot --userspec="$user" "$root" /bin/sh -c "cd '$workdir' && exec \"\$@\"" sh "$@"; }

step "${entrypoint[*]} migrate (uid ${user%%:*}, fresh database $DATABASE)"
(in_image "${entrypoint[@]}" migrate) >"$WORK/migrate.log" 2>&1 || { cat "$WORK/migrate.log" >&2; die "upskill migrate in the image"; }
step "${entrypoint[*]} ${command[*]} (the image's command) on 127.0.0.1:$PORT"
(in_image "${entrypoint[@]}" "${command[@]}") >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!

# -- 4. smoke -----------------------------------------------------------------------------------
"$PY" deploy/check/image_smoke.py "http://127.0.0.1:$PORT" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
  || { tail -n 40 "$WORK/serve.log" >&2; die "smoke test"; }
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$SERVER_PID/status")
[ "$uid" = "${user%%:*}" ] || die "the server runs as uid $uid, not ${user%%:*}"
echo "   the server ran as uid $uid (the image's User $user), from the exported image under chroot"
step "image-check passed (image $((size / 1000000)) MB)"
