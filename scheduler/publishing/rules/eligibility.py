"""The rules checked at the moment of publishing, whatever was checked when the post was scheduled.

Invariant 1 again, for a whole claimed batch at once: the current text approved by enough people,
none of them its author; the twin ready where there is one (or required); the send time and the
embargo passed; inside the publishing window or carrying an admin override (which never lifts an
embargo); the post before it in its thread published. A post that may go but is past the grace
period after it first could is not sent: it is held as missed for a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from scheduler.core.local_time import describe
from scheduler.models import PostState
from scheduler.publishing.rows import ChannelFacts, PostRow
from scheduler.publishing.rules.facts import Facts
from scheduler.publishing.rules.timing import first_allowed, judge_timing
from scheduler.publishing.rules.window import PublishingWindow, WindowNeverOpens

# How soon to look again when waiting on something another worker is doing right now.
SHORT_WAIT = timedelta(seconds=1)
# How soon to look again after two workers each claimed one half of a pair of twins.
TWIN_RACE_WAIT = timedelta(milliseconds=200)
# How soon to look again when this worker lacks the channel's platform adapter.
ADAPTER_MISSING_WAIT = timedelta(minutes=1)
GONE = (PostState.WITHDRAWN, PostState.REMOVED)


class Verdict(StrEnum):
    """What happens to a claimed post in this pass."""

    PUBLISH = "publish"
    HOLD = "hold"
    MISSED = "missed"


@dataclass(slots=True)
class Decision:
    """The verdict on one post, and what publishing it needs."""

    post: PostRow
    verdict: Verdict
    reason: str | None = None
    #: when it may go (HOLD); None means it waits for a person or for another post
    until: datetime | None = None
    first_allowed_at: datetime | None = None
    reply_to: str | None = None
    #: the thread predecessor published earlier in this same pass
    reply_after: int | None = None
    twin_published_at: datetime | None = None
    #: the claimed twin that goes straight after (or before) it
    partner_id: int | None = None


@dataclass(frozen=True)
class RuleContext:
    """The instant and surroundings the rules are checked against."""

    now: datetime
    window: PublishingWindow
    grace: timedelta
    owner: str
    #: posts claimed earlier in this pass whose results are not recorded yet
    in_pass: Collection[int] = ()
    #: decisions taken earlier in the same pass (dry runs simulate a pass without claiming)
    prior: Mapping[int, Decision] = field(default_factory=dict)
    platform_known: Callable[[str], bool] = lambda _name: True
    #: whether a platform's channels must be connected (credentials stored) to publish
    needs_connection: Callable[[str], bool] = lambda _name: False


def _state_text(state: PostState) -> str:
    return {
        PostState.IN_REVIEW: "in review",
        PostState.APPROVED: "approved but not scheduled",
    }.get(state, state.value)


#: A reason composed by `waiting_reason`: the post waited on (by id), what it is doing, and
#: perhaps its root cause after ": ".
_WAITING = re.compile(
    r"(?:Waits for .*?\(#(?P<thread>\d+)\)|Held with its twin #(?P<twin>\d+)), "
    r"which (?P<doing>(?:is|was|did) .+?)(?:: (?P<cause>.*)|$)",
    re.DOTALL,
)
#: How a reason says what the post it waits on is doing, by that post's verdict.
_VERDICT_TEXT = {Verdict.HOLD: "is held", Verdict.MISSED: "was missed", Verdict.PUBLISH: "is due"}


def root_cause(reason: str) -> str:
    """Return what holds a post at bottom, said on its own, without the posts waited on between.

    "Waits for … (#12), which is held: After office hours …" gives "After office hours …";
    "Waits for … (#11), which was missed" gives "#11 was missed".
    """
    while (waiting := _WAITING.fullmatch(reason)) is not None:
        if waiting["cause"] is None:
            return f"#{waiting['thread'] or waiting['twin']} {waiting['doing']}"
        reason = waiting["cause"]
    return reason


def waiting_reason(waits_on: str, doing: str, cause: str | None = None) -> str:
    """Return why a post waits on another: that post once, what it is doing, its root cause once.

    `waits_on` names the post by id, e.g. "Waits for the post before it in its thread (#12)" or
    "Held with its twin #12"; `doing` is e.g. "is held" or "did not go out". The cause of a post
    that itself waits is reduced to its root, so reasons never nest ("Waits for #12, which is
    held: Waits for #11, ...").
    """
    if not cause:
        return f"{waits_on}, which {doing}"
    return f"{waits_on}, which {doing}: {root_cause(cause)}"


def not_connected_reason(handle: str) -> str:
    """Return why posts wait on a channel that must be connected to its platform and is not."""
    return f"@{handle} is not connected: an admin must connect it"


def _hold(post: PostRow, reason: str, until: datetime | None) -> Decision:
    return Decision(post, Verdict.HOLD, reason=reason, until=until)


def judge(batch: Sequence[PostRow], facts: Facts, context: RuleContext) -> dict[int, Decision]:
    """Return the verdict on every post of a claimed batch."""
    decisions: dict[int, Decision] = {}
    # Thread posts after the others, in thread order, so a predecessor is judged first.
    ordered = sorted(
        batch,
        key=lambda row: (row.thread_id is not None, row.thread_id or 0, row.thread_position or 0),
    )
    for post in ordered:
        decisions[post.id] = _judge_one(post, facts, context, decisions)
    _pair_twins(decisions, facts)
    return decisions


def _judge_one(
    post: PostRow, facts: Facts, context: RuleContext, decisions: Mapping[int, Decision]
) -> Decision:
    channel = facts.channels[post.channel_id]
    if not channel.active:
        return _hold(post, f"The channel {channel.handle} is switched off", None)
    if not context.platform_known(channel.platform):
        return _hold(
            post,
            f"No adapter for the platform {channel.platform!r} is installed where the worker runs",
            context.now + ADAPTER_MISSING_WAIT,
        )
    if not channel.connected and context.needs_connection(channel.platform):
        # Until a person connects it (which looks at these posts again at once).
        return _hold(post, not_connected_reason(channel.handle), None)
    have, need = facts.approvals.get(post.id, 0), channel.approvals_required
    if have < need:
        return _hold(
            post,
            f"Not cleared: its current text has {have} of the {need} approval"
            f"{'s' if need > 1 else ''} it needs (its author's own never counts)",
            None,
        )
    twin = _twin_rule(post, channel, facts, context)
    if isinstance(twin, Decision):
        return twin
    try:
        timing = _time_rule(post, channel, facts, context)
    except WindowNeverOpens as error:
        return _hold(post, str(error), None)
    if isinstance(timing, Decision):
        return timing
    thread = _thread_rule(post, facts, context, decisions)
    if thread.verdict is Verdict.HOLD:
        return thread
    first_allowed = timing
    if context.now - first_allowed > context.grace:
        minutes = int(context.grace.total_seconds() // 60)
        return Decision(
            post,
            Verdict.MISSED,
            reason=(
                f"Missed: it could go from {describe(first_allowed, context.window.zone)} but "
                f"had not gone {minutes} minutes later (was the worker stopped?). Publish it now "
                "or reschedule it"
            ),
            first_allowed_at=first_allowed,
        )
    thread.first_allowed_at = first_allowed
    thread.twin_published_at = twin
    return thread


def _twin_rule(
    post: PostRow, channel: ChannelFacts, facts: Facts, context: RuleContext
) -> Decision | datetime | None:
    """Return a hold, or when its twin went out already (None if that does not apply)."""
    partner_id = facts.partner_of.get(post.id)
    if partner_id is None:
        if channel.requires_twin:
            return _hold(
                post,
                f"{channel.handle} needs every post to have a twin in the other language; add one",
                None,
            )
        return None
    partner = facts.others.get(partner_id)
    if partner is None:
        # Claimed in the same batch: the pair is judged together afterwards.
        return None
    if partner.state is PostState.PUBLISHED:
        return partner.published_at
    if partner.state in GONE and not channel.requires_twin:
        return None
    if partner.state is PostState.PUBLISHING:
        return _hold(
            post,
            f"Its twin #{partner.id} is being published by another worker; twins go together",
            context.now + SHORT_WAIT,
        )
    if partner.state is PostState.SCHEDULED:
        # Another worker is claiming the twin this very moment. Both step back for a moment,
        # each for a different time so they do not meet again, and one then takes the pair.
        return _hold(
            post,
            f"Its twin #{partner.id} is being claimed by another worker; twins go together",
            context.now + TWIN_RACE_WAIT + timedelta(milliseconds=post.id % 800),
        )
    partner_channel = facts.channels.get(partner.channel_id)
    where = f" on {partner_channel.handle}" if partner_channel else ""
    return _hold(
        post,
        f"Its twin #{partner.id}{where} is {_state_text(partner.state)}; twins go out together",
        None,
    )


def _time_rule(
    post: PostRow, channel: ChannelFacts, facts: Facts, context: RuleContext
) -> Decision | datetime:
    """Return a hold, or the first instant the rules allowed it (for the grace period)."""
    now, window = context.now, context.window
    release = facts.releases.get(post.release_id) if post.release_id else None
    embargo = release.embargo_at if release else None
    send = post.send_at or post.due_at or now
    granted = facts.overrides.get(post.id)
    timing = judge_timing(
        window,
        at=now,
        send_at=send,
        channel_id=channel.id,
        embargo=embargo,
        release_title=release.title if release else None,
        override_from=granted,
    )
    if timing.reason is not None:
        return _hold(post, timing.reason, timing.may_go_at)
    if post.first_allowed_at is not None:
        return post.first_allowed_at
    # Not recorded yet: work it out from the rules, from when it was last due.
    base = max(send, embargo) if embargo else send
    start = max(base, post.due_at) if post.due_at else base
    allowed = first_allowed(
        window, start, channel_id=channel.id, not_before=base, override_from=granted
    )
    return min(allowed, now)


def _thread_rule(
    post: PostRow, facts: Facts, context: RuleContext, decisions: Mapping[int, Decision]
) -> Decision:
    """Return a publish decision replying to its predecessor, or a hold."""
    ready = Decision(post, Verdict.PUBLISH)
    if post.thread_id is None:
        return ready
    position = post.thread_position or 0
    earlier = [
        member
        for member in facts.threads.get(post.thread_id, [])
        if (member.thread_position or 0) < position and member.state not in GONE
    ]
    if not earlier:
        return ready
    before = earlier[-1]
    waits_on = f"Waits for the post before it in its thread (#{before.id})"
    if before.state is PostState.PUBLISHED:
        ready.reply_to = before.external_id
        return ready
    decided = decisions.get(before.id) or context.prior.get(before.id)
    if decided is not None:
        if decided.verdict is Verdict.PUBLISH:
            ready.reply_after = before.id
            return ready
        if decided.verdict is Verdict.MISSED:
            # Its own reason says when it could have gone and what to do; no need to repeat it.
            return _hold(post, waiting_reason(waits_on, "was missed"), None)
        return _hold(post, waiting_reason(waits_on, "is held", decided.reason), decided.until)
    if before.state is PostState.PUBLISHING:
        if before.lease_owner == context.owner and before.id in context.in_pass:
            ready.reply_after = before.id
            return ready
        return _hold(post, waiting_reason(waits_on, "is being published"), context.now + SHORT_WAIT)
    if before.state is PostState.SCHEDULED:
        if before.due_at is None:
            return _hold(post, waiting_reason(waits_on, "is held", before.hold_reason), None)
        until = max(before.due_at, context.now + SHORT_WAIT)
        if before.hold_reason:
            return _hold(post, waiting_reason(waits_on, "is held", before.hold_reason), until)
        due = f"is due at {describe(before.due_at, context.window.zone)}"
        return _hold(post, waiting_reason(waits_on, due), until)
    return _hold(post, waiting_reason(waits_on, f"is {_state_text(before.state)}"), None)


def _pair_twins(decisions: dict[int, Decision], facts: Facts) -> None:
    """Make claimed twins go together, or hold together."""
    for post_id in sorted(decisions):
        partner_id = facts.partner_of.get(post_id)
        if partner_id is None or partner_id not in decisions or partner_id < post_id:
            continue
        first, second = decisions[post_id], decisions[partner_id]
        publishing = [item for item in (first, second) if item.verdict is Verdict.PUBLISH]
        if len(publishing) == 2:
            first.partner_id, second.partner_id = partner_id, post_id
        elif len(publishing) == 1:
            ready = publishing[0]
            blocker = second if ready is first else first
            until = blocker.until if blocker.verdict is Verdict.HOLD else None
            decisions[ready.post.id] = _hold(
                ready.post,
                waiting_reason(
                    f"Held with its twin #{blocker.post.id}",
                    _VERDICT_TEXT[blocker.verdict],
                    None if blocker.verdict is Verdict.MISSED else blocker.reason,
                ),
                until,
            )
        elif (
            first.verdict is Verdict.HOLD
            and second.verdict is Verdict.HOLD
            and first.until is not None
            and second.until is not None
        ):
            first.until = second.until = max(first.until, second.until)
