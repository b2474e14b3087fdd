"""The clearance workflow: posts, twins and threads from draft to scheduled, and recovery."""

from scheduler.clearance.after_failure import resolve_unknown, retry
from scheduler.clearance.counting import approval_count, approvals_met
from scheduler.clearance.drafting import KEEP, Keep, add_twin, create_post, edit_post
from scheduler.clearance.queries import get_post, get_thread, list_posts, post_history
from scheduler.clearance.results import ClearanceResult
from scheduler.clearance.review import approve, request_changes, submit
from scheduler.clearance.scheduling import publish_now, schedule, unschedule, withdraw
from scheduler.clearance.text_rules import check_text, require_valid_text
from scheduler.clearance.thread_split import (
    split_for_channel,
    split_thread_text,
    split_twin_texts,
    split_twins_for_channel,
)
from scheduler.clearance.threads import add_to_thread, create_thread, reorder_thread
from scheduler.clearance.transitions import TRANSITIONS, Action, Actor, Transition
from scheduler.clearance.units import clearance_unit

__all__ = [
    "KEEP",
    "TRANSITIONS",
    "Action",
    "Actor",
    "ClearanceResult",
    "Keep",
    "Transition",
    "add_to_thread",
    "add_twin",
    "approval_count",
    "approvals_met",
    "approve",
    "check_text",
    "clearance_unit",
    "create_post",
    "create_thread",
    "edit_post",
    "get_post",
    "get_thread",
    "list_posts",
    "post_history",
    "publish_now",
    "reorder_thread",
    "request_changes",
    "require_valid_text",
    "resolve_unknown",
    "retry",
    "schedule",
    "split_for_channel",
    "split_thread_text",
    "split_twin_texts",
    "split_twins_for_channel",
    "submit",
    "unschedule",
    "withdraw",
]
