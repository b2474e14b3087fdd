"""States are written as words and dates in one format, on every page that shows them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from scheduler.core.local_time import describe, describe_clock, describe_date
from scheduler.models import PostState
from web.ui.states import TAG_COLOURS, state_colour, state_words

TEMPLATES = Path(__file__).parents[3] / "web" / "templates"


@pytest.mark.parametrize("state", list(PostState))
def test_every_state_has_words_and_a_colour(state: PostState) -> None:
    assert "_" not in state_words(state)
    assert state_words(state)[0].isupper()
    assert state_colour(state.value) == TAG_COLOURS[state]


def test_in_review_reads_as_words() -> None:
    assert state_words(PostState.IN_REVIEW) == "In review"
    assert PostState.IN_REVIEW.words == "in review"


def test_the_one_date_format() -> None:
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    assert describe_date(date(2026, 12, 7)) == "Mon 7 Dec 2026"
    assert describe(datetime(2026, 12, 2, 10, 4, tzinfo=UTC), london) == "Wed 2 Dec 2026 10:04 GMT"
    assert describe_clock(datetime(2026, 6, 2, 8, 30, tzinfo=UTC), london) == "09:30 BST"


def test_no_template_writes_its_own_date_pattern_or_raw_state() -> None:
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"\|\s*local\(|strftime\([^)]*%-?d", text):
            offenders.append(f"{template.name}: a date pattern of its own")
        if re.search(r"state\.value\s*\||[>,]\s*\{\{\s*[\w.]*state\.value\s*\}\}", text):
            offenders.append(f"{template.name}: a state's code shown instead of its words")
    assert offenders == []
