"""Admin pages for channels and their access lists (which channel owners may also manage)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from scheduler.channels.operations import access_list, create_channel, find_channel, grant_access
from scheduler.models import Channel, Role, User

SignInAs = Callable[[Role], User]
PostForm = Callable[..., TestResponse]
MakeUser = Callable[..., User]


@pytest.fixture
def channel(session: Session) -> Channel:
    made = create_channel(session, platform="mock", handle="StatsWales", language="en")
    session.flush()
    return made


def own(session: Session, channel: Channel, owner: User) -> None:
    channel.owner_id = owner.id
    session.flush()


ADMIN_PAGES = [
    "/admin/channels",
    "/admin/channels/new",
    "/admin/channels/{id}",
    "/admin/channels/access.csv",
]
ACCESS_PAGES = [
    "/admin/channels/{id}/access",
    "/admin/channels/{id}/access.csv",
    "/admin/channels/{id}/access.json",
]


@pytest.mark.parametrize("path", ADMIN_PAGES + ACCESS_PAGES)
def test_strangers_are_sent_to_sign_in(client: FlaskClient, channel: Channel, path: str) -> None:
    response = client.get(path.format(id=channel.id))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
@pytest.mark.parametrize("path", ADMIN_PAGES + ACCESS_PAGES)
def test_people_who_neither_administer_nor_own_are_refused(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, role: Role, path: str
) -> None:
    signed_in_as(role)
    assert client.get(path.format(id=channel.id)).status_code == 403


@pytest.mark.parametrize("path", ACCESS_PAGES)
def test_the_owner_manages_their_channels_access_list_only(
    client: FlaskClient, session: Session, channel: Channel, signed_in_as: SignInAs, path: str
) -> None:
    owner = signed_in_as(Role.APPROVER)
    own(session, channel, owner)
    other = create_channel(session, platform="mock", handle="OtherDept", language="en")
    session.flush()
    assert client.get(path.format(id=channel.id)).status_code == 200
    assert client.get(path.format(id=other.id)).status_code == 403
    assert client.get(f"/admin/channels/{channel.id}").status_code == 403


def test_another_channels_owner_cannot_change_the_list(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
) -> None:
    someone_else = signed_in_as(Role.APPROVER)
    other = create_channel(session, platform="mock", handle="OtherDept", language="en")
    own(session, other, someone_else)
    author = make_user(Role.AUTHOR)
    response = post_form(
        f"/admin/channels/{channel.id}/access",
        {"email": author.email, "role": "author"},
        page=f"/admin/channels/{other.id}/access",
    )
    assert response.status_code == 403
    revoke = post_form(
        f"/admin/channels/{channel.id}/access/revoke",
        {"email": author.email, "role": "author"},
        page=f"/admin/channels/{other.id}/access",
    )
    assert revoke.status_code == 403
    assert access_list(session, channel) == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/channels/new",
        "/admin/channels/{id}",
        "/admin/channels/{id}/access",
        "/admin/channels/{id}/access/revoke",
    ],
)
def test_forms_need_their_csrf_token(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, path: str
) -> None:
    signed_in_as(Role.ADMIN)
    response = client.post(path.format(id=channel.id), data={"handle": "x", "email": "a@b.cd"})
    assert response.status_code == 400


def test_an_admin_adds_a_twinned_channel(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    post_form: PostForm,
) -> None:
    admin = signed_in_as(Role.ADMIN)
    response = post_form(
        "/admin/channels/new",
        {
            "platform": "mock",
            "handle": "StatsCymru",
            "display_name": "Ystadegau",
            "language": "cy",
            "twin": str(channel.id),
            "requires_twin": "y",
            "approvals_required": "2",
            "owner": str(admin.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    made = find_channel(session, "StatsCymru")
    assert made is not None
    assert made.twin_id == channel.id
    assert made.requires_twin
    assert made.approvals_required == 2
    assert made.owner_id == admin.id
    assert "@StatsCymru" in client.get("/admin/channels").get_data(as_text=True)


def test_adding_a_channel_keeps_what_was_typed_on_error(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    response = post_form(
        "/admin/channels/new",
        {
            "platform": "mock",
            "handle": "statswales",
            "display_name": "Dup",
            "language": "en",
            "approvals_required": "1",
        },
    )
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert "There is already a channel @statswales" in page
    assert 'value="Dup"' in page


def test_an_admin_edits_settings(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    owner = make_user(Role.APPROVER)
    twin = create_channel(session, platform="mock", handle="StatsCymru", language="cy")
    session.flush()
    response = post_form(
        f"/admin/channels/{channel.id}",
        {
            "twin": str(twin.id),
            "requires_twin": "y",
            "approvals_required": "3",
            "owner": str(owner.id),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(channel)
    assert (
        channel.twin_id,
        channel.requires_twin,
        channel.approvals_required,
        channel.owner_id,
    ) == (
        twin.id,
        True,
        3,
        owner.id,
    )
    # Unlinking and dropping the rule together works in either order of the settings.
    response = post_form(
        f"/admin/channels/{channel.id}", {"twin": "", "approvals_required": "3", "owner": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(channel)
    assert (channel.twin_id, channel.requires_twin, channel.owner_id) == (None, False, None)


def test_too_many_approvals_is_refused_beside_the_field(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, post_form: PostForm
) -> None:
    signed_in_as(Role.ADMIN)
    page = post_form(f"/admin/channels/{channel.id}", {"approvals_required": "99"}).get_data(
        as_text=True
    )
    assert "Enter a number from 1 to 10" in page
    assert 'value="99"' in page


@pytest.mark.parametrize("manager_role", ["admin", "owner"])
def test_granting_and_revoking_access(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
    manager_role: str,
) -> None:
    manager = signed_in_as(Role.ADMIN if manager_role == "admin" else Role.APPROVER)
    if manager_role == "owner":
        own(session, channel, manager)
    approver = make_user(Role.APPROVER)
    path = f"/admin/channels/{channel.id}/access"
    response = post_form(path, {"email": approver.email, "role": "approver"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(path).get_data(as_text=True)
    assert f"{approver.email} is now approver on @StatsWales" in page
    assert [(entry.email, entry.role) for entry in access_list(session, channel)] == [
        (approver.email, "approver")
    ]
    response = post_form(f"{path}/revoke", {"email": approver.email, "role": "approver"}, page=path)
    assert response.status_code == 302
    assert access_list(session, channel) == []


def test_an_author_cannot_be_given_approver_access(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    make_user: MakeUser,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    author = make_user(Role.AUTHOR)
    page = post_form(
        f"/admin/channels/{channel.id}/access", {"email": author.email, "role": "approver"}
    ).get_data(as_text=True)
    assert "only approvers and admins can be given approver access" in page
    assert f'value="{author.email}"' in page
    unknown = post_form(
        f"/admin/channels/{channel.id}/access", {"email": "nobody@example.gov.uk", "role": "author"}
    ).get_data(as_text=True)
    assert "No user with e-mail" in unknown


def test_the_access_list_downloads_as_csv_and_json(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    make_user: MakeUser,
) -> None:
    signed_in_as(Role.ADMIN)
    author = make_user(Role.AUTHOR)
    grant_access(session, channel=channel, user=author, role="author")
    session.flush()
    csv_response = client.get(f"/admin/channels/{channel.id}/access.csv")
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response.headers["Content-Disposition"]
    lines = csv_response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("channel,platform,language,owner,email")
    assert f"StatsWales,mock,en,,{author.email}" in lines[1]
    rows = json.loads(client.get("/admin/channels/access.json").get_data(as_text=True))
    assert {(row["channel"], row["email"], row["role"]) for row in rows} >= {
        ("StatsWales", author.email, "author")
    }
    assert client.get(f"/admin/channels/{channel.id}/access.xml").status_code == 404


def test_an_admin_sets_mock_faults(
    client: FlaskClient,
    session: Session,
    channel: Channel,
    signed_in_as: SignInAs,
    post_form: PostForm,
) -> None:
    signed_in_as(Role.ADMIN)
    path = f"/admin/channels/{channel.id}"
    assert "Mock faults" in client.get(path).get_data(as_text=True)
    response = post_form(
        f"{path}/faults",
        {
            "fail_every_nth": "3",
            "fail_matching": "",
            "fail_kind": "unknown",
            "latency_ms": "",
            "rate_limit_per_minute": "20",
        },
        page=path,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.refresh(channel)
    assert channel.platform_options == {
        "fail_every_nth": 3,
        "fail_kind": "unknown",
        "rate_limit_per_minute": 20,
    }
    page = client.get(path).get_data(as_text=True)
    assert "Mock faults for @StatsWales saved" in page
    assert 'value="3"' in page
    refused = post_form(
        f"{path}/faults", {"fail_every_nth": "0", "fail_kind": "transient"}, page=path
    )
    assert "Enter a whole number of 1 or more" in refused.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.AUTHOR, Role.APPROVER])
def test_only_admins_set_mock_faults(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs, post_form: PostForm, role: Role
) -> None:
    signed_in_as(role)
    response = post_form(
        f"/admin/channels/{channel.id}/faults", {"latency_ms": "5"}, page="/account"
    )
    assert response.status_code == 403


def test_mock_faults_need_the_csrf_token(
    client: FlaskClient, channel: Channel, signed_in_as: SignInAs
) -> None:
    signed_in_as(Role.ADMIN)
    assert (
        client.post(f"/admin/channels/{channel.id}/faults", data={"latency_ms": "5"}).status_code
        == 400
    )
