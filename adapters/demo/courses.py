"""The demo course catalogue: public courses from several providers and the internal Academy,
each with the competencies it teaches and up to which level."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from upskill.domain.competency import Level

B, I, A, X = Level.BASIC, Level.INTERMEDIATE, Level.ADVANCED, Level.EXPERT  # noqa: E741 - short level names for the tables

PROVIDER_URLS = {
    "Coursera": "https://www.coursera.org/learn/",
    "Udemy": "https://www.udemy.com/course/",
    "Pluralsight": "https://www.pluralsight.com/courses/",
    "O'Reilly": "https://www.oreilly.com/live-events/",
    "edX": "https://www.edx.org/learn/",
    "LinkedIn Learning": "https://www.linkedin.com/learning/",
    "Upskill Academy": "https://academy.upskill.example/courses/",
}


@dataclass(frozen=True, slots=True)
class CourseSpec:
    provider: str
    title: str
    duration_hours: float
    rating: float
    learners: int
    covers: tuple[tuple[str, Level], ...]
    description: str

    @property
    def url(self) -> str:
        ascii_title = unicodedata.normalize("NFKD", self.title).encode("ascii", "ignore").decode()
        return PROVIDER_URLS[self.provider] + re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


C = CourseSpec

COURSES: tuple[CourseSpec, ...] = (
    # Software engineering
    C("Coursera", "Python for Everybody", 60, 4.8, 3_100_000, (("Python", B),),
      "Programming basics with Python 3: variables, functions, files, web data and databases."),
    C("Udemy", "Python Type Hints and Modern Tooling", 9, 4.5, 48_000, (("Python", I),),
      "Typing, mypy, ruff, packaging with pyproject.toml and virtual environments."),
    C("Pluralsight", "Advanced Python: Async and Concurrency", 6.5, 4.6, 31_000, (("Python", A),),
      "asyncio, threads and processes; structured concurrency and cancellation done right."),
    C("O'Reilly", "Fluent Python Live Training", 12, 4.7, 22_000, (("Python", X),),
      "The data model, descriptors, metaclasses and performance: Python as experts write it."),
    C("Upskill Academy", "Python at Upskill: A Tour of Our Codebase", 4, 4.3, 38, (("Python", I), ("SQL", B)),
      "Our services, conventions and review checklist, taught by the platform team."),
    C("Coursera", "SQL for Data Science", 14, 4.6, 720_000, (("SQL", B), ("Data analysis", B)),
      "SELECT to subqueries: filter, sort, join and summarise data with SQL."),
    C("Pluralsight", "SQL Query Tuning in PostgreSQL", 5, 4.5, 18_000, (("SQL", A),),
      "Reading query plans, choosing indexes and rewriting slow queries."),
    C("Udemy", "Test-Driven Development with pytest", 7.5, 4.6, 41_000, (("Automated testing", I), ("Python", I)),
      "Red, green, refactor: fixtures, parametrisation, fakes and property-based tests."),
    C("Pluralsight", "End-to-End Testing with Playwright", 4, 4.4, 12_500,
      (("Automated testing", A), ("TypeScript", I)), "Reliable browser tests: locators, fixtures, tracing, CI."),
    C("O'Reilly", "Designing Data-Intensive Applications: Live Course", 16, 4.8, 54_000,
      (("System design", A), ("SQL", A)), "Replication, partitioning, transactions and stream processing."),
    C("Upskill Academy", "Architecture Kata Workshop", 8, 4.6, 24, (("System design", X),),
      "Two days of design katas with our staff engineers: trade-offs, ADRs and reviews."),
    C("Udemy", "Understanding TypeScript", 15, 4.6, 310_000, (("TypeScript", I),),
      "Types, generics, decorators and the compiler, from JavaScript to typed code."),
    C("Pluralsight", "Advanced React Patterns with TypeScript", 6, 4.5, 21_000, (("TypeScript", A),),
      "Compound components, hooks, state machines and strict typing in React apps."),
    # Infrastructure
    C("edX", "Introduction to Kubernetes", 14, 4.6, 420_000, (("Kubernetes", B),),
      "Containers, pods, deployments and services: the Linux Foundation's introduction."),
    C("Udemy", "Kubernetes for Developers: CKAD Preparation", 18, 4.7, 150_000, (("Kubernetes", I),),
      "Everything the Certified Kubernetes Application Developer exam asks, with labs."),
    C("Pluralsight", "Certified Kubernetes Administrator Path", 30, 4.6, 64_000,
      (("Kubernetes", A), ("Observability", I)), "Cluster operations, networking, storage and upgrades."),
    C("O'Reilly", "Kubernetes Operators in Production", 10, 4.4, 9_800, (("Kubernetes", X),),
      "Writing, testing and running operators and custom resources at scale."),
    C("Upskill Academy", "Deploying to Our Clusters", 3, 4.1, 52, (("Kubernetes", I), ("Observability", B)),
      "Our Helm charts, environments, dashboards and rollback drill."),
    C("Coursera", "AWS Cloud Technical Essentials", 12, 4.7, 390_000, (("AWS", B),),
      "Compute, networking, storage, databases and IAM on AWS."),
    C("Udemy", "AWS Certified Solutions Architect Associate", 27, 4.7, 1_000_000, (("AWS", A), ("System design", I)),
      "Designing resilient, cost-effective architectures on AWS, with practice exams."),
    C("O'Reilly", "Observability Engineering: Live Course", 10, 4.6, 14_000, (("Observability", A),),
      "Structured events, tracing, SLOs and debugging production with high-cardinality data."),
    C("Pluralsight", "Prometheus and Grafana Fundamentals", 4.5, 4.4, 26_000, (("Observability", I),),
      "Metrics, PromQL, alerting rules and dashboards that people read."),
    # Data
    C("Coursera", "Google Data Analytics", 180, 4.8, 2_500_000, (("Data analysis", I), ("SQL", B)),
      "Ask, prepare, process, analyse, share and act on data with spreadsheets, SQL and R."),
    C("Coursera", "Machine Learning Specialization", 90, 4.9, 1_400_000, (("Machine learning", A), ("Python", I)),
      "Supervised and unsupervised learning, recommender systems and reinforcement learning."),
    # Sales and customers
    C("Coursera", "Successful Negotiation: Essential Strategies and Skills", 15, 4.8, 1_100_000,
      (("Negotiation", I),), "Prepare, open, bargain and close: negotiation as a process you can learn."),
    C("LinkedIn Learning", "Advanced Negotiation", 1.5, 4.6, 260_000, (("Negotiation", A),),
      "Multi-party negotiations, anchoring, concessions and walking away."),
    C("Upskill Academy", "Negotiating Enterprise Deals", 6, 4.5, 27, (("Negotiation", X), ("Consultative selling", A)),
      "Procurement, legal and security reviews: how our best deals were closed."),
    C("Udemy", "Consultative Selling Masterclass", 5, 4.4, 35_000,
      (("Consultative selling", I), ("Pipeline management", B)), "Discovery questions, qualification and value."),
    C("LinkedIn Learning", "Sales Forecasting and Pipeline Management", 1.2, 4.5, 90_000,
      (("Pipeline management", A),), "Stages, conversion rates, forecast categories and deal reviews."),
    C("Upskill Academy", "Customer Onboarding Playbook", 4, 4.7, 33, (("Customer onboarding", A),),
      "Kick-off to first value in thirty days: our onboarding plan and its templates."),
    C("LinkedIn Learning", "Customer Success Management Fundamentals", 2, 4.5, 120_000,
      (("Customer onboarding", I), ("Account management", I)), "Health scores, renewals and expansion."),
    C("Udemy", "Handling Difficult Customers", 3, 4.5, 68_000, (("De-escalation", I),),
      "Listening, empathy and firm boundaries on the phone, in chat and in person."),
    # Finance
    C("Coursera", "Business and Financial Modeling", 50, 4.6, 310_000, (("Financial modelling", I),),
      "Spreadsheet models for decisions: risk, uncertainty and scenarios."),
    C("O'Reilly", "Advanced Financial Modeling in Excel", 12, 4.5, 16_000,
      (("Financial modelling", A), ("Budgeting and forecasting", I)), "Three-statement models, DCF and sensitivities."),
    C("edX", "IFRS: Introduction to International Financial Reporting", 30, 4.4, 52_000,
      (("Accounting standards", I),), "Revenue, leases, financial instruments and consolidation under IFRS."),
    C("LinkedIn Learning", "Budgeting Foundations", 1.5, 4.6, 350_000, (("Budgeting and forecasting", B),),
      "Building, presenting and following up a budget."),
    # People and leadership
    C("Upskill Academy", "Structured Interviewing", 3, 4.8, 46, (("Interviewing", A),),
      "Scorecards, calibrated questions and debriefs that reduce bias."),
    C("edX", "Employment Law Fundamentals", 24, 4.3, 21_000, (("Employment law", I),),
      "Contracts, working time, discrimination, leave and termination."),
    C("Upskill Academy", "New Manager Bootcamp", 16, 4.7, 58, (("People management", I), ("Written communication", I)),
      "One-to-ones, feedback, delegation and your first performance reviews."),
    C("Coursera", "Leading People and Teams", 45, 4.7, 300_000, (("People management", A),),
      "Motivating people, leading teams and managing talent."),
    C("Pluralsight", "Agile Project Management", 5, 4.4, 70_000, (("Project management", I),),
      "Scrum, kanban, roadmaps and stakeholder updates."),
    # Communication and compliance
    C("Coursera", "Dynamic Public Speaking", 30, 4.7, 210_000, (("Public speaking", I),),
      "Informative, persuasive and ceremonial speeches, and the nerves that come with them."),
    C("LinkedIn Learning", "Writing in Plain English", 1, 4.6, 500_000, (("Written communication", I),),
      "Short sentences, active voice, structure: writing that people finish reading."),
    C("Upskill Academy", "Security Awareness: Annual Training", 1, 4.0, 412, (("Security awareness", B),),
      "Phishing, passwords, devices and personal data: the yearly training everyone takes."),
)  # fmt: skip
