"""Admin pages for releases: embargoes, pre-release access, and who read the text early."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from config.settings import Settings
from scheduler.access.rules import embargo_viewings
from scheduler.clearance import list_posts
from scheduler.core.errors import DomainError
from scheduler.core.local_time import describe
from scheduler.identity.accounts import get_user_by_email
from scheduler.models import Post, Release, User, utcnow
from scheduler.releases import operations as release_domain
from web import current
from web.admin import blueprint
from web.admin.guard import require_admin
from web.admin.local_instants import local_instant
from web.admin.release_forms import CreateReleaseForm, EmbargoForm, ReleaseAccessForm
from web.current import login_required
from web.extensions import db
from web.forms.errors import add_domain_error
from web.forms.storable import storable_form_value
from web.ui.messages import flash_domain_error, flash_saved

Page = str | Response


def _settings() -> Settings:
    settings = current.settings()
    return settings


@blueprint.route("/releases")
@login_required
def releases() -> str:
    """List releases by embargo, soonest first."""
    require_admin()
    return render_template(
        "admin/releases.html", releases=release_domain.list_releases(db.session), now=utcnow()
    )


@blueprint.route("/releases/new", methods=["GET", "POST"])
@login_required
def create_release() -> Page:
    """Record a release and its embargo, given in local time."""
    admin = require_admin()
    form = CreateReleaseForm()
    if form.validate_on_submit():
        try:
            embargo_at = local_instant(
                form.embargo_date, form.embargo_time, form.embargo_fold, _settings().timezone
            )
            release = release_domain.create_release(
                db.session, title=form.title.data or "", embargo_at=embargo_at, by=admin
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            flash_saved(
                f"Release “{release.title}” embargoed until "
                f"{describe(release.embargo_at, _settings().timezone)}"
            )
            return redirect(url_for("admin.release", release_id=release.id))
    return render_template("admin/create_release.html", form=form)


def _release_page(
    release: Release,
    *,
    embargo_form: EmbargoForm | None = None,
    access_form: ReleaseAccessForm | None = None,
) -> str:
    if embargo_form is None:
        embargo_form = EmbargoForm(formdata=None)
        local = release.embargo_at.astimezone(_settings().timezone)
        embargo_form.embargo_date.process(None, local.date())
        embargo_form.embargo_time.process(None, local.time())
    viewings = embargo_viewings(db.session, release)
    return render_template(
        "admin/release.html",
        release=release,
        posts=list_posts(db.session, release=release, limit=500),
        access=release_domain.release_access_list(db.session, release),
        viewings=viewings,
        viewers={
            user_id: db.session.get(User, user_id) for user_id in {v.user_id for v in viewings}
        },
        embargo_form=embargo_form,
        access_form=access_form or ReleaseAccessForm(formdata=None),
        embargoed=release.embargo_at > utcnow(),
        page_has_errors=bool(
            (embargo_form and embargo_form.errors) or (access_form and access_form.errors)
        ),
    )


@blueprint.route("/releases/<int:release_id>")
@login_required
def release(release_id: int) -> str:
    """Show a release: its embargo, posts, access list, and who viewed the text early."""
    require_admin()
    return _release_page(release_domain.get_release(db.session, release_id))


@blueprint.route("/releases/<int:release_id>/embargo", methods=["POST"])
@login_required
def move_embargo(release_id: int) -> Page:
    """Move the embargo; posts due before a later embargo move with it."""
    admin = require_admin()
    release = release_domain.get_release(db.session, release_id)
    form = EmbargoForm()
    if form.validate_on_submit():
        zone = _settings().timezone
        try:
            embargo_at = local_instant(
                form.embargo_date, form.embargo_time, form.embargo_fold, zone
            )
            moved = release_domain.move_embargo(
                db.session, release, embargo_at=embargo_at, by=admin, settings=_settings()
            )
        except DomainError as error:
            add_domain_error(form, error)
            db.session.refresh(release)
        else:
            flash_saved(_moved_message(release, moved))
            return redirect(url_for("admin.release", release_id=release.id))
    return _release_page(release, embargo_form=form)


def _moved_message(release: Release, moved: list[Post]) -> str:
    when = describe(release.embargo_at, _settings().timezone)
    if not moved:
        return f"Embargo is now {when}; no posts needed to move"
    listed = ", ".join(f"post {post.id} on @{post.channel.handle}" for post in moved)
    posts = f"{len(moved)} post{'s' if len(moved) != 1 else ''}"
    return f"Embargo is now {when}; {posts} moved with it to that time: {listed}"


@blueprint.route("/releases/<int:release_id>/access", methods=["POST"])
@login_required
def grant_release_access(release_id: int) -> Page:
    """Let someone see the release's text before its embargo."""
    admin = require_admin()
    release = release_domain.get_release(db.session, release_id)
    form = ReleaseAccessForm()
    if form.validate_on_submit():
        try:
            person = get_user_by_email(db.session, form.email.data or "")
            release_domain.grant_release_access(db.session, release, user=person, by=admin)
        except DomainError as error:
            add_domain_error(form, error)
            if error.field is None:
                form.email.errors = [error.message]
                form.form_errors.clear()
        else:
            flash_saved(f"{person.email} may now see “{release.title}” before its embargo")
            return redirect(url_for("admin.release", release_id=release.id))
    return _release_page(release, access_form=form)


@blueprint.route("/releases/<int:release_id>/access/revoke", methods=["POST"])
@login_required
def revoke_release_access(release_id: int) -> Response:
    """Take someone off the release's pre-release access list."""
    admin = require_admin()
    release = release_domain.get_release(db.session, release_id)
    try:
        person = get_user_by_email(db.session, storable_form_value("email", "Email address"))
        release_domain.revoke_release_access(db.session, release, user=person, by=admin)
    except DomainError as error:
        flash_domain_error(error)
    else:
        flash_saved(f"{person.email} can no longer see “{release.title}” before its embargo")
    return redirect(url_for("admin.release", release_id=release.id))
