"""Each view is one unit of work: saved once when it returns, nothing saved when it refuses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, get_flashed_messages
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from scheduler.core.errors import PermissionDenied, ValidationFailed
from scheduler.identity.accounts import create_user
from scheduler.identity.sign_in import SignInRefused
from scheduler.models import Role, User
from tests.conftest import TEST_PASSWORD
from web.extensions import csrf, db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_domain_error, flash_saved


def _new_person(email: str) -> User:
    return create_user(
        db.session, email=email, password=TEST_PASSWORD, role=Role.AUTHOR, name="Someone"
    )


@pytest.fixture
def commits() -> Iterator[list[Session]]:
    """Record each commit of any session made while a test runs."""
    seen: list[Session] = []

    def record(session: Session) -> None:
        seen.append(session)

    event.listen(Session, "after_commit", record)
    yield seen
    event.remove(Session, "after_commit", record)


@pytest.fixture
def views(app: Flask) -> Flask:
    """Add views that change something and then succeed, refuse or raise."""

    def saved() -> str:
        _new_person("saved@example.gov.uk")
        flash_saved("Saved")
        return "ok"

    def refused_on_form() -> tuple[str, int]:
        _new_person("half@example.gov.uk")
        form = FlaskForm(meta={"csrf": False})
        add_domain_error(form, ValidationFailed("Enter a better title", field="title"))
        _new_person("after-refusal@example.gov.uk")  # nothing more is saved once refused
        return ", ".join(str(message) for message in form.form_errors), 400

    def refused_by_flash() -> str:
        _new_person("flashed@example.gov.uk")
        flash_saved("Saved")
        flash_domain_error(ValidationFailed("That cannot be done"))
        return "redirected"

    def raised() -> str:
        _new_person("raised@example.gov.uk")
        raise PermissionDenied("Only admins can do that")

    def counted_failure() -> str:
        _new_person("counted@example.gov.uk")  # stands for the failure a sign-in step records
        add_domain_error(FlaskForm(meta={"csrf": False}), SignInRefused("Enter a correct code"))
        return "refused, and counted"

    def messages() -> str:
        return "|".join(get_flashed_messages())

    for name, view in {
        "saved": saved,
        "refused_on_form": refused_on_form,
        "refused_by_flash": refused_by_flash,
        "raised": raised,
        "counted_failure": counted_failure,
    }.items():
        app.add_url_rule(f"/test-unit/{name}", name, csrf.exempt(view), methods=["POST"])
    app.add_url_rule("/test-unit/messages", "messages", messages)
    return app


def _emails(session: Session) -> set[str]:
    session.expire_all()
    return set(session.scalars(select(User.email)))


def test_a_view_that_returns_is_saved_with_one_commit(
    views: Flask, client: FlaskClient, session: Session, commits: list[Session]
) -> None:
    response = client.post("/test-unit/saved")
    assert response.status_code == 200
    assert len(commits) == 1
    assert "saved@example.gov.uk" in _emails(session)
    assert client.get("/test-unit/messages").text == "Saved"


def test_a_form_refusal_after_a_change_saves_nothing(
    views: Flask, client: FlaskClient, session: Session, commits: list[Session]
) -> None:
    response = client.post("/test-unit/refused_on_form")
    assert response.status_code == 400
    assert response.text == "Enter a better title"
    assert commits == []
    emails = _emails(session)
    assert "half@example.gov.uk" not in emails
    assert "after-refusal@example.gov.uk" not in emails


def test_a_flashed_refusal_saves_nothing_and_drops_the_news_of_success(
    views: Flask, client: FlaskClient, session: Session
) -> None:
    client.post("/test-unit/refused_by_flash")
    assert "flashed@example.gov.uk" not in _emails(session)
    assert client.get("/test-unit/messages").text == "That cannot be done"


def test_a_view_that_raises_saves_nothing(
    views: Flask, client: FlaskClient, session: Session, commits: list[Session]
) -> None:
    response = client.post("/test-unit/raised")
    assert response.status_code == 403
    assert commits == []
    assert "raised@example.gov.uk" not in _emails(session)


def test_a_refusal_that_keeps_its_changes_is_saved(
    views: Flask, client: FlaskClient, session: Session
) -> None:
    client.post("/test-unit/counted_failure")
    assert "counted@example.gov.uk" in _emails(session)


def test_a_page_that_only_reads_saves_nothing(
    app: Flask, client: FlaskClient, session: Session, commits: list[Session]
) -> None:
    def read_page() -> str:
        _new_person("read@example.gov.uk")  # a GET's session only reads: nothing is kept
        return "read"

    app.add_url_rule("/test-unit/read", "read_page", read_page)
    assert client.get("/test-unit/read").text == "read"
    assert commits == []
    assert "read@example.gov.uk" not in _emails(session)
