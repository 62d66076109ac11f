"""The change feed (API.md, "History and events"): every recorded event, oldest first, for the
admin only. A record's own history is the generic service's (`CrudService.history`): whoever
may read the record may read it."""

from __future__ import annotations

from upskill.domain.errors import Forbidden, InvalidQuery
from upskill.domain.events import Event
from upskill.domain.ports import EventQuery, UnitOfWork, UnitOfWorkFactory
from upskill.domain.principal import Principal
from upskill.domain.query import MAX_LIMIT, Page
from upskill.services.crud import in_transaction

MAX_TEXT = 1000
"""Longer filter values match nothing anyway: refused."""


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidQuery(f"limit must be between 1 and {MAX_LIMIT}.", field="limit")


class EventService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def feed(self, principal: Principal, query: EventQuery) -> Page[Event]:
        """Raises Forbidden unless the principal is an admin, InvalidQuery for a bad limit or
        cursor. `next_cursor` is where to poll from next (the given one when nothing is new)."""
        if not principal.is_admin:
            raise Forbidden("The change feed is for administrators.", entity="Event")
        check_limit(query.limit)
        for name, given in (("after", query.after), ("subject", query.subject), *(("type", t) for t in query.types)):
            if given is not None and ("\x00" in given or len(given) > MAX_TEXT):
                raise InvalidQuery(f"{name} is not a valid value.", field=name)

        async def work(uow: UnitOfWork) -> Page[Event]:
            return await uow.events.feed(query)

        return await in_transaction(self._uow, work, read_only=True)
