"""Release pages: the list of releases (upcoming first, today's marked) and each one's board."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template

from scheduler.access.rules import ViewingLog, may_open_releases, may_see_release
from scheduler.core.errors import PermissionDenied
from scheduler.models import Channel, utcnow
from scheduler.releases.operations import get_release
from scheduler.releases.readiness import build_board, list_release_summaries
from web import current
from web.admin.connection_status import connection_view
from web.current import login_required, signed_in_user
from web.extensions import db
from web.releases import blueprint

#: Past releases listed below the upcoming ones.
RECENT = 20


@dataclass(frozen=True)
class ChannelLine:
    """A channel's connection as the board shows it."""

    channel: Channel
    platform: str
    working: bool
    status: str


def _channel_line(channel: Channel) -> ChannelLine:
    # The channel page's own words (connected as whom, when checked, what went wrong), which
    # ask the platform's adapter whether it needs a connection at all.
    view = connection_view(channel)
    if view is None:
        # The built-in mock platform, and any other that publishes without credentials.
        return ChannelLine(channel, channel.platform, True, "Needs no connection")
    return ChannelLine(channel, channel.platform, view.working, view.status)


@blueprint.route("")
@login_required
def index() -> str:
    """List the releases the person may see: upcoming soonest first, then recent ones."""
    user = signed_in_user()
    if not may_open_releases(db.session, user):
        raise PermissionDenied("Only people who work on releases can see them")
    settings = current.settings()
    now = utcnow()
    return render_template(
        "releases/index.html",
        upcoming=list_release_summaries(
            db.session, reader=user, settings=settings, now=now, upcoming=True
        ),
        recent=list_release_summaries(
            db.session, reader=user, settings=settings, now=now, upcoming=False, limit=RECENT
        ),
        now=now,
    )


@blueprint.route("/<int:release_id>")
@login_required
def show(release_id: int) -> str:
    """Show one release's readiness board."""
    user = signed_in_user()
    release = get_release(db.session, release_id)
    if not may_see_release(db.session, user, release):
        raise PermissionDenied(
            "Only the release's creator, the people on its access list, the authors and "
            "approvers of its channels and admins can see its board"
        )
    viewings = ViewingLog()
    board = build_board(
        db.session, release, reader=user, settings=current.settings(), now=utcnow(), log=viewings
    )
    page = render_template(
        "releases/show.html",
        board=board,
        release=release,
        channels=[_channel_line(channel) for channel in board.channels],
        may_manage=user.is_admin,
    )
    # Each embargoed text shown is a read, recorded apart once the page is ready (a GET's
    # session only reads, and a record that cannot be written must not fail the page).
    db.after_transaction(lambda: viewings.record_apart(db.database.session_factory))
    return page
