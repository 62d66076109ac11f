"""Smoke test of a running Upskill image (used by deploy/image-check.sh).

    python deploy/check/image_smoke.py BASE_URL ADMIN_EMAIL ADMIN_PASSWORD

Waits for /health/ready, gets a token with the password grant, runs a CRUD round trip on
/api/v1/departments (create, read, update with If-Match, delete, then 404) and reads
/metrics. Prints one line per step; exits 1 at the first failure.
"""

from __future__ import annotations

import sys
import time
import uuid

import httpx

READY_WITHIN_S = 90


def main(base_url: str, email: str, password: str) -> int:
    client = httpx.Client(base_url=base_url, timeout=10)
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        try:
            ready = client.get("/health/ready")
            if ready.status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            print(f"image-smoke: FAILED: /health/ready not 200 within {READY_WITHIN_S} s", file=sys.stderr)
            return 1
        time.sleep(0.5)
    print("   /health/ready: 200")

    def step(label: str, expected: int, response: httpx.Response) -> httpx.Response:
        if response.status_code != expected:
            print(f"image-smoke: FAILED: {label}: {response.status_code} {response.text[:300]}", file=sys.stderr)
            raise SystemExit(1)
        print(f"   {label}: {response.status_code}")
        return response

    token = step(
        "POST /api/v1/auth/token (password grant)",
        200,
        client.post("/api/v1/auth/token", data={"grant_type": "password", "username": email, "password": password}),
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    name = f"Image check {uuid.uuid4().hex[:8]}"
    created = step(
        "POST /api/v1/departments", 201, client.post("/api/v1/departments", json={"name": name}, headers=auth)
    )
    location = f"/api/v1/departments/{created.json()['id']}"
    read = step(f"GET {location}", 200, client.get(location, headers=auth))
    assert read.json()["name"] == name
    updated = step(
        f"PATCH {location} (If-Match)",
        200,
        client.patch(
            location,
            json={"description": "made by make image-check"},
            headers={**auth, "If-Match": read.headers["etag"], "Content-Type": "application/merge-patch+json"},
        ),
    )
    assert updated.json()["description"] == "made by make image-check"
    step(f"DELETE {location}", 204, client.delete(location, headers={**auth, "If-Match": updated.headers["etag"]}))
    step(f"GET {location} after delete", 404, client.get(location, headers=auth))
    metrics = step("GET /metrics", 200, client.get("/metrics"))
    if "upskill_" not in metrics.text:
        print("image-smoke: FAILED: /metrics has no upskill_ series", file=sys.stderr)
        return 1
    print("image-smoke: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
