"""The load test's lost-update check catches a write that overwrote one it never saw."""

from __future__ import annotations

from typing import Any

from tests.faults.edit_ledger import EditLedger


def _post(version: int, text: str) -> dict[str, Any]:
    return {"id": 7, "version": version, "text": text}


def _ledger(*writes: tuple[str, int | None, int, str]) -> EditLedger:
    ledger = EditLedger()
    for action, based_on, version, text in writes:
        ledger.record(action, "someone", based_on, 200, _post(version, text))
    return ledger


def test_a_chain_of_writes_each_based_on_the_last_ending_in_the_stored_post_is_not_lost() -> None:
    ledger = _ledger(("create", None, 1, "a"), ("edit", 1, 2, "b"), ("edit", 2, 3, "c"))
    assert ledger.lost_updates(lambda _: _post(3, "c")) == []


def test_two_writes_based_on_the_same_version_are_a_lost_update() -> None:
    ledger = _ledger(("create", None, 1, "a"), ("edit", 1, 2, "b"), ("edit", 1, 3, "c"))
    assert "was not based on" in ledger.lost_updates(lambda _: _post(3, "c"))[0]


def test_a_stored_post_other_than_the_last_successful_write_is_a_lost_update() -> None:
    ledger = _ledger(("create", None, 1, "a"), ("edit", 1, 2, "b"))
    assert ledger.lost_updates(lambda _: _post(2, "a")) == [
        "post 7: stored v2 'a', last successful write v2 'b'"
    ]
    assert ledger.lost_updates(lambda _: None) == ["post 7: cannot be read back"]


def test_a_refusal_is_counted_and_changes_nothing() -> None:
    ledger = _ledger(("create", None, 1, "a"))
    ledger.record("edit", "someone", 0, 409, {"detail": "stale"})
    assert ledger.refused["edit"] == 1
    assert ledger.lost_updates(lambda _: _post(1, "a")) == []
