"""X's own conformance cases (twitter-text validate.yml) against Gatepost's length check.

The v3 sections are WeightedTweetsWithDiscountedEmojiCounterTest and
UnicodeDirectionalMarkerCounterTest; WeightedTweetsCounterTest is the v2 weighting (no emoji
parsing) and is checked against the library with its v2 options. The other sections (usernames,
lists, hashtags, URL extraction, 140-character tweets) are twitter-text v1 features Gatepost
does not use. Each text also goes through the database and back on each backend, so what is
stored is what was measured.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session
from twitter_text import parse_tweet
from twitter_text.config import config

from scheduler.models import PostRevision
from scheduler.platforms import x_text
from tests.support.factories import Factory
from tests.support.processes import PROJECT_ROOT

CONFORMANCE = PROJECT_ROOT.parent / "shared" / "conformance" / "twitter-text" / "validate.yml"
V3_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)
V2_SECTION = "WeightedTweetsCounterTest"


def load_cases(*sections: str) -> list[Any]:
    if not CONFORMANCE.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"no {CONFORMANCE}"))]
    tests = yaml.safe_load(CONFORMANCE.read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(case, id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


@pytest.mark.parametrize("case", load_cases(*V3_SECTIONS))
def test_v3_weighted_length_and_validity(case: dict[str, Any]) -> None:
    measured = x_text.measure(case["text"])
    assert measured.length == case["expected"]["weightedLength"]
    assert measured.valid == case["expected"]["valid"], measured.problems
    parsed = parse_tweet(case["text"]).asdict()
    assert {key: parsed[key] for key in case["expected"]} == case["expected"]


@pytest.mark.parametrize("case", load_cases(V2_SECTION))
def test_v2_weighting_with_the_librarys_v2_options(case: dict[str, Any]) -> None:
    version2 = {**config["version2"], "emoji_parsing_enabled": False}
    parsed = parse_tweet(case["text"], version2).asdict()
    assert {key: parsed[key] for key in case["expected"]} == case["expected"]


def test_every_v3_case_survives_the_database_unchanged(
    factory: Factory, session: Session, backend: str
) -> None:
    if not CONFORMANCE.exists():
        pytest.skip(f"no {CONFORMANCE}")
    cases = [case.values[0] for case in load_cases(*V3_SECTIONS)]
    channel = factory.channel()
    author = factory.author(channel)
    post = factory.post(channel, author, text="Holder")
    revisions = []
    for number, case in enumerate(cases, start=2):
        revision = PostRevision(
            post_id=post.id, content_version=number, text=case["text"], channel_id=channel.id
        )
        session.add(revision)
        revisions.append(revision)
    session.flush()
    session.expire_all()
    for case, revision in zip(cases, revisions, strict=True):
        stored = session.get(PostRevision, revision.id)
        assert stored is not None
        assert stored.text == case["text"], case["description"]
        assert x_text.measure(stored.text).length == case["expected"]["weightedLength"]
