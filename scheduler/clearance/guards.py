"""The named guards of the transition table: each passes quietly or refuses with a reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from config import Settings
from scheduler.access.rules import TextAccess, has_channel_access
from scheduler.clearance.authorship import contribution_of
from scheduler.clearance.counting import approvals_met, has_approved
from scheduler.clearance.send_times import require_after_embargo, require_future
from scheduler.clearance.text_rules import require_valid_text
from scheduler.clearance.transitions import (
    Action,
    Transition,
    guards_of,
    known_action,
    refusal_message,
)
from scheduler.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from scheduler.core.local_time import describe
from scheduler.models import AccessRole, Channel, Post, PostAuthor, PostState, User


@dataclass
class GuardContext:
    """What a guard may look at: the post acted on, everything clearing with it, who, and when."""

    session: Session
    action: Action
    post: Post
    unit: list[Post]
    by: User
    now: datetime
    settings: Settings
    #: The send time the action would use (schedule may propose a new one).
    send_at: datetime | None = None
    comment: str = ""

    def channels(self) -> list[Channel]:
        """Return the channels of the unit, each once, the acted-on post's channel first."""
        seen: dict[int, Channel] = {}
        for member in self.unit:
            seen.setdefault(member.channel_id, member.channel)
        return list(seen.values())

    def local(self, instant: datetime) -> str:
        """Return the instant in the configured zone, for messages."""
        return describe(instant, self.settings.timezone)


def _describe(post: Post, relative_to: Post) -> str:
    if post.id == relative_to.id:
        return "this post"
    if post.twin_id == relative_to.id:
        return f"its twin on @{post.channel.handle}"
    if post.thread_position is not None:
        return f"post {post.thread_position} of the thread on @{post.channel.handle}"
    return f"the post on @{post.channel.handle}"


def _lacking(context: GuardContext, roles: Iterable[AccessRole]) -> list[Channel]:
    wanted = tuple(roles)
    return [
        channel
        for channel in context.channels()
        if not any(
            has_channel_access(context.session, context.by, channel, role) for role in wanted
        )
    ]


def _refuse_access(context: GuardContext, missing: list[Channel], role_words: str) -> None:
    if not missing:
        return
    names = ", ".join(f"@{channel.handle}" for channel in missing)
    together = (
        " (posts that clear together need it on every channel involved)"
        if len(context.channels()) > 1
        else ""
    )
    raise PermissionDenied(
        f"You need {role_words} access to {names}{together}; ask an admin or the channel owner"
    )


def author_access(context: GuardContext) -> None:
    """The person may write on every channel involved."""
    _refuse_access(context, _lacking(context, [AccessRole.AUTHOR]), "author")


def approver_access(context: GuardContext) -> None:
    """The person may clear posts on every channel involved."""
    _refuse_access(context, _lacking(context, [AccessRole.APPROVER]), "approver")


def author_or_approver_access(context: GuardContext) -> None:
    """The person may write or clear on every channel involved."""
    missing = _lacking(context, [AccessRole.AUTHOR, AccessRole.APPROVER])
    _refuse_access(context, missing, "author or approver")


def not_own_post(context: GuardContext) -> None:
    """Nobody clears what they wrote or changed since it was last cleared (separation of duties)."""
    for member in context.unit:
        if member.author_id == context.by.id:
            what = _describe(member, context.post)
            raise PermissionDenied(
                f"You wrote {what}; someone else must clear it (nobody clears their own post)"
            )
    found = [
        (member, row)
        for member in context.unit
        if (row := contribution_of(member, context.by.id)) is not None
    ]
    if found:
        # Name the post the person changed themselves, where it is one of these.
        by_id = {member.id: member for member in context.unit}
        _, row = next(((m, r) for m, r in found if r.source_post_id == m.id), found[0])
        changed = by_id.get(row.source_post_id or 0)
        raise PermissionDenied(
            f"You {_deed(row, changed, context.post)} since it was last approved; someone who "
            "did not write it must clear it"
        )


_FIELD_WORDS = {"text": "text", "send_at": "send time", "channel": "channel", "release": "release"}
#: What each kind of edit (and creating a post of the unit) did, by its audit action.
_DEEDS: dict[Action, str] = {
    Action.TWIN_ADDED: "added a twin to {what}",
    Action.CREATE: "wrote {what}",
    Action.THREAD_REORDERED: "reordered the thread of {what}",
    Action.IMAGE_ATTACHED: "attached an image to {what}",
    Action.IMAGE_REMOVED: "removed an image from {what}",
}


def _deed(row: PostAuthor, changed: Post | None, relative_to: Post) -> str:
    """Say what the person did that makes them an author ("changed this post's text")."""
    what = _describe(changed, relative_to) if changed is not None else "a post cleared with it"
    deed = known_action(row.action)
    if deed is not Action.EDIT:
        phrase = _DEEDS.get(deed, "changed {what}") if deed is not None else "changed {what}"
        return phrase.format(what=what)
    fields = [_FIELD_WORDS.get(name, name) for name in row.changed.split(",") if name]
    if not fields:
        return f"changed {what}"
    listed = (
        " and ".join(fields) if len(fields) < 3 else ", ".join(fields[:-1]) + f" and {fields[-1]}"
    )
    if what == "this post":
        return f"changed this post's {listed}"
    return f"changed the {listed} of {what}"


def text_readable(context: GuardContext) -> None:
    """The person may read every text involved now (the rule of `scheduler.access.rules`)."""
    access = TextAccess(context.session, context.by, now=context.now)
    for member in context.unit:
        release = member.release
        if release is not None and not access.allows(member):
            raise PermissionDenied(
                f"The text of {_describe(member, context.post)} is under embargo until "
                f"{context.local(release.embargo_at)}; only people on the pre-release access "
                f"list of {release.title!r} may read it"
            )


def unit_in_same_state(context: GuardContext) -> None:
    """Twins and thread posts are in the same state as the post acted on."""
    for member in context.unit:
        if member.state is not context.post.state:
            what = _describe(member, context.post)
            raise InvalidTransition(
                f"{what[0].upper()}{what[1:]} is {member.state.value.replace('_', ' ')}, "
                f"not {context.post.state.value.replace('_', ' ')}; posts that clear together "
                "must move together"
            )


def _in_flight(context: GuardContext) -> None:
    for member in context.unit:
        if member.state in (PostState.PUBLISHING, PostState.UNKNOWN):
            what = _describe(member, context.post)
            raise InvalidTransition(
                refusal_message(member.state, context.action, what[0].upper() + what[1:])
            )


def unit_not_in_flight(context: GuardContext) -> None:
    """Nothing clearing with the post is being published or in doubt."""
    _in_flight(context)


def unit_editable(context: GuardContext) -> None:
    """Nothing clearing with the post is being published or in doubt, so it can go back to draft."""
    _in_flight(context)


def text_valid(context: GuardContext) -> None:
    """Every text fits its platform's rules."""
    for member in context.unit:
        require_valid_text(member.channel, member.text, context.settings)


def twin_present(context: GuardContext) -> None:
    """Posts on channels that require a twin have one."""
    for member in context.unit:
        channel = member.channel
        if channel.requires_twin and member.twin_id is None:
            twin_channel = channel.twin
            where = f"on @{twin_channel.handle} ({twin_channel.language})" if twin_channel else ""
            raise ValidationFailed(
                f"@{channel.handle} requires a twin: add the twin text {where} before "
                "submitting".replace("  ", " "),
                field="twin_text",
            )


def not_already_approved(context: GuardContext) -> None:
    """Each approval comes from a different person."""
    for member in context.unit:
        if has_approved(member, context.by):
            raise PermissionDenied(
                "You have already approved this version; it needs a different approver"
            )


def comment_given(context: GuardContext) -> None:
    """A request for changes says what to change."""
    if not context.comment.strip():
        raise ValidationFailed("Say what needs to change", field="comment")


def approvals_valid(context: GuardContext) -> None:
    """The current version of every post involved is cleared by enough approvers."""
    for member in context.unit:
        if not approvals_met(member):
            what = _describe(member, context.post)
            raise InvalidTransition(
                f"{what[0].upper()}{what[1:]} no longer has enough approvals of its current "
                "version; it must be cleared again"
            )


def send_time_in_future(context: GuardContext) -> None:
    """The send time is set and still ahead."""
    require_future(context.send_at, now=context.now, settings=context.settings)


def send_time_after_embargo(context: GuardContext) -> None:
    """No post is sent before its release's embargo."""
    require_after_embargo(
        context.send_at, (member.release for member in context.unit), settings=context.settings
    )


def embargo_passed(context: GuardContext) -> None:
    """Publishing now is only possible once the embargo has passed."""
    for member in context.unit:
        release = member.release
        if release is not None and context.now < release.embargo_at:
            raise ValidationFailed(
                f"{release.title!r} is under embargo until "
                f"{context.local(release.embargo_at)}; it cannot be published now",
                field="send_at",
            )


GUARDS: dict[str, Callable[[GuardContext], None]] = {
    "author_access": author_access,
    "approver_access": approver_access,
    "author_or_approver_access": author_or_approver_access,
    "not_own_post": not_own_post,
    "text_readable": text_readable,
    "unit_in_same_state": unit_in_same_state,
    "unit_not_in_flight": unit_not_in_flight,
    "unit_editable": unit_editable,
    "text_valid": text_valid,
    "twin_present": twin_present,
    "not_already_approved": not_already_approved,
    "comment_given": comment_given,
    "approvals_valid": approvals_valid,
    "send_time_in_future": send_time_in_future,
    "send_time_after_embargo": send_time_after_embargo,
    "embargo_passed": embargo_passed,
}


def enforce(rows: Iterable[Transition], context: GuardContext) -> None:
    """Run the guards of the rows in table order; the first that fails refuses the action."""
    for name in guards_of(rows):
        GUARDS[name](context)
