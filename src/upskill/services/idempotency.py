"""Safe retries: the use cases behind the Idempotency-Key of a POST (see
`upskill.domain.idempotency`). The HTTP edge asks `begin` before running a request and
`finish` or `abandon` after it."""

from __future__ import annotations

from datetime import timedelta

from upskill.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from upskill.domain.idempotency import Claim, KeyState, Lease, StoredResponse
from upskill.domain.ids import Clock
from upskill.domain.ports import UnitOfWork, UnitOfWorkFactory
from upskill.services.crud import in_transaction

PURGE_BATCH = 500


class IdempotencyService:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, *, ttl: timedelta, lease: timedelta = timedelta(seconds=60)
    ) -> None:
        self._uow, self._clock, self._ttl, self._lease = uow, clock, ttl, lease

    async def begin(self, claim: Claim, fingerprint: str) -> StoredResponse | None:
        """None: the request may run (the key is now claimed for it). The stored response of
        the first request with this key and fingerprint, once it is done. Raises
        IdempotencyKeyReused for another request under the key, IdempotencyKeyInUse while the
        first one runs (or when it committed but its response was lost)."""
        now = self._clock.now()
        lease = Lease(now, now + self._lease, now + self._ttl)

        async def work(uow: UnitOfWork) -> StoredResponse | None:
            found = await uow.idempotency.claim(claim, fingerprint, lease)
            await uow.commit()
            if found is None:
                return None
            if found.fingerprint != fingerprint:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was used for a different request.", field="Idempotency-Key"
                )
            if found.state is KeyState.DONE and found.response is not None:
                return found.response
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key is still being processed.", field="Idempotency-Key"
            )

        return await in_transaction(self._uow, work)

    async def finish(self, claim: Claim, response: StoredResponse) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.idempotency.complete(claim, response)
            await uow.commit()

        await in_transaction(self._uow, work)

    async def abandon(self, claim: Claim) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.idempotency.release(claim)
            await uow.commit()

        await in_transaction(self._uow, work)

    async def purge(self) -> int:
        """Delete expired keys, a batch at a time, never waiting for a key in use."""
        total = 0
        while True:

            async def work(uow: UnitOfWork) -> int:
                gone = await uow.idempotency.purge(self._clock.now(), PURGE_BATCH)
                await uow.commit()
                return gone

            gone = await in_transaction(self._uow, work)
            total += gone
            if gone < PURGE_BATCH:
                return total
