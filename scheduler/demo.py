"""Seed an empty Gatepost with demo people (and, as features land, channels and a release)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from scheduler.accounts import count_users, create_user
from scheduler.models import Role


@dataclass(frozen=True)
class DemoSignIn:
    """One demo account to print for the person starting the demo."""

    email: str
    password: str
    role: Role
    name: str


DEMO_SIGN_INS = (
    DemoSignIn("lead@demo.gatepost.test", "demo-lead-password", Role.ADMIN, "Lowri Lead"),
    DemoSignIn(
        "officer@demo.gatepost.test", "demo-officer-password", Role.APPROVER, "Owen Officer"
    ),
    DemoSignIn("author@demo.gatepost.test", "demo-author-password", Role.AUTHOR, "Ada Author"),
    DemoSignIn("stats@demo.gatepost.test", "demo-stats-password", Role.AUTHOR, "Siân Statistician"),
)


def seed_demo(session: Session) -> bool:
    """Add the demo data to an empty database; return False if it already had people."""
    if count_users(session):
        return False
    for sign_in in DEMO_SIGN_INS:
        create_user(
            session,
            email=sign_in.email,
            password=sign_in.password,
            role=sign_in.role,
            name=sign_in.name,
            actor_label="demo",
        )
    return True
