"""A deterministic demo organisation (departments, people, competencies, requirements with real
gaps, assessment history, feedback, courses, enrollments and one account per role), written
through the services: `await seed_demo(DemoServices(...), today=date.today())`."""

from adapters.demo.accounts import DEMO_ACCOUNTS, DEMO_ADMIN, DEMO_EMPLOYEE, DEMO_MANAGER, DemoAccount
from adapters.demo.seed import DEFAULT_SEED, DemoServices, DemoSummary, seed_demo

__all__ = [
    "DEFAULT_SEED",
    "DEMO_ACCOUNTS",
    "DEMO_ADMIN",
    "DEMO_EMPLOYEE",
    "DEMO_MANAGER",
    "DemoAccount",
    "DemoServices",
    "DemoSummary",
    "seed_demo",
]
