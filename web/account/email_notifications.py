"""Your e-mail notifications: each as it happens, one daily digest at a chosen time, or none."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from werkzeug.wrappers import Response

from scheduler.core.errors import DomainError
from scheduler.models import utcnow
from scheduler.models.notification import EmailChoice
from scheduler.notifications.choices import (
    DEFAULT_DIGEST_TIME,
    EmailPreference,
    choose_email,
    email_preference,
)
from web.account import blueprint
from web.account.forms import EmailNotificationsForm
from web.current import login_required, settings
from web.current import signed_in_user as _signed_in_user
from web.extensions import db
from web.forms.errors import add_domain_error
from web.ui.messages import flash_saved

Page = str | Response


def describe_preference(preference: EmailPreference) -> str:
    """Return the choice in words, e.g. "One daily digest at 08:00"."""
    if preference.choice is EmailChoice.DAILY_DIGEST and preference.digest_time is not None:
        wall = preference.digest_time
        return f"One daily digest at {wall.hour:02d}:{wall.minute:02d}"
    if preference.choice is EmailChoice.NONE:
        return "No e-mails"
    return "Each notification as it happens"


@blueprint.route("/email-notifications", methods=["GET", "POST"])
@login_required
def email_notifications() -> Page:
    """Choose how notifications are e-mailed; the app shows every notification whatever."""
    user = _signed_in_user()
    preference = email_preference(db.session, user)
    form = EmailNotificationsForm(
        data={
            "email": preference.choice.value,
            "digest_time": preference.digest_time or DEFAULT_DIGEST_TIME,
        }
    )
    if form.validate_on_submit():
        try:
            chosen = choose_email(
                db.session,
                user,
                choice=form.email.data or "",
                digest_time=form.digest_time.data,
                zone=settings().timezone,
                now=utcnow(),
            )
        except DomainError as refused:
            add_domain_error(form, refused)
        else:
            flash_saved(f"E-mail notifications: {describe_preference(chosen).lower()}")
            return redirect(url_for("account.index"))
    return render_template(
        "account/email_notifications.html", form=form, zone=settings().timezone.key
    )
