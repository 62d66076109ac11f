"""Idempotency-Key on POSTs (API.md, "Safe retries"): one piece at the HTTP edge, in front of
every POST under `/api/v1` except `auth/*`, whatever the route.

The key is per user (the caller behind the bearer token; a request without a valid one goes
through untouched and meets the route's 401). The request is fingerprinted by method, path and
body (a JSON body canonically: key order and spacing do not matter). While the request runs, the
key is named in `CLAIM`, so the unit of work that commits its write marks the key in that same
transaction; a successful response (2xx) is then stored and replayed to retries with
`Idempotent-Replayed: true`. Expired keys are purged now and then, in the background.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.http.problems import (
    BAD_REQUEST,
    IDEMPOTENCY_KEY_IN_USE,
    IDEMPOTENCY_KEY_REUSED,
    ProblemType,
    for_error,
    problem_response,
    problem_responses,
)
from upskill.domain.errors import DomainError, IdempotencyKeyInUse, IdempotencyKeyReused
from upskill.domain.idempotency import CLAIM, Claim, StoredResponse
from upskill.domain.principal import Principal
from upskill.services.idempotency import IdempotencyService

HEADER = "idempotency-key"
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = frozenset({"content-type", "location", "etag"})
PURGE_EVERY_S = 300.0
_KEY = re.compile(r'"?([\x21\x23-\x7e]{1,255})"?')
KEY_PATTERN = '^(?:[!#-~]{1,255}|"[!#-~]{1,255}")$'
"""What `parse_key` accepts, as the OpenAPI document says it (1-255 visible ASCII characters but
the double quote, bare or quoted)."""


def parse_key(raw: str) -> str | None:
    """The key of an Idempotency-Key header (a quoted string or a bare token of 1-255 visible
    ASCII characters), None when malformed."""
    raw = raw.strip()
    match = _KEY.fullmatch(raw)
    if match is None or (raw.startswith('"') != raw.endswith('"')) or (raw == '"'):
        return None
    return match[1]


def fingerprint(method: str, path: str, query: bytes, body: bytes, content_type: str | None) -> str:
    canonical = body
    if body and content_type is not None and "json" in content_type:
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
        except ValueError:
            canonical = body
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        service: IdempotencyService,
        authenticate: Callable[[str], Awaitable[Principal]],
        prefix: str,
        excluded: str,
        retry_after_s: int = 5,
    ) -> None:
        self.app = app
        self.retry_after_s = retry_after_s
        self.service = service
        self.authenticate = authenticate
        self.prefix = prefix
        self.excluded = excluded
        self._last_purge = 0.0
        self._purging: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers = Headers(scope=scope)
        raw_key = headers.get(HEADER)
        if raw_key is None or not path.startswith(self.prefix) or path.startswith(self.excluded):
            await self.app(scope, receive, send)
            return
        key = parse_key(raw_key)
        if key is None:
            await self._problem(scope, send, BAD_REQUEST, "Idempotency-Key must be 1-255 visible ASCII characters.")
            return
        principal = await self._principal(headers)
        if principal is None or principal.user_id is None:  # the route answers 401
            await self.app(scope, receive, send)
            return
        body, more = await _read_body(receive)
        if more is not None:  # the body limit refused it: let the app answer that
            await self.app(scope, _replay(body, more, receive), send)
            return
        claim = Claim(principal.user_id, key)
        print_ = fingerprint("POST", path, scope.get("query_string", b""), body, headers.get("content-type"))
        self._maybe_purge()
        try:
            stored = await self.service.begin(claim, print_)
        except IdempotencyKeyReused as exc:
            await self._problem(scope, send, IDEMPOTENCY_KEY_REUSED, exc.reason)
            return
        except IdempotencyKeyInUse as exc:
            await self._problem(scope, send, IDEMPOTENCY_KEY_IN_USE, exc.reason)
            return
        except DomainError as exc:  # the store is unavailable: as any route would answer
            problem = for_error(exc)
            retry = {"Retry-After": str(self.retry_after_s)} if problem.status == 503 else None
            await self._problem(scope, send, problem, exc.reason, retry)
            return
        if stored is not None:
            await _send_stored(send, stored)
            return
        await self._run(scope, _replay(body, None, receive), send, claim)

    async def _run(self, scope: Scope, receive: Receive, send: Send, claim: Claim) -> None:
        status = 0
        kept: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.decode("latin-1").lower() in KEPT_HEADERS:
                        kept.append((name.decode("latin-1"), value.decode("latin-1")))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        token = CLAIM.set(claim)
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            CLAIM.reset(token)
            await self._settle(claim, None)
            raise
        CLAIM.reset(token)
        outcome = StoredResponse(status, tuple(kept), b"".join(chunks)) if 200 <= status < 300 else None
        await self._settle(claim, outcome)

    async def _settle(self, claim: Claim, outcome: StoredResponse | None) -> None:
        """Remember a success, forget a failure; never fails the response already sent."""
        try:
            if outcome is not None:
                await self.service.finish(claim, outcome)
            else:
                await self.service.abandon(claim)
        except (DomainError, OSError) as error:
            logger.warning("idempotency key not settled: {}", type(error).__name__)

    async def _principal(self, headers: Headers) -> Principal | None:
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self.authenticate(token.strip())
        except DomainError:
            return None

    def _maybe_purge(self) -> None:
        now = time.monotonic()
        if now - self._last_purge < PURGE_EVERY_S or (self._purging is not None and not self._purging.done()):
            return
        self._last_purge = now
        self._purging = asyncio.get_running_loop().create_task(self._purge())

    async def _purge(self) -> None:
        try:
            gone = await self.service.purge()
            if gone:
                logger.info("purged {} expired idempotency keys", gone)
        except Exception as error:  # background housekeeping: never surfaces
            logger.warning("idempotency purge failed: {}", type(error).__name__)

    @staticmethod
    async def _problem(
        scope: Scope, send: Send, problem: ProblemType, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        response = problem_response(problem, instance=scope["path"], detail=detail, headers=headers)
        await response({"type": "http", "method": "POST", "path": scope["path"]}, _no_body, send)


HEADER_DOC = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 257, "pattern": KEY_PATTERN},
    "description": (
        "A retry with the same key, method, path and body within the TTL replays the first successful "
        "response (`Idempotent-Replayed: true`) and writes nothing; 422 for another request under the key, "
        "409 while the first still runs."
    ),
}


def document(schema: dict[str, Any], prefix: str, excluded: str) -> None:
    """Describe the header, and the answers it may bring, on every POST it applies to."""
    for path, operations in schema.get("paths", {}).items():
        post = operations.get("post")
        if post is None or not path.startswith(prefix) or path.startswith(excluded):
            continue
        post.setdefault("parameters", []).append(HEADER_DOC)
        responses = post.setdefault("responses", {})
        for status, described in problem_responses(400, 409, 422).items():
            responses.setdefault(str(status), described)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _read_body(receive: Receive) -> tuple[bytes, Message | None]:
    """The whole body; or what was read and the message that ended reading early (a disconnect)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), message
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), None


def _replay(body: bytes, last: Message | None, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if last is not None:
            return last
        return await receive()

    return replayed


async def _send_stored(send: Send, stored: StoredResponse) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers]
    headers += [(REPLAYED.lower().encode(), b"true"), (b"content-length", str(len(stored.body)).encode())]
    await send({"type": "http.response.start", "status": stored.status, "headers": headers})
    await send({"type": "http.response.body", "body": stored.body})
