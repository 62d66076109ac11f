"""`GET /problems/{slug}`: what each problem type means, from the problem table."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from adapters.http.problems import NOT_FOUND, PROBLEM_TYPES, ProblemException, problem_responses
from adapters.http.responses import JsonResponse


class ProblemTypeDescription(BaseModel):
    type: str
    title: str
    status: int
    description: str


def problem_docs_router() -> APIRouter:
    router = APIRouter(prefix="/problems", tags=["operations"])

    @router.get(
        "/{slug}",
        response_model=ProblemTypeDescription,
        response_class=JsonResponse,
        responses=problem_responses(404, 422, 500),
    )
    async def describe_problem(slug: str) -> Response:
        """The meaning of the problem type whose `type` is `/problems/{slug}`."""
        problem = PROBLEM_TYPES.get(slug)
        if problem is None:
            raise ProblemException(NOT_FOUND, f"There is no problem type '{slug}'.")
        body = {
            "type": problem.uri,
            "title": problem.title,
            "status": problem.status,
            "description": problem.description,
        }
        return JsonResponse(body)

    return router
