"""Admin pages for people: list, add, change role, deactivate, reset 2FA, sign out everywhere."""

from __future__ import annotations

from collections.abc import Callable

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from scheduler.core.errors import DomainError
from scheduler.identity import user_admin
from scheduler.identity.accounts import create_user, list_users
from scheduler.models import User
from web.admin import blueprint
from web.admin.guard import require_admin
from web.admin.user_forms import ROLE_HINTS, ChangeRoleForm, CreateUserForm
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_domain_error, flash_saved

Page = str | Response


@blueprint.route("/users")
@login_required
def users() -> str:
    """List everyone, with their role and how they sign in."""
    require_admin()
    return render_template("admin/users.html", users=list_users(db.session))


@blueprint.route("/users/new", methods=["GET", "POST"])
@login_required
def create_person() -> Page:
    """Add a person with a first password and a role."""
    admin = require_admin()
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            person = create_user(
                db.session,
                email=form.email.data or "",
                password=form.password.data or "",
                role=form.role.data or "",
                name=form.name.data or "",
                by=admin,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(f"{person.email} can now sign in as {person.role.value}")
            return redirect(url_for("admin.person", user_id=person.id))
    return render_template("admin/create_user.html", form=form, role_hints=ROLE_HINTS)


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int) -> Page:
    """Show a person and change their role."""
    admin = require_admin()
    person = user_admin.get_user(db.session, user_id)
    form = ChangeRoleForm()
    if not form.is_submitted():
        form.role.data = person.role.value
    if form.validate_on_submit():
        try:
            user_admin.change_role(db.session, person, role=form.role.data or "", by=admin)
        except DomainError as error:
            add_domain_error(form, error)
            db.session.refresh(person)
        else:
            flash_saved(_role_message(person))
            return redirect(url_for("admin.person", user_id=person.id))
    return render_template(
        "admin/user.html", person=person, form=form, admin=admin, role_hints=ROLE_HINTS
    )


def _role_message(person: User) -> str:
    message = f"{person.email} is now {'an' if person.role.value[0] in 'aeiou' else 'a'} "
    message += person.role.value
    if person.requires_second_factor and not person.totp_enabled:
        message += "; they must set up two-factor authentication when they next sign in"
    return message


def _act(user_id: int, change: Callable[..., User], done: Callable[[User], str]) -> Response:
    # `change` is a user_admin operation: (session, person, by=admin).
    admin = require_admin()
    person = user_admin.get_user(db.session, user_id)
    try:
        change(db.session, person, by=admin)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash_saved(done(person))
    return redirect(url_for("admin.person", user_id=user_id))


@blueprint.route("/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate(user_id: int) -> Response:
    """Stop someone signing in or using their tokens."""
    return _act(
        user_id,
        user_admin.deactivate_user,
        lambda person: f"{person.email} is deactivated and signed out everywhere",
    )


@blueprint.route("/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def reactivate(user_id: int) -> Response:
    """Let a deactivated person sign in again."""
    return _act(
        user_id,
        user_admin.reactivate_user,
        lambda person: f"{person.email} can sign in again",
    )


@blueprint.route("/users/<int:user_id>/reset-two-factor", methods=["POST"])
@login_required
def reset_two_factor(user_id: int) -> Response:
    """Remove someone's authenticator app, for a lost phone."""
    return _act(
        user_id,
        user_admin.reset_two_factor,
        lambda person: (
            f"{person.email}'s two-factor authentication is reset"
            + (
                "; they must set up a new app when they next sign in"
                if person.requires_second_factor
                else ""
            )
        ),
    )


@blueprint.route("/users/<int:user_id>/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_person_everywhere(user_id: int) -> Response:
    """End every session someone has."""
    return _act(
        user_id,
        user_admin.sign_out_user_everywhere,
        lambda person: f"{person.email} is signed out on every device",
    )
