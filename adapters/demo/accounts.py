"""The demo accounts a fresh demo organisation gets: one per role, with known passwords so the
README can print them. For demos and local development only, never for real data."""

from __future__ import annotations

from dataclasses import dataclass

from upskill.domain.principal import Role


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    password: str
    role: Role


DEMO_ADMIN = DemoAccount("admin@upskill.example", "demo-Admin-2026!", Role.ADMIN)
"""Not linked to an employee: sees and manages everything."""

DEMO_MANAGER = DemoAccount("manager@upskill.example", "demo-Manager-2026!", Role.MANAGER)
"""Linked to the head of Engineering."""

DEMO_EMPLOYEE = DemoAccount("employee@upskill.example", "demo-Employee-2026!", Role.EMPLOYEE)
"""Linked to a software engineer in Engineering who has open gaps."""

DEMO_ACCOUNTS = (DEMO_ADMIN, DEMO_MANAGER, DEMO_EMPLOYEE)
