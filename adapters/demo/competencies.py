"""The demo competency catalogue and what each department requires of it.

Requirement headcounts are not fixed here: the planner sets them from the generated levels so
that requirements meant to be met are met and those meant to be open really fall short.
"""

from __future__ import annotations

from dataclasses import dataclass

from upskill.domain.competency import Level


@dataclass(frozen=True, slots=True)
class CompetencySpec:
    name: str
    category: str
    description: str
    valid_days: int | None = None
    """Assessments in it expire after this many days (certifications, yearly training)."""


COMPETENCIES: tuple[CompetencySpec, ...] = (
    CompetencySpec(
        "Python", "Software engineering", "Idiomatic Python: typing, packaging, async, the standard library."
    ),
    CompetencySpec("TypeScript", "Software engineering", "Typed front-end and Node.js code, React components."),
    CompetencySpec("SQL", "Software engineering", "Queries, joins, window functions, indexes and query plans."),
    CompetencySpec("Automated testing", "Software engineering", "Unit, integration and end-to-end tests; CI."),
    CompetencySpec("System design", "Software engineering", "Designing services that scale, fail well and evolve."),
    CompetencySpec("Kubernetes", "Infrastructure", "Deploying and operating workloads on Kubernetes.", 730),
    CompetencySpec("AWS", "Infrastructure", "Core AWS services, networking, IAM and cost control.", 1095),
    CompetencySpec("Observability", "Infrastructure", "Metrics, logs, traces, SLOs and on-call practice."),
    CompetencySpec("Data analysis", "Data", "Exploring, cleaning and explaining data with notebooks and BI tools."),
    CompetencySpec("Machine learning", "Data", "Training, evaluating and shipping ML models."),
    CompetencySpec("Negotiation", "Sales", "Preparing for and leading commercial negotiations."),
    CompetencySpec("Consultative selling", "Sales", "Discovery, qualification and value-based selling."),
    CompetencySpec("Pipeline management", "Sales", "Forecasting, CRM hygiene and deal reviews."),
    CompetencySpec("Account management", "Customer", "Growing and renewing existing customer accounts."),
    CompetencySpec("Customer onboarding", "Customer", "Getting new customers to their first success quickly."),
    CompetencySpec("De-escalation", "Customer", "Calming difficult conversations and resolving complaints."),
    CompetencySpec("Financial modelling", "Finance", "Three-statement models, scenarios and valuation."),
    CompetencySpec("Budgeting and forecasting", "Finance", "Annual budgets, rolling forecasts, variance analysis."),
    CompetencySpec("Accounting standards", "Finance", "IFRS and local GAAP, month-end close, audits."),
    CompetencySpec("Employment law", "People", "Contracts, working time, leave and dismissals."),
    CompetencySpec("Interviewing", "People", "Structured, fair interviews and hiring decisions."),
    CompetencySpec("People management", "Leadership", "Leading a team: one-to-ones, feedback, growth, hiring."),
    CompetencySpec("Project management", "Leadership", "Planning, tracking and delivering cross-team work."),
    CompetencySpec("Public speaking", "Communication", "Presenting clearly to customers, teams and conferences."),
    CompetencySpec("Written communication", "Communication", "Clear documents, emails and proposals."),
    CompetencySpec("Security awareness", "Compliance", "Phishing, passwords, data protection: yearly training.", 365),
)


@dataclass(frozen=True, slots=True)
class RequirementSpec:
    department: str | None
    """None: company-wide."""
    competency: str
    level: Level
    open: bool
    """Whether the department should fall short of it (the planner sizes the headcount)."""
    headcount: int | None = None
    """Fixed headcount (company-wide requirements); None: sized by the planner."""


B, I, A, X = Level.BASIC, Level.INTERMEDIATE, Level.ADVANCED, Level.EXPERT  # noqa: E741 - short level names for the tables

REQUIREMENTS: tuple[RequirementSpec, ...] = (
    RequirementSpec("Engineering", "Python", A, open=True),
    RequirementSpec("Engineering", "Kubernetes", A, open=True),
    RequirementSpec("Engineering", "Observability", I, open=True),
    RequirementSpec("Engineering", "System design", A, open=False),
    RequirementSpec("Engineering", "SQL", I, open=False),
    RequirementSpec("Engineering", "Automated testing", I, open=False),
    RequirementSpec("Sales", "Negotiation", A, open=True),
    RequirementSpec("Sales", "Public speaking", I, open=True),
    RequirementSpec("Sales", "Consultative selling", I, open=False),
    RequirementSpec("Sales", "Pipeline management", I, open=False),
    RequirementSpec("Customer Success", "Customer onboarding", A, open=True),
    RequirementSpec("Customer Success", "Account management", I, open=False),
    RequirementSpec("Customer Success", "De-escalation", I, open=False),
    RequirementSpec("Finance", "Financial modelling", A, open=True),
    RequirementSpec("Finance", "Accounting standards", I, open=False),
    RequirementSpec("Finance", "Budgeting and forecasting", I, open=False),
    RequirementSpec("People", "Employment law", I, open=True),
    RequirementSpec("People", "Interviewing", A, open=False),
    RequirementSpec("People", "People management", A, open=False),
    RequirementSpec(None, "Security awareness", B, open=False, headcount=3),
    RequirementSpec(None, "Written communication", I, open=False, headcount=2),
)
