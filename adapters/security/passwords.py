"""argon2id password hashing (pwdlib) on a bounded pool of threads, and the password rules."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from importlib import resources

from pwdlib.hashers.argon2 import Argon2Hasher

from upskill.domain.errors import FieldError, InvariantViolation

MIN_CHARACTERS = 8
MAX_CHARACTERS = 128
MAX_BYTES = 1024  # UTF-8


@cache
def common_passwords() -> frozenset[str]:
    """The passwords nobody may choose (casefolded), read from the shipped list on first use."""
    listing = resources.files("adapters.security").joinpath("data/common-passwords.txt")
    return frozenset(line.casefold() for line in listing.read_text(encoding="utf-8").splitlines() if line)


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


HASH_THREAD_NICE = 10
"""How much lower than the event loop's the hashing threads' scheduling priority is."""


def yield_to_requests() -> None:
    """Lower the calling hashing thread's priority (Linux: niceness is per thread), so that
    when hashes and requests want the same core the event loop gets most of it (weight 1024
    against 110): a login storm then slows logins, not every other request — on one core,
    8 clients logging in had lifted the p99 of authenticated reads from 12 to 30 ms. Logins
    alone run as fast as before (priority only matters under contention). Elsewhere nice()
    would lower the whole process, so it is left alone."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError):
            os.nice(HASH_THREAD_NICE)


class Argon2PasswordHasher:
    """PasswordHasher over argon2id. The defaults are OWASP's minimum: 19 MiB, 2 passes, 1 lane.

    Hashing and verifying run on a pool of `max_concurrent` threads (default: one per CPU;
    argon2 releases the GIL), so the event loop never blocks and a login storm uses at most
    `max_concurrent` x `memory_cost` KiB: the rest wait their turn. The pool keeps that bound even
    for callers that give up: a cancelled wait drops work not yet started, while work already
    running holds its thread until it ends.

    Passwords are NFKC-normalised before they are hashed, verified or checked (NIST SP 800-63B
    §5.1.1.2), so one password typed on different keyboards or systems is one password.
    Construct once, at start-up: the constructor computes the hash `dummy_verify` checks against.
    """

    def __init__(
        self,
        *,
        memory_cost: int = 19_456,
        time_cost: int = 2,
        parallelism: int = 1,
        max_concurrent: int | None = None,
    ) -> None:
        self._hasher = Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self.max_concurrent = available_cpus() if max_concurrent is None else max_concurrent
        self._pool = ThreadPoolExecutor(
            max_workers=self.max_concurrent, thread_name_prefix="argon2", initializer=yield_to_requests
        )
        self._dummy_hash = self._hasher.hash(secrets.token_bytes(16))

    async def hash(self, password: str) -> str:
        secret = _encode(password)
        if secret is None or len(secret) > MAX_BYTES:
            raise InvariantViolation("unusable password", errors=_limits(password))
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._hash_now, secret)

    async def verify(self, password: str, hash: str) -> tuple[bool, str | None]:
        secret = _encode(password)
        if secret is None:  # matches no stored hash, but costs a full verify all the same
            secret = _normalise(password).encode("utf-8", "surrogatepass")
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._verify_now, secret, hash)

    async def dummy_verify(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._verify_now, b"-", self._dummy_hash)

    def check_strength(self, password: str) -> list[FieldError]:
        errors = _limits(password)
        if _normalise(password).casefold() in common_passwords():
            errors.append(FieldError("password", "is one of the most common passwords"))
        return errors

    def close(self) -> None:
        """Stops the threads once the running work ends; queued work is dropped."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _hash_now(self, secret: bytes) -> str:
        """Runs in a pool thread."""
        return self._hasher.hash(secret)

    def _verify_now(self, secret: bytes, hash: str) -> tuple[bool, str | None]:
        """Runs in a pool thread; rehashes in the same trip when the parameters changed."""
        if not self._hasher.verify(secret, hash):
            return False, None
        if self._hasher.check_needs_rehash(hash):
            return True, self._hash_now(secret)
        return True, None


def _normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _encode(password: str) -> bytes | None:
    """The UTF-8 bytes that are hashed, or None for text with unpaired surrogates."""
    try:
        return _normalise(password).encode("utf-8")
    except UnicodeEncodeError:
        return None


def _limits(password: str) -> list[FieldError]:
    text, secret = _normalise(password), _encode(password)
    errors: list[FieldError] = []
    if len(text) < MIN_CHARACTERS:
        errors.append(FieldError("password", f"must be at least {MIN_CHARACTERS} characters"))
    if len(text) > MAX_CHARACTERS:
        errors.append(FieldError("password", f"must be at most {MAX_CHARACTERS} characters"))
    if secret is None:
        errors.append(FieldError("password", "must be valid Unicode text"))
    elif len(secret) > MAX_BYTES:
        errors.append(FieldError("password", f"must be at most {MAX_BYTES} bytes in UTF-8"))
    return errors
