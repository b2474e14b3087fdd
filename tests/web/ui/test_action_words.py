"""Audit actions as words: one mapping, covering the whole transition table."""

from __future__ import annotations

from scheduler.clearance.transitions import Action
from web.ui.action_words import ACTION_WORDS, action_words


def test_every_action_of_the_transition_table_has_words() -> None:
    assert [action for action in Action if action not in ACTION_WORDS] == []


def test_actions_read_as_people_say_them() -> None:
    assert action_words("approve") == "Approved"
    assert action_words("request_changes") == "Sent back"
    assert action_words("mark_published") == "Published"
    assert action_words("access_granted") == "Access granted"


def test_former_worker_names_read_as_the_tables_and_unknown_ones_are_never_dropped() -> None:
    assert action_words("outcome_unknown") == "Outcome unknown"
    assert action_words("recovered", "published") == "Published"
    assert action_words("something_new") == "Something new"
