"""`GET /api/v1/departments/{id}/matrix` (API.md, "The learning loop"): the skills matrix as
JSON or, with `Accept: text/csv`, as a CSV download streamed a chunk at a time; any other
`Accept` is a 406 problem. Who may see which department's is the service's (DOMAIN.md: the
admin, a manager their own department's)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response, StreamingResponse

from adapters.http.auth import CurrentPrincipal
from adapters.http.matrix_schemas import SkillsMatrix, csv_stream, matrix_body
from adapters.http.negotiation import preferred
from adapters.http.paths import API_PREFIX
from adapters.http.problems import NOT_ACCEPTABLE, ProblemException, problem_responses
from adapters.http.responses import JsonResponse
from adapters.http.training_routes import known_parameters
from upskill.domain.matrix import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from upskill.services.training import TrainingService

JSON, CSV = "application/json", "text/csv"
FORMATS = (JSON, CSV)


def matrix_router(training: TrainingService) -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, tags=["training"])

    @router.get(
        "/departments/{id}/matrix",
        response_model=SkillsMatrix,
        response_class=JsonResponse,
        dependencies=[Depends(known_parameters(["on", "expiring_within_days"]))],
        operation_id="departments_matrix",
        summary="The department's skills matrix (JSON, or CSV with Accept: text/csv)",
        responses={
            200: {
                "content": {CSV: {"schema": {"type": "string"}}},
                "headers": {
                    "Content-Disposition": {"description": "CSV only: an attachment", "schema": {"type": "string"}}
                },
            },
            **problem_responses(400, 401, 403, 404, 406, 422, 500, 503),
        },
    )
    async def matrix(
        principal: CurrentPrincipal,
        id: UUID,
        on: Annotated[date | None, Query(description="The day (YYYY-MM-DD); default today (UTC).")] = None,
        expiring_within_days: Annotated[
            int, Query(ge=0, le=MAX_WINDOW_DAYS, description="Look-ahead window for `expiring` and `at_risk`.")
        ] = DEFAULT_WINDOW_DAYS,
        accept: Annotated[str | None, Header(include_in_schema=False)] = None,
    ) -> Response:
        """One row per employee employed on the day, one column per competency an applicable
        requirement names: current and claimed levels, expiring ones flagged, each column's
        coverage, single points of failure and what is at risk. Admins: any department;
        managers: their own (403 for another, 404 for one the caller may not read). As CSV:
        a header `employee,email,<competency (level, multiplication sign, headcount)>…`, one row
        per employee, the current level in each column (empty for none)."""
        media = preferred(accept, FORMATS)
        if media is None:
            raise ProblemException(NOT_ACCEPTABLE, "This route answers application/json or text/csv.")
        result = await training.matrix(principal, id, on=on, expiring_within_days=expiring_within_days)
        if media == JSON:
            return JsonResponse(matrix_body(result), headers={"Vary": "Accept"})
        filename = f"skills-matrix-{result.department.id}-{result.on.isoformat()}.csv"
        return StreamingResponse(
            csv_stream(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"', "Vary": "Accept"},
        )

    return router
