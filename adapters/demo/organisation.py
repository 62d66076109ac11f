"""The demo organisation's shape: departments, their teams and job titles, what each job title
is typically assessed in (and at what level), and the names people are drawn from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from upskill.domain.competency import Level

B, I, A, X = Level.BASIC, Level.INTERMEDIATE, Level.ADVANCED, Level.EXPERT  # noqa: E741 - short level names for the tables


@dataclass(frozen=True, slots=True)
class Team:
    lead: str
    members: Mapping[str, int]
    """Job title → how many people hold it."""

    @property
    def titles(self) -> tuple[str, ...]:
        """One job title per member, in the order of `members`."""
        return tuple(title for title, count in self.members.items() for _ in range(count))


@dataclass(frozen=True, slots=True)
class DepartmentSpec:
    name: str
    description: str
    head: str
    teams: tuple[Team, ...]


DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        "Engineering",
        "Builds and runs the product: platform, product teams and data.",
        "VP of Engineering",
        (
            Team(
                "Engineering Manager, Platform",
                {
                    "Staff Engineer": 1,
                    "Site Reliability Engineer": 2,
                    "Senior Software Engineer": 1,
                    "Software Engineer": 2,
                },
            ),
            Team(
                "Engineering Manager, Product",
                {"Senior Software Engineer": 2, "Software Engineer": 2, "Frontend Engineer": 2, "QA Engineer": 1},
            ),
            Team(
                "Engineering Manager, Data",
                {"Senior Data Engineer": 1, "Data Engineer": 2, "Machine Learning Engineer": 1, "Software Engineer": 1},
            ),
        ),
    ),
    DepartmentSpec(
        "Sales",
        "Finds new customers and grows the accounts we have.",
        "Head of Sales",
        (
            Team(
                "Sales Manager, EMEA",
                {"Senior Account Executive": 1, "Account Executive": 3, "Sales Development Representative": 2},
            ),
            Team(
                "Sales Manager, North America",
                {
                    "Senior Account Executive": 1,
                    "Account Executive": 1,
                    "Sales Engineer": 1,
                    "Sales Development Representative": 1,
                },
            ),
        ),
    ),
    DepartmentSpec(
        "Customer Success",
        "Onboards customers, keeps them successful and answers their support requests.",
        "Head of Customer Success",
        (
            Team("Customer Success Lead", {"Customer Success Manager": 3, "Onboarding Specialist": 1}),
            Team("Support Lead", {"Support Specialist": 3, "Technical Account Manager": 1}),
        ),
    ),
    DepartmentSpec(
        "Finance",
        "Accounting, financial planning and analysis, payroll.",
        "Chief Financial Officer",
        (
            Team("Financial Controller", {"Accountant": 2, "Payroll Specialist": 1}),
            Team("FP&A Manager", {"Financial Analyst": 1, "FP&A Analyst": 1}),
        ),
    ),
    DepartmentSpec(
        "People",
        "Recruiting, people partnering, learning and development.",
        "Head of People",
        (
            Team("People Partner Lead", {"People Partner": 1, "People Operations Coordinator": 1}),
            Team("Talent Acquisition Lead", {"Recruiter": 2}),
        ),
    ),
)

Profile = tuple[tuple[str, Level], ...]

_ENGINEERING_MANAGER: Profile = (
    ("People management", A),
    ("System design", A),
    ("Python", A),
    ("Project management", I),
)
_SALES_MANAGER: Profile = (
    ("Negotiation", A),
    ("People management", I),
    ("Pipeline management", A),
    ("Consultative selling", A),
)

PROFILES: dict[str, Profile] = {
    "VP of Engineering": (("People management", X), ("System design", A), ("Public speaking", A), ("Python", I)),
    "Engineering Manager, Platform": (*_ENGINEERING_MANAGER, ("Kubernetes", A)),
    "Engineering Manager, Product": (*_ENGINEERING_MANAGER, ("TypeScript", I)),
    "Engineering Manager, Data": (*_ENGINEERING_MANAGER, ("SQL", A)),
    "Staff Engineer": (("Python", X), ("System design", X), ("Kubernetes", A), ("Observability", A)),
    "Senior Software Engineer": (("Python", A), ("SQL", A), ("System design", I), ("Automated testing", A)),
    "Software Engineer": (("Python", I), ("SQL", I), ("Automated testing", I), ("Kubernetes", B)),
    "Site Reliability Engineer": (("Kubernetes", A), ("AWS", A), ("Observability", A), ("Python", I)),
    "Frontend Engineer": (("TypeScript", A), ("Automated testing", I), ("System design", B)),
    "QA Engineer": (("Automated testing", A), ("Python", I), ("SQL", B)),
    "Senior Data Engineer": (("Python", A), ("SQL", X), ("AWS", I), ("Data analysis", A)),
    "Data Engineer": (("Python", I), ("SQL", A), ("Data analysis", I)),
    "Machine Learning Engineer": (("Python", A), ("Machine learning", A), ("Data analysis", A), ("SQL", I)),
    "Head of Sales": (
        ("Negotiation", X),
        ("People management", A),
        ("Public speaking", A),
        ("Consultative selling", X),
    ),
    "Sales Manager, EMEA": _SALES_MANAGER,
    "Sales Manager, North America": _SALES_MANAGER,
    "Senior Account Executive": (("Negotiation", A), ("Consultative selling", A), ("Pipeline management", I)),
    "Account Executive": (("Negotiation", I), ("Consultative selling", I), ("Pipeline management", I)),
    "Sales Development Representative": (("Consultative selling", B), ("Pipeline management", B)),
    "Sales Engineer": (("Consultative selling", I), ("Public speaking", I), ("Python", B), ("System design", B)),
    "Head of Customer Success": (("Account management", X), ("People management", A), ("De-escalation", A)),
    "Customer Success Lead": (("Account management", A), ("Customer onboarding", A), ("People management", I)),
    "Support Lead": (("De-escalation", A), ("People management", I), ("SQL", B)),
    "Customer Success Manager": (("Account management", I), ("Customer onboarding", I), ("Negotiation", B)),
    "Onboarding Specialist": (("Customer onboarding", A), ("Public speaking", I)),
    "Support Specialist": (("De-escalation", I), ("SQL", B)),
    "Technical Account Manager": (("Account management", A), ("SQL", I), ("Python", B)),
    "Chief Financial Officer": (("Financial modelling", X), ("Accounting standards", X), ("People management", A)),
    "Financial Controller": (("Accounting standards", A), ("Budgeting and forecasting", A), ("People management", I)),
    "FP&A Manager": (("Financial modelling", A), ("Budgeting and forecasting", A), ("SQL", I)),
    "Accountant": (("Accounting standards", I), ("Budgeting and forecasting", B)),
    "Payroll Specialist": (("Accounting standards", B), ("Employment law", I)),
    "Financial Analyst": (("Financial modelling", I), ("Data analysis", I), ("SQL", B)),
    "FP&A Analyst": (("Financial modelling", I), ("Budgeting and forecasting", I), ("Data analysis", B)),
    "Head of People": (("People management", X), ("Employment law", A), ("Public speaking", A)),
    "People Partner Lead": (("Employment law", A), ("People management", I)),
    "Talent Acquisition Lead": (("Interviewing", X), ("People management", I)),
    "People Partner": (("Employment law", I), ("People management", B)),
    "People Operations Coordinator": (("Employment law", B), ("Project management", B)),
    "Recruiter": (("Interviewing", A), ("Negotiation", I)),
}

COMMON_PROFILE: Profile = (("Written communication", I), ("Security awareness", B))
"""Everyone may be assessed in these as well (each one with some probability)."""

FIRST_NAMES: tuple[str, ...] = (
    "Aisha", "Akira", "Alejandro", "Amara", "Ana", "Anders", "Anya", "Arjun", "Beatriz", "Ben", "Chen", "Chloé",
    "Daniel", "Dario", "Elena", "Emeka", "Emma", "Farah", "Felix", "Freya", "Gabriel", "Grace", "Hana", "Hugo",
    "Ines", "Isaac", "Jamal", "Jana", "Javier", "Jonas", "Julia", "Kai", "Kenji", "Laila", "Lars", "Leila", "Leo",
    "Lucía", "Malik", "Marta", "Mateo", "Maya", "Mei", "Mohammed", "Nadia", "Niamh", "Nikolai", "Noah", "Nora",
    "Oliver", "Olga", "Omar", "Paula", "Priya", "Rafael", "Ravi", "Rosa", "Samir", "Sara", "Sofia", "Tariq",
    "Thomas", "Valentina", "Wei", "Yara", "Yusuf", "Zoë",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abara", "Andersen", "Bauer", "Becker", "Bianchi", "Castillo", "Chen", "Costa", "Dubois", "Eriksson", "Fischer",
    "García", "Gómez", "Haddad", "Hansen", "Hernández", "Ibrahim", "Ivanova", "Jansen", "Kaur", "Kim", "Kowalski",
    "Lambert", "Larsen", "Li", "López", "Mahmoud", "Martin", "Mendes", "Meyer", "Moreau", "Müller", "Murphy",
    "Nakamura", "Novak", "Nowak", "O'Brien", "Okafor", "Oliveira", "Park", "Patel", "Petrov", "Popescu", "Rossi",
    "Santos", "Schmidt", "Sharma", "Silva", "Singh", "Smith", "Suzuki", "Tanaka", "Walsh", "Weber", "Wright",
    "Yamamoto", "Yilmaz", "Zhang", "Adeyemi", "Bergström", "Dimitrov", "Fernández", "Kovač", "Lindqvist", "Mensah",
    "Nguyen", "Ortiz", "Quinn", "Reyes", "Sato", "Varga", "Wójcik",
)  # fmt: skip
