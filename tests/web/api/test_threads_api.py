"""Threads, channels, releases and bulk import through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.imports.files import read_json
from scheduler.models import Post, Thread
from tests.support.factories import NOW, Factory
from tests.web.api.conftest import ApiClient, assert_problem
from tests.web.api.workflow_fixtures import Team

LONG = "x" * 300


def counts(session: Session) -> tuple[int, int]:
    posts = session.scalar(select(func.count()).select_from(Post)) or 0
    threads = session.scalar(select(func.count()).select_from(Thread)) or 0
    return posts, threads


def test_a_thread_with_twins_is_written_and_read_back(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/threads",
        token=team.author_token,
        json={
            "channel": team.english.handle,
            "texts": ["One", "Two", "Three"],
            "twin_texts": ["Un", "Dau", "Tri"],
            "title": "Figures",
        },
    )
    assert response.status_code == 201, response.get_json()
    thread = response.get_json()
    assert response.headers["Location"] == f"/api/v1/threads/{thread['id']}"
    assert [post["text"] for post in thread["posts"]] == ["One", "Two", "Three"]
    assert [post["thread_position"] for post in thread["posts"]] == [1, 2, 3]
    assert [post["text"] for post in thread["twin_posts"]] == ["Un", "Dau", "Tri"]
    assert thread["posts"][1]["twin_id"] == thread["twin_posts"][1]["id"]
    again = api.get(f"/threads/{thread['id']}", token=team.author_token).get_json()
    assert again == thread
    listed = api.get(f"/posts?thread={thread['id']}", token=team.author_token).get_json()
    assert sorted(item["id"] for item in listed["items"]) == sorted(
        post["id"] for post in thread["posts"]
    )


def test_a_thread_whose_twins_do_not_pair_is_refused(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/threads",
        token=team.author_token,
        json={"channel": team.english.handle, "texts": ["One", "Two"], "twin_texts": ["Un"]},
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert problem["errors"][0]["field"] == "twin_texts"
    assert_problem(api.get("/threads/999999", token=team.author_token), 404, "not-found")


def test_channels_say_their_twin_and_what_you_may_do(api: ApiClient, team: Team) -> None:
    listed = api.get("/channels", token=team.author_token).get_json()["items"]
    english = next(item for item in listed if item["handle"] == team.english.handle)
    assert english["twin"] == team.welsh.handle
    assert english["your_access"] == ["author"]
    one = api.get(f"/channels/@{team.welsh.handle.upper()}", token=team.approver_token)
    assert one.get_json()["your_access"] == ["approver"]
    assert one.get_json()["language"] == "cy"
    assert_problem(api.get("/channels/nosuch", token=team.author_token), 404, "not-found")


def test_releases_show_their_access_list_only_to_those_on_it(api: ApiClient, team: Team) -> None:
    created = api.post(
        "/releases",
        token=team.author_token,
        json={
            "title": "Inflation",
            "embargo_at": (NOW + timedelta(days=1)).isoformat(),
            "access": [team.approver.email],
        },
    )
    assert created.status_code == 201
    release = created.get_json()
    assert release["access"] == sorted([team.author.email, team.approver.email])
    assert release["embargoed"] is True
    outsider_view = api.get(f"/releases/{release['id']}", token=team.outsider_token).get_json()
    assert outsider_view["access"] is None
    listed = api.get("/releases", token=team.outsider_token).get_json()["items"]
    assert release["id"] in [item["id"] for item in listed]
    past = api.post(
        "/releases",
        token=team.author_token,
        json={"title": "Old", "embargo_at": (NOW - timedelta(days=1)).isoformat()},
    )
    assert_problem(past, 422, "invalid-input")
    unknown = api.post(
        "/releases",
        token=team.author_token,
        json={"title": "X", "embargo_at": "2027-04-01T09:30:00+01:00", "access": ["no@x.gov"]},
    )
    assert assert_problem(unknown, 422, "invalid-input")["errors"][0]["field"] == "access"


def test_importing_json_creates_the_thread_and_its_twin(api: ApiClient, team: Team) -> None:
    response = api.post(
        "/imports/threads",
        token=team.author_token,
        json={
            "channel": team.english.handle,
            "title": "Labour market",
            "posts": [{"text": "One", "twin_text": "Un"}, {"text": "Two", "twin_text": "Dau"}],
        },
    )
    assert response.status_code == 201, response.get_json()
    thread = response.get_json()
    assert [post["text"] for post in thread["twin_posts"]] == ["Un", "Dau"]
    assert thread["title"] == "Labour market"


def test_importing_csv_with_the_channel_in_the_query(
    api: ApiClient, team: Team, factory: Factory
) -> None:
    release = factory.release(by=team.author)
    csv = 'position,text,twin_text\n2,Two,Dau\n1,"One, first",Un\n'
    response = api.post(
        f"/imports/threads?channel={team.english.handle}&release_id={release.id}",
        token=team.author_token,
        data=csv.encode(),
        content_type="text/csv",
        headers={"Idempotency-Key": "import-1"},
    )
    assert response.status_code == 201, response.get_json()
    thread = response.get_json()
    assert [post["text"] for post in thread["posts"]] == ["One, first", "Two"]
    assert thread["release_id"] == release.id
    replay = api.post(
        f"/imports/threads?channel={team.english.handle}&release_id={release.id}",
        token=team.author_token,
        data=csv.encode(),
        content_type="text/csv",
        headers={"Idempotency-Key": "import-1"},
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json()["id"] == thread["id"]


def test_a_csv_with_problems_lists_every_one_and_creates_nothing(
    api: ApiClient, team: Team, session: Session
) -> None:
    before = counts(session)
    csv = f"text,twin_text\nFine,Iawn\n{LONG},Iawn\n,Iawn\nMissing twin,\n"
    response = api.post(
        f"/imports/threads?channel={team.english.handle}",
        token=team.author_token,
        data=csv,
        content_type="text/csv",
    )
    problem = assert_problem(response, 422, "invalid-input")
    assert {(error["row"], error["field"]) for error in problem["errors"]} == {
        (2, "text"),
        (3, "text"),
        (4, "twin_text"),
    }
    assert all(error["message"].startswith("Row ") for error in problem["errors"])
    assert "3 problems" in problem["detail"]
    assert counts(session) == before


def test_a_json_import_with_problems_points_at_each_one(
    api: ApiClient, team: Team, session: Session
) -> None:
    before = counts(session)
    body: dict[str, Any] = {
        "channel": team.english.handle,
        "send_at": (NOW - timedelta(hours=1)).isoformat(),
        "posts": [{"text": "Fine"}, {"text": LONG}, {"text": "  "}],
    }
    problem = assert_problem(
        api.post("/imports/threads", token=team.author_token, json=body), 422, "invalid-input"
    )
    assert {error["pointer"] for error in problem["errors"]} == {
        "#/send_at",
        "#/posts/1/text",
        "#/posts/2/text",
    }
    assert counts(session) == before


def test_an_import_needs_a_channel_and_access_to_it(api: ApiClient, team: Team) -> None:
    missing = api.post(
        "/imports/threads", token=team.author_token, data="text\nOne\n", content_type="text/csv"
    )
    problem = assert_problem(missing, 422, "invalid-input")
    assert problem["errors"][0]["field"] == "channel"
    forbidden = api.post(
        f"/imports/threads?channel={team.english.handle}",
        token=team.outsider_token,
        data="text\nOne\n",
        content_type="text/csv",
    )
    assert_problem(forbidden, 403, "forbidden")
    not_csv = api.post(
        f"/imports/threads?channel={team.english.handle}",
        token=team.author_token,
        data="text\nOne\n",
        content_type="text/plain",
    )
    assert "text/csv" in assert_problem(not_csv, 415, "unsupported-media-type")["detail"]


@pytest.mark.parametrize("where", ["body", "query"])
def test_an_import_naming_a_release_id_beyond_any_id_is_422_not_a_crash(
    api: ApiClient, team: Team, where: str
) -> None:
    # Found by schemathesis on PostgreSQL: 276923480279 overflowed the integer column (a 500).
    body: dict[str, object] = {"channel": team.english.handle, "posts": [{"text": "One"}]}
    path = "/imports/threads"
    if where == "body":
        body["release_id"] = 2**31
    else:
        path += f"?release_id={2**31}"
    response = api.post(path, token=team.author_token, json=body)
    problem = assert_problem(response, 422, "invalid-input")
    assert "release_id" in {error["field"] for error in problem["errors"]}


def test_an_import_file_naming_a_release_id_beyond_any_id_is_a_problem_not_a_crash() -> None:
    found = read_json('{"release_id": 2147483648, "posts": [{"text": "One"}]}')
    assert [problem.column for problem in found.problems] == ["release_id"]
