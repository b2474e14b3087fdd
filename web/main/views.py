"""Home page: what waits for the signed-in person, each item with its one next action."""

from __future__ import annotations

from flask import render_template

from scheduler.access.post_actions import unreadable_because
from scheduler.access.rules import (
    TextAccess,
    ViewingLog,
    may_write_posts,
    read_texts,
    redacted_text,
)
from scheduler.models import utcnow
from scheduler.reports.home import home_for, lead_posts
from web.current import login_required, settings, signed_in_user
from web.extensions import db
from web.main import blueprint


@blueprint.route("/")
@login_required
def home() -> str:
    """Show what waits for the signed-in person."""
    user = signed_in_user()
    config = settings()
    now = utcnow()
    found = home_for(db.session, user, zone=config.timezone, now=now)
    leads = lead_posts(found)
    viewings = ViewingLog()
    texts = dict(
        zip(
            (post.id for post in leads),
            read_texts(db.session, leads, reader=user, now=now, log=viewings),
            strict=True,
        )
    )
    # What the page shows of each listed unit: its lead's text, or the embargo notice instead.
    shown = {
        post.id: texts[post.id] if texts[post.id] is not None else redacted_text(post, config)
        for post in leads
    }
    # A send-back comment may quote the embargoed figures: shown on the text's own terms.
    access = TextAccess(db.session, user, now=now)
    comments = {
        item.lead.id: item.comment if access.allows(item.lead) else ""
        for item in found.sent_back.items
    }
    # Units the person is asked to clear but may not read (embargoed, not on the list): said
    # here, as the inbox says it, rather than found out on the post page.
    cannot_clear = {
        unit[0].id: unreadable_because(db.session, unit[0], by=user, settings=config, now=now)
        for unit in (found.to_clear.items if found.to_clear is not None else [])
    }
    html = render_template(
        "main/home.html",
        user=user,
        home=found,
        texts=shown,
        comments=comments,
        cannot_clear=cannot_clear,
        may_write=may_write_posts(db.session, user),
        now=now,
    )
    # Reading embargoed texts is recorded apart from the read, as the inbox does.
    db.after_transaction(lambda: viewings.record_apart(db.database.session_factory))
    return html
