"""Admin pages for people."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.models import Role, User
from tests.conftest import TEST_PASSWORD

SignInAs = Callable[[Role], User]
PostForm = Callable[..., TestResponse]
MakeUser = Callable[..., User]

PAGES = ["/admin", "/admin/users", "/admin/users/new", "/admin/users/{id}"]
ACTIONS = ["deactivate", "reactivate", "reset-two-factor", "sign-out-everywhere"]


@pytest.mark.parametrize("path", PAGES)
def test_strangers_are_sent_to_sign_in(client: FlaskClient, make_user: MakeUser, path: str) -> None:
    response = client.get(path.format(id=make_user().id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("path", PAGES)
def test_only_admins_see_the_pages(
    client: FlaskClient, signed_in_as: SignInAs, make_user: MakeUser, role: Role, path: str
) -> None:
    signed_in_as(role)
    assert client.get(path.format(id=make_user().id)).status_code == 403


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("action", ACTIONS)
def test_only_admins_act_on_people(
    client: FlaskClient,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
    role: Role,
    action: str,
) -> None:
    signed_in_as(role)
    target = make_user()
    response = post_form(f"/admin/users/{target.id}/{action}", page="/account")
    assert response.status_code == 403


@pytest.mark.parametrize(
    "path",
    ["/admin/users/new", "/admin/users/{id}"] + [f"/admin/users/{{id}}/{a}" for a in ACTIONS],
)
def test_forms_need_their_csrf_token(
    client: FlaskClient, signed_in_as: SignInAs, make_user: MakeUser, path: str
) -> None:
    signed_in_as(Role.ADMIN)
    response = client.post(path.format(id=make_user().id), data={"role": "approver"})
    assert response.status_code == 400


def test_admins_see_the_admin_section_and_everyone(
    client: FlaskClient, signed_in_as: SignInAs, make_user: MakeUser
) -> None:
    signed_in_as(Role.ADMIN)
    author = make_user(Role.AUTHOR)
    home = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/users"' in home
    assert author.email in client.get("/admin/users").get_data(as_text=True)


def test_an_admin_adds_a_person(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    response = post_form(
        "/admin/users/new",
        {
            "name": "Nia Jones",
            "email": "nia@example.gov.uk",
            "password": TEST_PASSWORD,
            "role": "approver",
        },
    )
    assert response.status_code == 302
    person = session.scalars(select(User).where(User.email == "nia@example.gov.uk")).one()
    assert person.role is Role.APPROVER
    assert person.name == "Nia Jones"


def test_an_address_with_markup_in_it_is_refused(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    response = post_form(
        "/admin/users/new",
        {
            "name": "X",
            "email": "x<script>@ex.gov.uk",
            "password": TEST_PASSWORD,
            "role": "author",
        },
    )
    assert "is not an e-mail address" in response.get_data(as_text=True)
    assert session.scalar(select(User).where(User.email.contains("script"))) is None


def test_adding_a_person_keeps_what_was_typed_on_error(
    client: FlaskClient, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    response = post_form(
        "/admin/users/new",
        {
            "name": "Nia Jones",
            "email": "not-an-address",
            "password": TEST_PASSWORD,
            "role": "author",
        },
    )
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "is not an e-mail address" in page
    assert 'value="Nia Jones"' in page
    assert TEST_PASSWORD not in page


def test_an_admin_changes_a_role_and_is_told_about_2fa(
    client: FlaskClient,
    session: Session,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    author = make_user(Role.AUTHOR)
    response = post_form(f"/admin/users/{author.id}", {"role": "approver"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "is now an approver; they must set up two-factor authentication" in page
    session.refresh(author)
    assert author.role is Role.APPROVER


def test_an_admin_cannot_change_their_own_role(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    admin = signed_in_as(Role.ADMIN)
    assert 'name="role"' not in client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    response = post_form(f"/admin/users/{admin.id}", {"role": "author"})
    assert "You cannot change your own role" in response.get_data(as_text=True)
    session.refresh(admin)
    assert admin.role is Role.ADMIN


def test_deactivate_reactivate_reset_and_sign_out(
    client: FlaskClient,
    session: Session,
    signed_in_as: SignInAs,
    make_enrolled_user: Callable[..., tuple[User, list[str]]],
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    approver, _ = make_enrolled_user(Role.APPROVER)
    page = f"/admin/users/{approver.id}"
    login_id = approver.login_id
    post_form(f"{page}/sign-out-everywhere", page=page)
    session.refresh(approver)
    assert approver.login_id != login_id
    post_form(f"{page}/reset-two-factor", page=page)
    session.refresh(approver)
    assert not approver.totp_enabled
    post_form(f"{page}/deactivate", page=page)
    session.refresh(approver)
    assert not approver.active
    assert "Deactivated" in client.get(page).get_data(as_text=True)
    post_form(f"{page}/reactivate", page=page)
    session.refresh(approver)
    assert approver.active


def test_an_admin_cannot_deactivate_themselves(
    client: FlaskClient, session: Session, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    admin = signed_in_as(Role.ADMIN)
    response = post_form(f"/admin/users/{admin.id}/deactivate", page="/account")
    assert response.status_code == 302
    assert "You cannot deactivate yourself" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    session.refresh(admin)
    assert admin.active
