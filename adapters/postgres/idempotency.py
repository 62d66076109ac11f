"""The IdempotencyStore port over PostgreSQL: each operation is one statement. A claim is one
upsert that takes a free, expired or abandoned key and otherwise leaves the row as it is; of
concurrent claims of one key the first holds the row lock until it commits, the others then
see its row."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Integer, LargeBinary, Text, Uuid, bindparam, text

from adapters.postgres.executor import Connections
from upskill.domain.idempotency import Claim, KeyState, Lease, Remembered, StoredResponse

_KEY = (bindparam("user_id", type_=Uuid), bindparam("key", type_=Text))
_TIMES = (
    bindparam("now", type_=DateTime(timezone=True)),
    bindparam("lease_until", type_=DateTime(timezone=True)),
    bindparam("expires_at", type_=DateTime(timezone=True)),
)
_CLAIM = text(
    "INSERT INTO idempotency_keys AS k (user_id, key, fingerprint, state, lease_until, expires_at) "
    "VALUES (:user_id, :key, :fingerprint, 'running', :lease_until, :expires_at) "
    "ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, state = 'running', "
    "lease_until = EXCLUDED.lease_until, expires_at = EXCLUDED.expires_at, status = NULL, headers = NULL, "
    "body = NULL "
    "WHERE k.expires_at <= :now OR (k.state = 'running' AND k.lease_until <= :now "
    "AND k.fingerprint = EXCLUDED.fingerprint) "
    "RETURNING 1"
).bindparams(*_KEY, *_TIMES, bindparam("fingerprint", type_=Text))
_FIND = text(
    "SELECT fingerprint, state, status, headers::text AS headers, body FROM idempotency_keys "
    "WHERE user_id = :user_id AND key = :key"
).bindparams(*_KEY)
_COMPLETE = text(
    "UPDATE idempotency_keys SET state = 'done', status = :status, headers = CAST(:headers AS jsonb), body = :body "
    "WHERE user_id = :user_id AND key = :key"
).bindparams(
    *_KEY,
    bindparam("status", type_=Integer),
    bindparam("headers", type_=Text),
    bindparam("body", type_=LargeBinary),
)
_RELEASE = text(
    "DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key AND state = 'running'"
).bindparams(*_KEY)
MARK_COMMITTED = text(
    "UPDATE idempotency_keys SET state = 'committed' WHERE user_id = :user_id AND key = :key AND state = 'running'"
).bindparams(*_KEY)
"""Run by the unit of work in the transaction it commits (see `upskill.domain.idempotency`)."""
_PURGE = text(
    "DELETE FROM idempotency_keys WHERE (user_id, key) IN (SELECT user_id, key FROM idempotency_keys "
    "WHERE expires_at <= :now LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING 1"
).bindparams(bindparam("now", type_=DateTime(timezone=True)), bindparam("limit", type_=Integer))


def key_params(claim: Claim) -> dict[str, Any]:
    return {"user_id": claim.user_id, "key": claim.key}


class PostgresIdempotencyStore:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    async def claim(self, claim: Claim, fingerprint: str, lease: Lease) -> Remembered | None:
        executor = await self._connections.connection(write=True)
        params = {
            **key_params(claim),
            "fingerprint": fingerprint,
            "now": lease.now,
            "lease_until": lease.until,
            "expires_at": lease.expires_at,
        }
        if (await executor.execute(_CLAIM, params)).first() is not None:
            return None
        row = (await executor.execute(_FIND, key_params(claim))).first()
        if row is None:  # released between the two statements: cannot happen under the row lock
            return Remembered(fingerprint, KeyState.RUNNING, None)
        response = None
        if row.status is not None:
            headers = tuple((str(k), str(v)) for k, v in json.loads(row.headers))
            response = StoredResponse(row.status, headers, bytes(row.body))
        return Remembered(row.fingerprint, KeyState(row.state), response)

    async def complete(self, claim: Claim, response: StoredResponse) -> None:
        executor = await self._connections.connection(write=True)
        params = {
            **key_params(claim),
            "status": response.status,
            "headers": json.dumps([list(h) for h in response.headers]),
            "body": response.body,
        }
        await executor.execute(_COMPLETE, params)

    async def release(self, claim: Claim) -> None:
        executor = await self._connections.connection(write=True)
        await executor.execute(_RELEASE, key_params(claim))

    async def purge(self, now: datetime, limit: int) -> int:
        executor = await self._connections.connection(write=True)
        return len((await executor.execute(_PURGE, {"now": now, "limit": limit})).all())
