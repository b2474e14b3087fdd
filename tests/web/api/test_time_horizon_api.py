"""Every instant the API accepts lies within a year back and five years ahead; outside is a 422
that states the range, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import Post, Release
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.api.workflow_fixtures import Team

# The API's clock stands at Wednesday 10 March 2027 (tests.support.factories.NOW).
RANGE = "must be between Tue 10 Mar 2026 and Wed 10 Mar 2032"
OUT_OF_RANGE = [
    "9999-12-31T00:00:00+00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2032-03-11T00:00:00+00:00",
    "2026-03-09T09:00:00+00:00",
]


def assert_refused(response: Any, field: str) -> None:
    problem = assert_problem(response, 422, "invalid-input")
    assert [error["field"] for error in problem["errors"]] == [field]
    assert problem["errors"][0]["message"] == f"{field} {RANGE}"
    assert RANGE in problem["detail"]


@pytest.mark.parametrize("instant", OUT_OF_RANGE)
def test_a_post_with_a_send_time_out_of_range_is_refused(
    api: ApiClient, team: Team, session: Session, instant: str
) -> None:
    response = api.post(
        "/posts",
        token=team.author_token,
        json={"channel": team.english.handle, "text": "Figures", "send_at": instant},
    )
    assert_refused(response, "send_at")
    assert session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("instant", OUT_OF_RANGE[:2])
def test_a_release_embargoed_out_of_range_is_refused(
    api: ApiClient, team: Team, session: Session, instant: str
) -> None:
    response = api.post(
        "/releases", token=team.author_token, json={"title": "Far", "embargo_at": instant}
    )
    assert_refused(response, "embargo_at")
    assert session.scalar(select(func.count()).select_from(Release)) == 0


def test_scheduling_editing_and_importing_refuse_out_of_range_times(
    api: ApiClient, team: Team
) -> None:
    created = api.post(
        "/posts", token=team.author_token, json={"channel": team.english.handle, "text": "Hi"}
    ).get_json()
    far = OUT_OF_RANGE[0]

    edited = api.request(
        "PATCH",
        f"/posts/{created['id']}",
        token=team.author_token,
        json={"version": created["version"], "send_at": far},
    )
    scheduled = api.post(
        f"/posts/{created['id']}/schedule", token=team.approver_token, json={"send_at": far}
    )
    imported = api.post(
        "/imports/threads",
        token=team.author_token,
        json={"channel": team.english.handle, "send_at": far, "posts": [{"text": "One"}]},
    )
    queried = api.post(
        f"/imports/threads?channel={team.english.handle}&send_at=0001-01-01T00:00%2B14:00",
        token=team.author_token,
        data=b"position,text\n1,One\n",
        content_type="text/csv",
    )

    assert_refused(edited, "send_at")
    assert_refused(scheduled, "send_at")
    assert_refused(imported, "send_at")
    assert_refused(queried, "send_at")
    assert api.get(f"/posts/{created['id']}", token=team.author_token).get_json()["send_at"] is None


def test_the_edges_of_the_range_are_accepted(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/posts",
        token=team.author_token,
        json={
            "channel": team.english.handle,
            "text": "Far ahead",
            "send_at": "2032-03-10T23:59:00+00:00",
        },
    )
    assert response.status_code == 201, response.get_json()
