"""The clearance and publishing state machine, as one table of transitions with named guards."""

# Each row says: from this state, this action leads to that state, if these guards pass. Rows
# for the same state and action differ by `when`, the condition that picks the outcome. Rows
# marked SYSTEM are taken by the publishing worker, never by a person; the worker takes its
# audit action names and target states from them (scheduler/publishing/rules/vocabulary.py), so
# the audit trail, notifications and reports read one vocabulary for people and the worker.

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from scheduler.core.errors import InvalidTransition
from scheduler.models import PostState


class Action(StrEnum):
    """Everything that can happen to a post (names appear in the audit trail)."""

    # Creating a post: a new one, the twin written for a post, a post added to a thread.
    CREATE = "create"
    # Kinds of edit: each is audited by its own name and realises the EDIT rows of the table.
    # EDIT itself changes the text, send time, channel or release.
    EDIT = "edit"
    TWIN_ADDED = "twin_added"
    IMAGE_ATTACHED = "image_attached"
    IMAGE_REMOVED = "image_removed"
    THREAD_REORDERED = "thread_reordered"
    # The effect of an edit on the rest of its clearance unit: the posts cleared with the
    # changed one go back to draft with it (by the same EDIT rows) and lose their approvals.
    RETURNED_TO_DRAFT = "returned_to_draft"
    SUBMIT = "submit"
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    PUBLISH_NOW = "publish_now"
    WITHDRAW = "withdraw"
    RETRY = "retry"
    CONFIRM_PUBLISHED = "confirm_published"
    CONFIRM_NOT_PUBLISHED = "confirm_not_published"
    # Removal: an approver or admin has a published post deleted from its platform.
    REMOVE = "remove"
    # People's changes that leave the state as it is. A release's embargo moved later takes
    # the send times due before it along (the text is unchanged, so approvals stand); an
    # admin's override lets one content version go outside the publishing window.
    SEND_TIME_MOVED_WITH_EMBARGO = "send_time_moved_with_embargo"
    OVERRIDE_GRANTED = "override_granted"
    # A comment on the post (scheduler/comments/): its event names the comment and whom it
    # mentions, never its words, which may quote an embargoed text.
    COMMENT = "comment"
    # The worker's own actions.
    CLAIM = "claim"
    MARK_PUBLISHED = "mark_published"
    MARK_RETRY = "mark_retry"
    MARK_FAILED = "mark_failed"
    MARK_UNKNOWN = "mark_unknown"
    MARK_MISSED = "mark_missed"
    MARK_HELD = "mark_held"
    # Alerts: audit events that change no state but that people must hear about.
    ALERT_TWIN_LEFT_BEHIND = "alert_twin_left_behind"
    ALERT_HELD_AT_EMBARGO = "alert_held_at_embargo"


class Actor(StrEnum):
    """Who takes a transition."""

    PERSON = "person"
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    """One row of the state machine."""

    #: None for creation, the one row that starts a post rather than moving it.
    source: PostState | None
    action: Action
    target: PostState
    actor: Actor = Actor.PERSON
    #: Named checks that must pass (see guards.py); a failing one refuses with its own message.
    guards: tuple[str, ...] = ()
    #: The condition that picks this row among rows with the same source and action.
    when: str = ""


S = PostState
A = Action
P = Actor.PERSON
W = Actor.SYSTEM  # the publishing worker
T = Transition

# Named guard lists (the guards themselves are in guards.py and run in this order).
EDITING = ("author_access", "text_readable", "unit_editable")
SUBMITTING = ("author_access", "unit_in_same_state", "text_valid", "twin_present")
_REVIEW = ("approver_access", "not_own_post", "text_readable", "unit_in_same_state")
APPROVING = (*_REVIEW, "not_already_approved")
SENDING_BACK = (*_REVIEW, "comment_given")
_TIMING = ("approvals_valid", "send_time_in_future", "send_time_after_embargo")
SCHEDULING = ("approver_access", "not_own_post", "unit_in_same_state", *_TIMING)
UNSCHEDULING = ("author_or_approver_access", "unit_in_same_state")
WITHDRAWING = ("author_or_approver_access", "unit_not_in_flight")
RETRYING = ("author_or_approver_access", "approvals_valid")
PUBLISHING_NOW = ("approver_access", "not_own_post", "approvals_valid", "embargo_passed")
CONFIRMING = ("approver_access",)
REQUEUEING = ("approver_access", "approvals_valid")
CLAIMING = ("due", "approvals_valid", "embargo_passed", "in_window_or_override", "twin_ready")
LEASED = ("lease_held",)
REMOVING = ("approver_access",)

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # Every post starts as a draft, checked by the operation that writes it (author access,
    # valid text, a send time ahead and not before the embargo). A twin or a thread post
    # written for an existing unit is created so, and the unit then takes the EDIT rows.
    T(None,         A.CREATE,                S.DRAFT,      P, (),
      "a new post, a twin, or a post added to a thread"),
    # Any edit sends the post, and everything cleared with it, back to draft and voids the
    # approvals. The rows are realised by the kinds of edit, each audited by its own name:
    # EDIT (text, send time, channel, release: scheduler/clearance/drafting.py:edit_post),
    # TWIN_ADDED (drafting.py:add_twin), IMAGE_ATTACHED and IMAGE_REMOVED (clearance/media.py),
    # THREAD_REORDERED (a post added to or moved in a thread: scheduler/clearance/threads.py).
    # The rest of the unit goes back to draft by the same rows, audited RETURNED_TO_DRAFT.
    T(S.DRAFT,      A.EDIT,                  S.DRAFT,      P, EDITING),
    T(S.IN_REVIEW,  A.EDIT,                  S.DRAFT,      P, EDITING),
    T(S.APPROVED,   A.EDIT,                  S.DRAFT,      P, EDITING),
    T(S.SCHEDULED,  A.EDIT,                  S.DRAFT,      P, EDITING),
    T(S.FAILED,     A.EDIT,                  S.DRAFT,      P, EDITING),
    T(S.MISSED,     A.EDIT,                  S.DRAFT,      P, EDITING),
    # Clearance.
    T(S.DRAFT,      A.SUBMIT,                S.IN_REVIEW,  P, SUBMITTING),
    T(S.IN_REVIEW,  A.APPROVE,               S.IN_REVIEW,  P, APPROVING,
      "more approvals needed"),
    T(S.IN_REVIEW,  A.APPROVE,               S.APPROVED,   P, APPROVING,
      "enough approvals; no send time, or it has passed"),
    T(S.IN_REVIEW,  A.APPROVE,               S.SCHEDULED,  P, APPROVING,
      "enough approvals and a send time ahead, not before the embargo"),
    T(S.IN_REVIEW,  A.REQUEST_CHANGES,       S.DRAFT,      P, SENDING_BACK),
    # An approver picks the time of an approved post, never its author.
    T(S.APPROVED,   A.SCHEDULE,              S.SCHEDULED,  P, SCHEDULING),
    T(S.SCHEDULED,  A.UNSCHEDULE,            S.APPROVED,   P, UNSCHEDULING),
    # Withdrawal, from any state before publishing.
    T(S.DRAFT,      A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    T(S.IN_REVIEW,  A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    T(S.APPROVED,   A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    T(S.SCHEDULED,  A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    T(S.FAILED,     A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    T(S.MISSED,     A.WITHDRAW,              S.WITHDRAWN,  P, WITHDRAWING),
    # Recovery by people.
    T(S.FAILED,     A.RETRY,                 S.SCHEDULED,  P, RETRYING,
      "due again now, or at the embargo if that is later"),
    T(S.MISSED,     A.SCHEDULE,              S.SCHEDULED,  P, SCHEDULING),
    T(S.MISSED,     A.PUBLISH_NOW,           S.SCHEDULED,  P, PUBLISHING_NOW),
    T(S.UNKNOWN,    A.CONFIRM_PUBLISHED,     S.PUBLISHED,  P, CONFIRMING,
      "a person checked the platform and found the post"),
    T(S.UNKNOWN,    A.CONFIRM_NOT_PUBLISHED, S.SCHEDULED,  P, REQUEUEING,
      "a person checked the platform and the post is not there"),
    # Removal: the request and the deletion are one step (clearance/removal.py). The post is
    # marked removed only once the platform has deleted it; if it refuses, nothing changes.
    T(S.PUBLISHED,  A.REMOVE,                S.REMOVED,    P, REMOVING,
      "an approver or admin asked, with a reason, and the platform deleted it"),
    # The publishing worker.
    T(S.SCHEDULED,  A.CLAIM,                 S.PUBLISHING, W, CLAIMING),
    T(S.PUBLISHING, A.MARK_PUBLISHED,        S.PUBLISHED,  W, LEASED),
    T(S.PUBLISHING, A.MARK_RETRY,            S.SCHEDULED,  W, LEASED,
      "transient error, paced to the channel's rate limit, the worker stopped before sending "
      "it, or the lease expired and the lookup found nothing"),
    T(S.PUBLISHING, A.MARK_PUBLISHED,        S.PUBLISHED,  W, (),
      "the lease expired and the lookup found the post"),
    T(S.PUBLISHING, A.MARK_FAILED,           S.FAILED,     W, LEASED,
      "permanent error, or too many attempts"),
    T(S.PUBLISHING, A.MARK_UNKNOWN,          S.UNKNOWN,    W, LEASED,
      "outcome unknown and the platform cannot be asked"),
    T(S.PUBLISHING, A.MARK_HELD,             S.SCHEDULED,  W, LEASED,
      "not sent: its twin or the post before it in its thread did not go"),
    T(S.SCHEDULED,  A.MARK_HELD,             S.SCHEDULED,  W, (),
      "due, but a rule says not yet (window, embargo, clearance, twin, thread); audited when "
      "the reason changes"),
    T(S.SCHEDULED,  A.MARK_MISSED,           S.MISSED,     W, (),
      "still not published when the missed-post grace period ran out"),
)
# fmt: on

#: Actions that change no state: the worker (or the notification step) records them so that
#: people hear about something, with from and to states left empty.
ALERTS: frozenset[Action] = frozenset({A.ALERT_TWIN_LEFT_BEHIND, A.ALERT_HELD_AT_EMBARGO})

#: People's changes that have no row: they leave the post in the state it is in.
STATE_KEEPING: frozenset[Action] = frozenset(
    {A.SEND_TIME_MOVED_WITH_EMBARGO, A.OVERRIDE_GRANTED, A.COMMENT}
)

#: Kinds of edit, each realising the EDIT rows, and their effect on the rest of a unit.
EDIT_KINDS: frozenset[Action] = frozenset(
    {A.EDIT, A.TWIN_ADDED, A.IMAGE_ATTACHED, A.IMAGE_REMOVED, A.THREAD_REORDERED}
)

#: What the worker wrote before it took its names from this table. Audit is append-only, so
#: old databases keep these; readers map them with `table_action`. "recovered" depends on
#: where the post went, so it is keyed by the target state too.
_FORMER_WORKER_ACTIONS: dict[tuple[str, str | None], Action] = {
    ("claimed", None): A.CLAIM,
    ("published", None): A.MARK_PUBLISHED,
    ("retry_scheduled", None): A.MARK_RETRY,
    ("paced", None): A.MARK_RETRY,
    ("requeued", None): A.MARK_RETRY,
    ("held", None): A.MARK_HELD,
    ("failed", None): A.MARK_FAILED,
    ("outcome_unknown", None): A.MARK_UNKNOWN,
    ("missed", None): A.MARK_MISSED,
    ("recovered", S.PUBLISHED.value): A.MARK_PUBLISHED,
    ("recovered", S.SCHEDULED.value): A.MARK_RETRY,
    ("recovered", S.UNKNOWN.value): A.MARK_UNKNOWN,
}

_STATE_PHRASES = {
    S.DRAFT: "is a draft",
    S.IN_REVIEW: "is waiting for clearance",
    S.APPROVED: "is approved",
    S.SCHEDULED: "is scheduled",
    S.PUBLISHING: "is being published right now",
    S.PUBLISHED: "is published",
    S.FAILED: "failed to publish",
    S.WITHDRAWN: "is withdrawn",
    S.UNKNOWN: "is in doubt: it may or may not have been published",
    S.MISSED: "missed its send time",
    S.REMOVED: "is removed from the platform",
}

_ACTION_PHRASES = {
    A.EDIT: "edited",
    A.SUBMIT: "submitted for clearance",
    A.APPROVE: "approved",
    A.REQUEST_CHANGES: "sent back for changes",
    A.SCHEDULE: "scheduled",
    A.UNSCHEDULE: "unscheduled",
    A.PUBLISH_NOW: "published now",
    A.WITHDRAW: "withdrawn",
    A.RETRY: "retried",
    A.CONFIRM_PUBLISHED: "marked as published",
    A.CONFIRM_NOT_PUBLISHED: "marked as not published",
    A.REMOVE: "removed from the platform",
}

# States a post never leaves through a person's action.
_FINAL = frozenset({S.PUBLISHED, S.WITHDRAWN, S.REMOVED})


def transitions_from(state: PostState, actor: Actor | None = None) -> list[Transition]:
    """Return the rows that leave the state (optionally only a person's or the system's)."""
    return [row for row in TRANSITIONS if row.source is state and actor in (None, row.actor)]


def person_actions_from(state: PostState) -> list[Action]:
    """Return the actions a person may take on a post in the state, in table order."""
    seen: list[Action] = []
    for row in transitions_from(state, Actor.PERSON):
        if row.action not in seen:
            seen.append(row.action)
    return seen


def system_target(source: PostState, action: Action) -> PostState:
    """Return where the worker's action leads from the state, or raise if the table has no row.

    The worker looks its steps up once, at import, so a name missing from the table stops it
    from starting rather than writing an action nobody reads.
    """
    targets = {
        row.target
        for row in TRANSITIONS
        if row.source is source and row.action is action and row.actor is Actor.SYSTEM
    }
    if len(targets) != 1:
        raise LookupError(
            f"the transition table has {len(targets) or 'no'} worker rows for {action.value} "
            f"from {source.value}; add exactly one target state"
        )
    return targets.pop()


def known_action(name: str) -> Action | None:
    """Return the action an audit or authorship row names, or None if the table has no such name."""
    try:
        return Action(name)
    except ValueError:
        return None


def table_action(action: str, to_state: str | None = None) -> str:
    """Return the table's name for an audit action, mapping the worker's former names."""
    former = _FORMER_WORKER_ACTIONS.get((action, None)) or _FORMER_WORKER_ACTIONS.get(
        (action, to_state)
    )
    return former.value if former is not None else action


def audit_names(action: Action) -> tuple[str, ...]:
    """Return the names an audit event of the action may carry: the table's, then former ones."""
    former = (name for (name, _), same in _FORMER_WORKER_ACTIONS.items() if same is action)
    return tuple(dict.fromkeys((action.value, *former)))


def rows_for(state: PostState, action: Action) -> list[Transition]:
    """Return the person rows for the state and action, or refuse with what is possible instead."""
    rows = [
        row
        for row in TRANSITIONS
        if row.source is state and row.action is action and row.actor is Actor.PERSON
    ]
    if not rows:
        raise InvalidTransition(refusal_message(state, action))
    return rows


def row_for(state: PostState, action: Action, target: PostState) -> Transition:
    """Return the person row from state to target by the action, or refuse."""
    for row in rows_for(state, action):
        if row.target is target:
            return row
    raise InvalidTransition(refusal_message(state, action))


def guards_of(rows: Iterable[Transition]) -> tuple[str, ...]:
    """Return the guards of the rows, each once, in table order."""
    names: list[str] = []
    for row in rows:
        names.extend(name for name in row.guards if name not in names)
    return tuple(names)


def refusal_message(state: PostState, action: Action, subject: str = "This post") -> str:
    """Say why the action is impossible in the state, and what is possible instead."""
    verb = _ACTION_PHRASES.get(action, action.value.replace("_", " "))
    negation = "can no longer" if state in _FINAL else "cannot"
    message = f"{subject} {_STATE_PHRASES[state]}; it {negation} be {verb}"
    possible = [_ACTION_PHRASES[other] for other in person_actions_from(state)]
    if state is S.PUBLISHING:
        return f"{message}. Wait for the publishing worker to finish."
    if not possible:
        return f"{message}. Nothing more can be done with it."
    listed = possible[0] if len(possible) == 1 else ", ".join(possible[:-1]) + f" or {possible[-1]}"
    return f"{message}. From here it can be {listed}."
