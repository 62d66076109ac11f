"""The learning loop's own routes (API.md, "The learning loop"): reviewing a proposed
assessment (`validate`, `reject`) and planning an employee's gaps (`plans/from-gaps`).

Everything else of the loop — self-assessments, enrollment transitions, plans — goes through
the generic CRUD routes; the rules are the services'.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Header
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model
from starlette.responses import Response

from adapters.http.auth import CurrentPrincipal
from adapters.http.media import JSON, require_media_type, require_media_type_if_body
from adapters.http.paths import API_PREFIX
from adapters.http.preconditions import etag, expected_version
from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from adapters.http.schemas import ResourceSchemas
from upskill.domain.principal import Principal
from upskill.services.assessments import AssessmentService
from upskill.services.plans import PlanService

Note = Annotated[str, StringConstraints(max_length=10_000)]
IfMatch = Annotated[str | None, Header(description='`W/"<version>"` (or the bare version): refuse with 412 if stale.')]
_ETAG = {"ETag": {"description": 'W/"<version>"', "schema": {"type": "string"}}}


class ReviewInput(BaseModel):
    """The reviewer's note, optional (the body itself may be left out)."""

    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


class PlansFromGaps(BaseModel):
    """When the plans are due, and a note for each (optional)."""

    model_config = ConfigDict(extra="forbid")
    due_on: date = Field(description="Not in the past.")
    note: Note | None = None


def review_router(assessments: AssessmentService, schemas: ResourceSchemas) -> APIRouter:
    """`POST /api/v1/assessments/{id}/validate` and `/reject`."""
    router = APIRouter(prefix=f"{API_PREFIX}/assessments", tags=["assessments"])
    optional_json = [Depends(require_media_type_if_body(JSON))]
    responses = {200: {"headers": _ETAG}, **problem_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, 500, 503)}

    async def review(
        principal: Principal, id: UUID, body: ReviewInput | None, if_match: str | None, *, validate: bool
    ) -> Response:
        act = assessments.validate if validate else assessments.reject
        note = body.note if body is not None else None
        record = await act(principal, id, note=note, expected_version=expected_version(if_match))
        return JsonResponse(schemas.present(record), headers={"ETag": etag(record.version)})

    @router.post(
        "/{id}/validate",
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=optional_json,
        operation_id="assessments_validate",
        summary="Validate a proposed assessment",
        responses=responses,
    )
    async def validate(
        principal: CurrentPrincipal,
        id: UUID,
        body: Annotated[ReviewInput | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> Response:
        """The assessment now counts towards the employee's current level, and achieves the
        plans that level meets. By a manager of the employee's department or an admin, never
        the assessed employee (403); 409 `invalid-transition` unless it is proposed; 412 when
        `If-Match` is stale."""
        return await review(principal, id, body, if_match, validate=True)

    @router.post(
        "/{id}/reject",
        response_model=schemas.read,
        response_class=JsonResponse,
        dependencies=optional_json,
        operation_id="assessments_reject",
        summary="Reject a proposed assessment",
        responses=responses,
    )
    async def reject(
        principal: CurrentPrincipal,
        id: UUID,
        body: Annotated[ReviewInput | None, Body()] = None,
        if_match: IfMatch = None,
    ) -> Response:
        """The assessment stays in the history and never counts. Who may, and the errors: as
        for validate."""
        return await review(principal, id, body, if_match, validate=False)

    return router


def plans_router(plans: PlanService, schemas: ResourceSchemas) -> APIRouter:
    """`POST /api/v1/employees/{id}/plans/from-gaps`."""
    router = APIRouter(prefix=API_PREFIX, tags=["plans"])
    page = _items(schemas)

    @router.post(
        "/employees/{id}/plans/from-gaps",
        status_code=201,
        response_model=page,
        response_class=JsonResponse,
        dependencies=[Depends(require_media_type(JSON))],
        operation_id="employees_plans_from_gaps",
        summary="Plan every current gap of an employee",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 500, 503),
    )
    async def from_gaps(principal: CurrentPrincipal, id: UUID, body: PlansFromGaps) -> Response:
        """An active plan for each competency of the employee's current gaps (target: the
        level the gap asks for, the highest when several do), except competencies that have an
        active plan already; `items` is empty when there is nothing to plan. Managers (their
        department's employees) and admins; 404 for an employee the caller may not read."""
        created = await plans.from_gaps(principal, id, due_on=body.due_on, note=body.note)
        present = schemas.presenter(plans.today())
        return JsonResponse({"items": [present(plan) for plan in created]}, status_code=201)

    return router


def _items(schemas: ResourceSchemas) -> type[BaseModel]:
    read = schemas.read
    model: type[BaseModel] = create_model(
        "PlansCreated",
        __doc__="The plans created, in the order of the gaps.",
        items=(list[read], ...),  # type: ignore[valid-type]
    )
    return model
