"""Password hashing: verification, rehashing, the rules, equal cost for unknown accounts, and the
bound on how many hashes run at once."""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import threading
import time
import unicodedata
from collections.abc import Awaitable, Iterator

import pytest

from adapters.security.passwords import HASH_THREAD_NICE, Argon2PasswordHasher, available_cpus, common_passwords
from upskill.domain.errors import FieldError, InvariantViolation

CHEAP = {"memory_cost": 1024, "time_cost": 1}
GOOD = "correct horse battery staple"


@pytest.fixture
def hasher() -> Iterator[Argon2PasswordHasher]:
    hasher = Argon2PasswordHasher(**CHEAP)
    yield hasher
    hasher.close()


@pytest.fixture(scope="module")
def default_hasher() -> Iterator[Argon2PasswordHasher]:
    hasher = Argon2PasswordHasher()
    yield hasher
    hasher.close()


async def test_the_right_password_verifies_and_the_wrong_one_does_not(default_hasher: Argon2PasswordHasher) -> None:
    stored = await default_hasher.hash(GOOD)

    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert await default_hasher.verify(GOOD, stored) == (True, None)
    assert await default_hasher.verify(GOOD + " ", stored) == (False, None)
    assert await default_hasher.verify("", stored) == (False, None)


async def test_each_hash_is_salted(hasher: Argon2PasswordHasher) -> None:
    assert await hasher.hash(GOOD) != await hasher.hash(GOOD)


async def test_a_hash_made_with_other_parameters_verifies_and_comes_back_rehashed(hasher: Argon2PasswordHasher) -> None:
    old = Argon2PasswordHasher(memory_cost=512, time_cost=1)
    stored = await old.hash(GOOD)
    old.close()

    ok, upgraded = await hasher.verify(GOOD, stored)

    assert ok
    assert upgraded is not None
    assert upgraded.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert await hasher.verify(GOOD, upgraded) == (True, None)
    assert await hasher.verify("not " + GOOD, stored) == (False, None)


async def test_a_malformed_stored_hash_is_a_mismatch(hasher: Argon2PasswordHasher) -> None:
    for stored in ("", "plain-text", "$argon2id$v=19$m=1024,t=1,p=1$bad", "$2b$12$" + "a" * 53):
        assert await hasher.verify(GOOD, stored) == (False, None)


async def test_a_password_matches_in_any_unicode_normal_form(hasher: Argon2PasswordHasher) -> None:
    composed = unicodedata.normalize("NFC", "crème brûlée à la café")
    stored = await hasher.hash(composed)

    assert await hasher.verify(unicodedata.normalize("NFD", composed), stored) == (True, None)


async def test_text_with_unpaired_surrogates_is_refused_for_hashing_and_never_matches(
    hasher: Argon2PasswordHasher,
) -> None:
    broken = "password-\ud800-long"
    stored = await hasher.hash(GOOD)

    with pytest.raises(InvariantViolation) as refused:
        await hasher.hash(broken)
    assert FieldError("password", "must be valid Unicode text") in refused.value.errors
    assert await hasher.verify(broken, stored) == (False, None)
    assert FieldError("password", "must be valid Unicode text") in hasher.check_strength(broken)


async def test_an_unknown_account_costs_about_what_a_wrong_password_costs(default_hasher: Argon2PasswordHasher) -> None:
    stored = await default_hasher.hash(GOOD)

    wrong = statistics.median([await _timed(default_hasher.verify("wrong password", stored)) for _ in range(7)])
    dummy = statistics.median([await _timed(default_hasher.dummy_verify()) for _ in range(7)])

    assert wrong / 3 < dummy < wrong * 3


async def _timed(work: Awaitable[object]) -> float:
    started = time.perf_counter()
    await work
    return time.perf_counter() - started


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("abcdefg", "must be at least 8 characters"),
        ("x" * 129, "must be at most 128 characters"),
        ("é" * 512 + "a", "must be at most 1024 bytes in UTF-8"),
        ("password1", "is one of the most common passwords"),
        ("BaseBall", "is one of the most common passwords"),
        ("ILOVEYOU", "is one of the most common passwords"),
    ],
)
def test_a_password_breaking_a_rule_is_refused(hasher: Argon2PasswordHasher, password: str, message: str) -> None:
    assert FieldError("password", message) in hasher.check_strength(password)


@pytest.mark.parametrize("password", ["xk4#pq9z", "y" * 127 + "z", GOOD, "日本語のパスワード"])
def test_a_password_within_the_rules_is_accepted(hasher: Argon2PasswordHasher, password: str) -> None:
    assert hasher.check_strength(password) == []


async def test_hashing_refuses_more_than_1024_bytes_and_takes_exactly_1024(hasher: Argon2PasswordHasher) -> None:
    exactly = "😀" * 256
    assert len(exactly.encode()) == 1024

    assert await hasher.verify(exactly, await hasher.hash(exactly)) == (True, None)
    with pytest.raises(InvariantViolation):
        await hasher.hash(exactly + "a")


def test_the_common_password_list_is_the_top_10000_read_once() -> None:
    assert common_passwords() is common_passwords()
    assert isinstance(common_passwords(), frozenset)
    assert len(common_passwords()) == 10_000
    assert {"123456", "password", "qwerty", "iloveyou"} <= common_passwords()


class CountingHasher(Argon2PasswordHasher):
    """Counts hashes running at once; each waits at `barrier` (if set) or `gate` (if set)."""

    def __init__(self, max_concurrent: int) -> None:
        super().__init__(**CHEAP, max_concurrent=max_concurrent)
        self.lock = threading.Lock()
        self.running = self.peak = self.started = 0
        self.threads: set[str] = set()
        self.barrier: threading.Barrier | None = None
        self.gate: threading.Event | None = None
        self.entered = threading.Event()

    def _hash_now(self, secret: bytes) -> str:
        with self.lock:
            self.running += 1
            self.started += 1
            self.peak = max(self.peak, self.running)
            self.threads.add(threading.current_thread().name)
        self.entered.set()
        try:
            if self.barrier is not None:
                self.barrier.wait(timeout=10)
            if self.gate is not None:
                self.gate.wait(timeout=10)
            return super()._hash_now(secret)
        finally:
            with self.lock:
                self.running -= 1


async def test_at_most_the_limit_of_hashes_run_at_once_off_the_event_loop() -> None:
    hasher = CountingHasher(max_concurrent=2)
    hasher.barrier = threading.Barrier(2)  # proceeds only when two run together

    hashes = await asyncio.gather(*(hasher.hash(f"{GOOD} {i}") for i in range(8)))
    hasher.close()

    assert len(set(hashes)) == 8
    assert hasher.peak == 2
    assert threading.main_thread().name not in hasher.threads
    assert all(name.startswith("argon2") for name in hasher.threads)


async def test_a_caller_that_gives_up_does_not_free_its_slot_before_its_hash_ends() -> None:
    hasher = CountingHasher(max_concurrent=1)
    hasher.gate = threading.Event()
    first = asyncio.create_task(hasher.hash(GOOD))
    assert await asyncio.to_thread(hasher.entered.wait, 10)
    first.cancel()
    second = asyncio.create_task(hasher.hash(GOOD))
    await asyncio.sleep(0.05)

    assert (hasher.started, hasher.running) == (1, 1)
    hasher.gate.set()
    await second
    hasher.close()
    assert (hasher.started, hasher.peak) == (2, 1)


def test_the_default_limit_is_one_hash_per_cpu(hasher: Argon2PasswordHasher) -> None:
    assert hasher.max_concurrent == available_cpus() >= 1


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
async def test_hashing_threads_yield_the_core_to_the_event_loop(hasher: Argon2PasswordHasher) -> None:
    loop_priority = os.getpriority(os.PRIO_PROCESS, 0)
    thread_priority = await asyncio.get_running_loop().run_in_executor(hasher._pool, os.getpriority, os.PRIO_PROCESS, 0)
    assert thread_priority == min(19, loop_priority + HASH_THREAD_NICE)
    assert os.getpriority(os.PRIO_PROCESS, 0) == loop_priority  # the event loop's is unchanged
