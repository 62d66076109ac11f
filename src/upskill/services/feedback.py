"""Feedback through the generic stack; its author is the caller, never taken from the body."""

from __future__ import annotations

from upskill.domain.errors import Forbidden
from upskill.domain.principal import Principal
from upskill.domain.training import Feedback
from upskill.services.crud import CrudService


class FeedbackService(CrudService[Feedback]):
    async def prepare(self, principal: Principal, values: dict[str, object], *, creating: bool) -> dict[str, object]:
        if creating:
            if principal.employee_id is None:
                raise Forbidden("Feedback is given by an employee: this user is linked to none.", entity="Feedback")
            values["author_id"] = principal.employee_id
        return values
