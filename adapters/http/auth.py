"""Who is calling: the one seam authentication plugs into.

Every route names `CurrentPrincipal`; the authentication work replaces `current_principal`
(and nothing else) with one that reads the bearer token and raises Unauthenticated.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import Request

from upskill.domain.principal import SYSTEM, Principal


async def current_principal(request: Request) -> Principal:
    """For now every caller acts as the system principal."""
    return SYSTEM


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
