"""The domain routes (API.md "Domain routes"): a department's coverage, an employee's current
competencies, gaps and explained course recommendations.

Bearer-protected and read-only. Routes translate HTTP to `TrainingService` calls and results
to the bodies of `training_schemas`; who may see what is the service's (DOMAIN.md "Who may do
what"): a record outside the caller's reach is 404, another department's coverage that the
caller may read is 403. An unknown or repeated query parameter is a 400 naming it (as on
lists), so a misspelt weight is never silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from adapters.http.auth import CurrentPrincipal
from adapters.http.paths import API_PREFIX
from adapters.http.problems import problem_responses
from adapters.http.responses import JsonResponse
from adapters.http.schemas import ResourceSchemas
from adapters.http.training_schemas import (
    EmployeeCompetencies,
    EmployeeGaps,
    competencies_body,
    coverage_body,
    gaps_body,
    recommendations_body,
    training_models,
)
from upskill.domain.errors import FieldError, InvalidQuery, InvariantViolation
from upskill.domain.recommend import DEFAULT_LIMIT, Factor, Weights
from upskill.services.training import TrainingService

MAX_RECOMMENDATIONS = 50
WEIGHT_PREFIX = "w_"
_EMPLOYEE_ERRORS = (400, 401, 404, 422, 500, 503)

Weight = Annotated[
    float | None,
    Query(ge=0, allow_inf_nan=False, description="A finite weight ≥ 0; omitted: the default. Normalised to sum 1."),
]


def known_parameters(names: Collection[str]) -> Callable[[Request], None]:
    """A dependency refusing (400, naming it) a query parameter not in `names`, or given twice."""
    allowed = frozenset(names)

    def check(request: Request) -> None:
        seen: set[str] = set()
        for key, _ in request.query_params.multi_items():
            if key not in allowed:
                raise InvalidQuery(f"'{key}' is not a parameter of this route.", field=key)
            if key in seen:
                raise InvalidQuery(f"'{key}' is given more than once.", field=key)
            seen.add(key)

    return check


def weights_of(given: dict[Factor, float | None]) -> Weights:
    """The weights asked for, the default for each one not given; InvariantViolation naming the
    query parameters (`w_gap`, ...) when they are all zero."""
    try:
        return Weights(**{f.value: w for f, w in given.items() if w is not None})
    except InvariantViolation as exc:
        errors = [FieldError(f"{WEIGHT_PREFIX}{e.field}", e.message) for e in exc.errors]
        field = f"{WEIGHT_PREFIX}{exc.field}" if exc.field else None
        raise InvariantViolation(exc.reason, entity="Weights", field=field, errors=errors) from None


def training_router(training: TrainingService, *, requirements: ResourceSchemas, courses: ResourceSchemas) -> APIRouter:
    """The four routes under `/api/v1`; coverage embeds requirements and recommendations embed
    courses as their CRUD collections show them (`requirements`, `courses`)."""
    router = APIRouter(prefix=API_PREFIX, tags=["training"])
    models = training_models(requirements.read, courses.read)
    no_parameters = [Depends(known_parameters(()))]
    weight_names = [f"{WEIGHT_PREFIX}{f.value}" for f in Factor]

    @router.get(
        "/departments/{id}/coverage",
        response_model=models.coverage,
        response_class=JsonResponse,
        dependencies=no_parameters,
        operation_id="departments_coverage",
        responses=problem_responses(400, 401, 403, 404, 422, 500, 503),
    )
    async def coverage(principal: CurrentPrincipal, id: UUID) -> Response:
        """Each requirement that applies to the department (its own and the company-wide ones)
        with `covered`, `gap` and the current employees who cover it. The admin sees any
        department; others their own only: 403 for another department they may read, 404 for
        one they may not."""
        result = await training.coverage(principal, id)
        return JsonResponse(coverage_body(result, requirements.present))

    @router.get(
        "/employees/{id}/competencies",
        response_model=EmployeeCompetencies,
        response_class=JsonResponse,
        dependencies=no_parameters,
        operation_id="employees_competencies",
        responses=problem_responses(*_EMPLOYEE_ERRORS),
    )
    async def competencies(principal: CurrentPrincipal, id: UUID) -> Response:
        """The employee's current level per competency (the latest validated assessment that
        has not expired) and the claimed one (a newer proposed assessment, waiting for review).
        404 for an employee the caller may not read."""
        return JsonResponse(competencies_body(await training.competencies(principal, id)))

    @router.get(
        "/employees/{id}/gaps",
        response_model=EmployeeGaps,
        response_class=JsonResponse,
        dependencies=no_parameters,
        operation_id="employees_gaps",
        responses=problem_responses(*_EMPLOYEE_ERRORS),
    )
    async def gaps(principal: CurrentPrincipal, id: UUID) -> Response:
        """The open requirements of the employee's department above the employee's current
        level (none for an employee who has left). 404 for an employee the caller may not read."""
        return JsonResponse(gaps_body(await training.gaps(principal, id)))

    @router.get(
        "/employees/{id}/recommendations",
        response_model=models.recommendations,
        response_class=JsonResponse,
        dependencies=[Depends(known_parameters(["limit", *weight_names]))],
        operation_id="employees_recommendations",
        responses=problem_responses(*_EMPLOYEE_ERRORS),
    )
    async def recommendations(
        principal: CurrentPrincipal,
        id: UUID,
        limit: Annotated[int, Query(ge=1, le=MAX_RECOMMENDATIONS)] = DEFAULT_LIMIT,
        w_gap: Weight = None,
        w_fit: Weight = None,
        w_feedback: Weight = None,
        w_rating: Weight = None,
        w_popularity: Weight = None,
    ) -> Response:
        """Courses that would close the employee's gaps, best first, each with its score, every
        factor's value, weight and contribution, and the gaps it addresses. Weights are
        relative (default gap 0.35, fit 0.2, feedback 0.15, rating 0.15, popularity 0.15): a
        negative or non-finite one, or all zero, is a 422 naming the parameter. 404 for an
        employee the caller may not read."""
        weights = weights_of(
            {
                Factor.GAP: w_gap,
                Factor.FIT: w_fit,
                Factor.FEEDBACK: w_feedback,
                Factor.RATING: w_rating,
                Factor.POPULARITY: w_popularity,
            }
        )
        result = await training.recommendations(principal, id, weights=weights, limit=limit)
        return JsonResponse(recommendations_body(result, courses.present))

    return router
