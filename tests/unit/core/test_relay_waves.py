"""The relay's publishing waves: a record appears at most once per wave, its events in order
across waves, every event exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from adapters.nats.publisher import waves
from upskill.domain.events import Change, Event


def _event(subject: str, version: int) -> Event:
    change = Change(
        uuid4(), "upskill.x.updated", subject, datetime.now(UTC), uuid4(), version, None, None, None, {}, {}
    )
    return Event(change, "/upskill", "0")


def test_waves_split_repeated_records() -> None:
    events = [_event("a", 1), _event("a", 2), _event("b", 1), _event("a", 3), _event("c", 1)]
    assert waves(events) == [[0, 2, 4], [1], [3]]


@given(st.lists(st.sampled_from("abcd"), max_size=40))
def test_each_event_once_each_record_in_order(subjects: list[str]) -> None:
    events = [_event(s, n) for n, s in enumerate(subjects)]
    found = waves(events)
    assert sorted(i for wave in found for i in wave) == list(range(len(events)))
    for wave in found:
        assert len({events[i].change.subject for i in wave}) == len(wave)
    order = [i for wave in found for i in wave]
    for subject in set(subjects):
        mine = [i for i in order if events[i].change.subject == subject]
        assert mine == sorted(mine)
