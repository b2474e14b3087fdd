"""The worker's audit vocabulary is the transition table's, checked when the worker starts."""

from __future__ import annotations

import pytest

from scheduler.clearance.transitions import (
    TRANSITIONS,
    Action,
    Actor,
    audit_names,
    system_target,
    table_action,
)
from scheduler.models import PostState
from scheduler.publishing.rules import vocabulary


def test_a_worker_step_missing_from_the_table_stops_the_worker_from_starting() -> None:
    # vocabulary.py looks every step up like this at import, before any post is touched.
    with pytest.raises(LookupError, match="no worker rows for mark_failed from published"):
        system_target(PostState.PUBLISHED, Action.MARK_FAILED)


def test_each_worker_step_is_one_of_the_tables_system_rows() -> None:
    rows = {
        (row.action.value, row.source.value, row.target.value)
        for row in TRANSITIONS
        if row.actor is Actor.SYSTEM
    }
    steps = [value for value in vars(vocabulary).values() if isinstance(value, vocabulary.Step)]
    assert len(steps) == 8
    for step in steps:
        assert (step.action, step.source, step.target) in rows
        assert step.target_state.value == step.target


def test_the_workers_former_names_read_as_the_tables() -> None:
    assert table_action("failed") == "mark_failed"
    assert table_action("outcome_unknown") == "mark_unknown"
    assert table_action("paced") == table_action("requeued") == "mark_retry"
    assert table_action("recovered", "published") == "mark_published"
    assert table_action("recovered", "unknown") == "mark_unknown"
    assert table_action("submit") == "submit"
    assert audit_names(Action.MARK_HELD) == ("mark_held", "held")
