"""How an audit event's action is shown: in words, e.g. "Approved", "Sent back"."""

from __future__ import annotations

from scheduler.clearance.transitions import Action, table_action

A = Action

#: The one mapping from the audit trail's action names to what people read. Every action of the
#: transition table has words here (a test checks); other events' names are listed as written.
ACTION_WORDS: dict[str, str] = {
    A.CREATE: "Created",
    A.EDIT: "Edited",
    A.TWIN_ADDED: "Twin added",
    A.IMAGE_ATTACHED: "Image attached",
    A.IMAGE_REMOVED: "Image removed",
    A.THREAD_REORDERED: "Thread changed",
    A.RETURNED_TO_DRAFT: "Returned to draft",
    A.SUBMIT: "Submitted for clearance",
    A.APPROVE: "Approved",
    A.REQUEST_CHANGES: "Sent back",
    A.SCHEDULE: "Scheduled",
    A.UNSCHEDULE: "Unscheduled",
    A.PUBLISH_NOW: "Set to publish now",
    A.WITHDRAW: "Withdrawn",
    A.RETRY: "Retried",
    A.CONFIRM_PUBLISHED: "Confirmed as published",
    A.CONFIRM_NOT_PUBLISHED: "Confirmed as not published",
    A.REMOVE: "Removed from the platform",
    A.SEND_TIME_MOVED_WITH_EMBARGO: "Send time moved with the embargo",
    A.OVERRIDE_GRANTED: "Override granted",
    A.CLAIM: "Picked up for publishing",
    A.MARK_PUBLISHED: "Published",
    A.MARK_RETRY: "To be tried again",
    A.MARK_FAILED: "Failed",
    A.MARK_UNKNOWN: "Outcome unknown",
    A.MARK_MISSED: "Missed its send time",
    A.MARK_HELD: "Held",
    A.ALERT_TWIN_LEFT_BEHIND: "Alert: twin left behind",
    A.ALERT_HELD_AT_EMBARGO: "Alert: held at the embargo",
    # People and their sign-in.
    "user_created": "Person added",
    "user_role_changed": "Role changed",
    "user_deactivated": "Person deactivated",
    "user_reactivated": "Person reactivated",
    "signed_in": "Signed in",
    "sign_in_locked": "Sign-in locked",
    "password_changed": "Password changed",
    "signed_out_everywhere": "Signed out everywhere",
    "two_factor_enabled": "Two-factor authentication set up",
    "two_factor_reset": "Two-factor authentication set up again",
    "two_factor_disabled": "Two-factor authentication turned off",
    "recovery_codes_replaced": "Recovery codes replaced",
    "api_token_created": "API token created",
    "api_token_revoked": "API token revoked",
    "calendar_feed_created": "Calendar feed created",
    "calendar_feed_regenerated": "Calendar feed address changed",
    "calendar_feed_revoked": "Calendar feed turned off",
    # Channels and their access lists.
    "channel_created": "Channel added",
    "channel_owner_changed": "Owner changed",
    "channel_settings_changed": "Settings changed",
    "channel_options_changed": "Options changed",
    "channel_twinned": "Twinned",
    "channel_untwinned": "Twin removed",
    "channel_connected": "Connected",
    "connection_account_changed": "Connected account changed",
    "connection_failed": "Connection stopped working",
    "connection_restored": "Connection working again",
    "access_granted": "Access granted",
    "access_revoked": "Access removed",
    "quiet_period_added": "Quiet period added",
    "quiet_period_cancelled": "Quiet period cancelled",
    # Releases.
    "release_created": "Release created",
    "embargo_moved": "Embargo moved",
    "release_access_granted": "Added to the pre-release access list",
    "release_access_revoked": "Removed from the pre-release access list",
}


def action_words(action: str, to_state: str | None = None) -> str:
    """Return an audit action as a sentence starts it, e.g. "Sent back".

    The worker's former names (kept in old databases) read as the table's; a name nobody has
    given words to yet is shown with its underscores as spaces, never dropped.
    """
    name = table_action(action, to_state)
    return ACTION_WORDS.get(name) or name.replace("_", " ").capitalize()
