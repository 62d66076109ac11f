"""`freeze_heap`, the last start-up hook of the served app: what start-up made is moved out of
the garbage collector's reach (full collections then walk only what requests made)."""

from __future__ import annotations

import gc

from adapters.main import freeze_heap


async def test_what_start_up_made_is_out_of_the_collectors_reach_and_later_objects_are_not() -> None:
    made_at_start = [[n] for n in range(1000)]
    try:
        await freeze_heap()
        made_later = [[n] for n in range(10)]
        walked = {id(o) for o in gc.get_objects()}
        assert not any(id(o) in walked for o in made_at_start)
        assert all(id(o) in walked for o in made_later)
    finally:
        gc.unfreeze()
