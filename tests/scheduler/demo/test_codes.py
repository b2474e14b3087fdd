"""A demo person's current code: accepted by the real sign-in check, never a real account's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy.orm import Session

from config import Settings
from scheduler.demo.codes import NoCodeYet, NotADemoPerson, current_demo_code
from scheduler.demo.seed import seed_demo
from scheduler.identity.accounts import create_user, get_user_by_email
from scheduler.identity.sign_in import check_code, check_password
from scheduler.identity.two_factor import confirm_enrolment, start_enrolment, turn_off, verify_code
from scheduler.models import Role
from tests.conftest import TEST_PASSWORD
from tests.support.totp import enrol

SEEDED_AT = datetime(2027, 3, 10, 14, 0, 5, tzinfo=UTC)
APPROVER = "approver@demo.gatepost.test"


@pytest.fixture
def demo(session: Session, settings: Settings) -> Session:
    """Return the session over a database the demo has just seeded."""
    seed_demo(session, settings, now=SEEDED_AT)
    return session


def test_the_code_is_the_one_sign_in_accepts_even_in_the_step_the_app_was_set_up(
    demo: Session,
) -> None:
    # The seed confirmed the app with the code of this very step, which cannot be used again.
    shown = current_demo_code(demo, APPROVER, now=SEEDED_AT)
    assert shown.user.email == APPROVER
    assert len(shown.code) == 6
    assert shown.code.isdigit()
    # The next step's code, good until the end of the step after it (one step of drift allowed).
    assert shown.valid_for == timedelta(seconds=85)

    checked = check_password(
        demo, email=APPROVER, password="demo-approver-password", ip_address="127.0.0.1",
        now=SEEDED_AT,
    )  # fmt: skip
    assert checked.id == shown.user.id
    check_code(demo, shown.user, code=shown.code, ip_address="127.0.0.1", now=SEEDED_AT)


def test_a_later_code_is_the_current_step_and_a_used_one_is_never_shown_again(
    demo: Session,
) -> None:
    later = SEEDED_AT + timedelta(minutes=5)
    user = get_user_by_email(demo, APPROVER)
    first = current_demo_code(demo, APPROVER, now=later)
    # At 14:05:05: sign-in takes this step's code until 14:06:00 (a step of clock drift).
    assert first.valid_for == timedelta(seconds=55)
    assert verify_code(user, first.code, now=later)
    second = current_demo_code(demo, APPROVER, now=later)
    assert second.code != first.code
    assert verify_code(user, second.code, now=later)
    with pytest.raises(NoCodeYet, match="run this again in 25 seconds"):
        current_demo_code(demo, APPROVER, now=later)


def test_a_database_the_demo_did_not_seed_has_no_codes(session: Session) -> None:
    user = create_user(
        session, email=APPROVER, password=TEST_PASSWORD, role=Role.APPROVER, name="Not a demo"
    )
    enrol(session, user)
    with pytest.raises(NotADemoPerson, match="not set up by 'gatepost serve --demo'"):
        current_demo_code(session, APPROVER, now=SEEDED_AT)


def test_someone_the_demo_did_not_add_has_no_codes(demo: Session) -> None:
    real = create_user(
        demo, email="officer@example.gov.uk", password=TEST_PASSWORD, role=Role.APPROVER
    )
    enrol(demo, real)
    for email in ("officer@example.gov.uk", "nobody@demo.gatepost.test"):
        with pytest.raises(NotADemoPerson, match=f"^{email} is not one of the people the demo"):
            current_demo_code(demo, email, now=SEEDED_AT)


def test_a_demo_person_who_set_up_their_own_app_has_no_codes_shown(demo: Session) -> None:
    user = get_user_by_email(demo, APPROVER)
    later = SEEDED_AT + timedelta(minutes=5)
    secret = start_enrolment(user)
    code = pyotp.TOTP(secret).at(later)
    confirm_enrolment(demo, user, code, now=later, current_password="demo-approver-password")
    with pytest.raises(NotADemoPerson, match="changed their two-factor authentication"):
        current_demo_code(demo, APPROVER, now=later)


def test_a_demo_person_whose_app_was_turned_off_has_no_codes_shown(demo: Session) -> None:
    lead = get_user_by_email(demo, "lead@demo.gatepost.test")
    approver = get_user_by_email(demo, APPROVER)
    turn_off(demo, approver, by=lead, now=SEEDED_AT + timedelta(minutes=1))
    with pytest.raises(NotADemoPerson, match="changed their two-factor authentication"):
        current_demo_code(demo, APPROVER, now=SEEDED_AT + timedelta(minutes=2))


def test_an_author_needs_no_code(demo: Session) -> None:
    with pytest.raises(NotADemoPerson, match="signs in with a password alone"):
        current_demo_code(demo, "author@demo.gatepost.test", now=SEEDED_AT)


def test_an_address_that_is_not_one_is_refused_like_anyone_else(demo: Session) -> None:
    with pytest.raises(NotADemoPerson, match="is not one of the people the demo added"):
        current_demo_code(demo, "not an address", now=SEEDED_AT)
