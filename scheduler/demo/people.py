"""The demo's people: who they are, what they do, and the passwords printed for trying it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.demo.marker import demo_marker, seeded_person
from scheduler.models import Role, User


@dataclass(frozen=True)
class DemoPerson:
    """One person the demo adds, with the password anyone trying the demo signs in with."""

    email: str
    password: str
    role: Role
    name: str
    #: What they do in the team, in the words the demo's sign-in list uses.
    job: str


LEAD = DemoPerson(
    "lead@demo.gatepost.test", "demo-lead-password", Role.ADMIN, "Lowri Lead", "social media lead"
)
APPROVER = DemoPerson(
    "approver@demo.gatepost.test",
    "demo-approver-password",
    Role.APPROVER,
    "Owen Officer",
    "communications officer",
)
WELSH_APPROVER = DemoPerson(
    "welsh-approver@demo.gatepost.test",
    "demo-welsh-approver-password",
    Role.APPROVER,
    "Gwen Griffiths",
    "communications officer, Welsh language",
)
AUTHOR = DemoPerson(
    "author@demo.gatepost.test",
    "demo-author-password",
    Role.AUTHOR,
    "Ada Author",
    "content officer",
)
STATISTICIAN = DemoPerson(
    "stats@demo.gatepost.test",
    "demo-stats-password",
    Role.AUTHOR,
    "Siân Statistician",
    "statistician",
)

DEMO_PEOPLE = (LEAD, APPROVER, WELSH_APPROVER, AUTHOR, STATISTICIAN)


@dataclass(frozen=True)
class DemoSignIn:
    """How to sign in as one demo person, as the database has them now."""

    person: DemoPerson
    role: Role
    #: They sign in with a code from an authenticator app as well (`gatepost demo code`).
    two_factor: bool


def demo_sign_ins(session: Session) -> list[DemoSignIn]:
    """Return how to sign in as each demo person still in a database the demo seeded."""
    marker = demo_marker(session)
    if marker is None:
        return []
    by_email = {person.email: person for person in DEMO_PEOPLE}
    users = session.scalars(select(User).where(User.email.in_(by_email)).order_by(User.id))
    return [
        DemoSignIn(person=by_email[user.email], role=user.role, two_factor=user.totp_enabled)
        for user in users
        if seeded_person(marker, user)
    ]
