"""`GET /api/v1/events` (admin): the change feed, CloudEvents 1.0 JSON, oldest first;
`next_cursor` is where a consumer polls from next."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import CurrentPrincipal
from adapters.http.event_schemas import EventPage, limit_of
from adapters.http.paths import API_PREFIX
from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from upskill.domain.events import cloud_event
from upskill.domain.ports import EventQuery
from upskill.services.events import EventService

_PARAMETERS = [
    {
        "name": "after",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "A `next_cursor`.",
    },
    {
        "name": "type",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "Only these types (comma-separated or repeated), e.g. `upskill.assessment.validated`.",
    },
    {
        "name": "subject",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "`<collection>/<id>`.",
    },
    {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]


def events_router(events: EventService) -> APIRouter:
    router = APIRouter(prefix=f"{API_PREFIX}/events", tags=["events"])

    async def feed(request: Request, principal: CurrentPrincipal) -> Response:
        params = request.query_params
        types = tuple(t for given in params.getlist("type") for t in given.split(",") if t)
        query = EventQuery(
            after=params.get("after"), types=types, subject=params.get("subject"), limit=limit_of(params)
        )
        page = await events.feed(principal, query)
        return JsonResponse({"items": [cloud_event(e) for e in page.items], "next_cursor": page.next_cursor})

    router.add_api_route(
        "",
        feed,
        methods=["GET"],
        response_model=EventPage,
        response_class=JsonResponse,
        operation_id="events_feed",
        summary="The change feed (CloudEvents 1.0), oldest first",
        openapi_extra={"parameters": _PARAMETERS},
        responses=problem_responses(400, 401, 403, 500, 503),
    )
    return router
