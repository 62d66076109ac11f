"""The bodies of the training routes (coverage, competencies, gaps, recommendations): pydantic
models that document them in OpenAPI, and the functions that turn the use cases' results into
those bodies.

Responses are built as plain dicts and serialised by orjson (no model validation on the way
out), like the CRUD routes; the models only describe them. Embedded records (a requirement, a
course) are the very read models of their CRUD collections, so OpenAPI names each once. Every
list keeps the use case's documented order, so the same data gives the same body. Numbers are
the exact floats the core computes (a score is the sum of its contributions), never rounded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, create_model

from upskill.domain.competency import Level
from upskill.domain.coverage import Gap, RequirementCoverage
from upskill.domain.entity import Entity
from upskill.domain.recommend import Factor, Recommendation, Weights
from upskill.services import training as use_cases

Present = Callable[[Entity], object]


class CompetencyLevel(BaseModel):
    competency_id: UUID
    level: Level | None = Field(
        description="The current level: that of the latest validated assessment still valid on the day; "
        "null when there is none (below `basic`)."
    )
    claimed_level: Level | None = Field(
        description="The level of a proposed assessment newer than the one behind `level`, waiting for review; "
        "shown, never counted. null when there is none."
    )


class EmployeeCompetencies(BaseModel):
    """The employee's current and claimed level in each competency that has either (sorted by
    competency id); a competency with neither is absent (not assessed: below `basic`)."""

    employee_id: UUID
    on: date = Field(description="The day the levels are for (today, UTC).")
    items: list[CompetencyLevel]


class EmployeeGap(BaseModel):
    """An open requirement of the employee's department above the employee's current level."""

    requirement_id: UUID
    competency_id: UUID
    required_level: Level
    current_level: Level | None = Field(description="null: not assessed (below `basic`).")
    shortfall: int = Field(description="The requirement's gap in the department (people missing).")
    company_wide: bool = Field(description="true: a company-wide requirement; false: one of the employee's department.")


class EmployeeGaps(BaseModel):
    """In the order of the department's coverage (competency id, then required level)."""

    employee_id: UUID
    on: date
    items: list[EmployeeGap]


class AddressedGap(BaseModel):
    """One of the employee's gaps that a recommended course teaches beyond their current level."""

    requirement_id: UUID
    competency_id: UUID
    required_level: Level
    current_level: Level | None = Field(description="null: not assessed (below `basic`).")
    shortfall: int


class FactorScore(BaseModel):
    value: float = Field(description="The factor, normalised to [0, 1].")
    weight: float = Field(description="Its normalised weight (the weights sum to 1).")
    contribution: float = Field(description="weight · value; the score is their sum.")


class Weighting(BaseModel):
    """The weights used, normalised to sum 1."""

    gap: float
    fit: float
    feedback: float
    rating: float
    popularity: float


Factors = create_model(
    "RecommendationFactors",
    __doc__="Why a course is recommended: each factor's value, weight and contribution to the score.",
    **{f.value: (FactorScore, ...) for f in Factor},  # type: ignore[call-overload]
)


@dataclass(frozen=True, slots=True)
class TrainingModels:
    coverage: type[BaseModel]
    recommendations: type[BaseModel]


def training_models(requirement: type[BaseModel], course: type[BaseModel]) -> TrainingModels:
    """The models that embed a record: coverage (a requirement) and recommendations (a course)."""
    item: type[BaseModel] = create_model(
        "RequirementCoverage",
        __doc__="How far one applicable requirement is met: `gap` = max(0, headcount - covered).",
        requirement=(requirement, ...),
        competency_id=(UUID, ...),
        level=(Level, Field(description="The required level (or above).")),
        headcount=(int, ...),
        covered=(int, Field(description="Current employees at the level or above.")),
        gap=(int, ...),
        open=(bool, Field(description="gap > 0.")),
        covered_by=(list[UUID], Field(description="Ids of the employees who cover it, sorted.")),
    )
    coverage: type[BaseModel] = create_model(
        "DepartmentCoverage",
        __doc__="Every requirement that applies to the department (its own and the company-wide ones), "
        "ordered by competency id, then required level, then own before company-wide.",
        department_id=(UUID, ...),
        on=(date, Field(description="The day the coverage is for (today, UTC).")),
        requirements=(list[item], ...),
    )
    recommendation: type[BaseModel] = create_model(
        "Recommendation",
        __doc__="A course, its score in [0, 1], why (`factors`) and the employee's gaps it addresses.",
        course=(course, ...),
        score=(float, ...),
        factors=(Factors, ...),
        gaps=(list[AddressedGap], ...),
    )
    recommendations: type[BaseModel] = create_model(
        "Recommendations",
        __doc__="Ranked by score, then rating, then title. Courses the employee completed or is "
        "enrolled in are left out.",
        employee_id=(UUID, ...),
        on=(date, ...),
        weights=(Weighting, ...),
        items=(list[recommendation], ...),
    )
    return TrainingModels(coverage=coverage, recommendations=recommendations)


def coverage_body(result: use_cases.DepartmentCoverage, present: Present) -> dict[str, Any]:
    return {
        "department_id": result.department.id,
        "on": result.on,
        "requirements": [_coverage_item(item, present) for item in result.requirements],
    }


def _coverage_item(item: RequirementCoverage, present: Present) -> dict[str, Any]:
    requirement = item.requirement
    return {
        "requirement": present(requirement),
        "competency_id": requirement.competency_id,
        "level": requirement.level,
        "headcount": requirement.headcount,
        "covered": item.covered,
        "gap": item.gap,
        "open": item.is_open,
        "covered_by": list(item.covered_by),
    }


def competencies_body(result: use_cases.EmployeeCompetencies) -> dict[str, Any]:
    items = [
        {"competency_id": c, "level": result.levels.get(c), "claimed_level": result.claimed.get(c)}
        for c in sorted(result.levels.keys() | result.claimed.keys())
    ]
    return {"employee_id": result.employee.id, "on": result.on, "items": items}


def gaps_body(result: use_cases.EmployeeGaps) -> dict[str, Any]:
    items = [_gap(gap) | {"company_wide": gap.requirement.department_id is None} for gap in result.gaps]
    return {"employee_id": result.employee.id, "on": result.on, "items": items}


def _gap(gap: Gap) -> dict[str, Any]:
    return {
        "requirement_id": gap.requirement.id,
        "competency_id": gap.competency_id,
        "required_level": gap.level,
        "current_level": gap.current,
        "shortfall": gap.shortfall,
    }


def recommendations_body(result: use_cases.Recommendations, present: Present) -> dict[str, Any]:
    return {
        "employee_id": result.employee.id,
        "on": result.on,
        "weights": _weights(result.weights.normalised()),
        "items": [_recommendation(item, present) for item in result.items],
    }


def _weights(weights: Weights) -> dict[str, float]:
    return {f.value: weights.of(f) for f in Factor}


def _recommendation(item: Recommendation, present: Present) -> dict[str, Any]:
    return {
        "course": present(item.course),
        "score": item.score,
        "factors": {
            f.factor.value: {"value": f.value, "weight": f.weight, "contribution": f.contribution} for f in item.factors
        },
        "gaps": [_gap(gap) for gap in item.gaps],
    }
