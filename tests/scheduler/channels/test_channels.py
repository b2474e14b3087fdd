"""Channels, twins, owners and access lists: every grant and revocation audited and exportable."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.channels.operations import (
    access_list,
    create_channel,
    get_channel,
    grant_access,
    list_channels,
    revoke_access,
    set_approvals_required,
    set_channel_owner,
    set_twin,
)
from scheduler.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduler.models import AccessRole, AuditEvent, Role
from scheduler.reports.access_export import write_access_list
from tests.support.factories import Factory


def test_handles_lose_a_leading_at_and_are_unique_whatever_the_case(
    factory: Factory, session: Session
) -> None:
    channel = create_channel(session, platform="mock", handle=" @ONSdemo ", language="EN")
    assert (channel.handle, channel.language) == ("ONSdemo", "en")
    assert get_channel(session, "@onsdemo") is channel
    with pytest.raises(Conflict, match="already a channel @onsDEMO"):
        create_channel(session, platform="mock", handle="onsDEMO", language="en")


def test_unknown_platform_lists_installed_ones(session: Session) -> None:
    with pytest.raises(
        ValidationFailed, match=r"Unknown platform 'myspace'; installed platforms: .*mock"
    ):
        create_channel(session, platform="myspace", handle="x", language="en")


@pytest.mark.parametrize(
    ("handle", "language", "approvals", "message"),
    [
        ("has space", "en", 1, "is not a handle"),
        ("ok", "english", 1, "is not a language code"),
        ("ok", "en", 0, "between 1 and 10"),
    ],
)
def test_bad_channel_settings_are_refused(
    session: Session, handle: str, language: str, approvals: int, message: str
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        create_channel(
            session, platform="mock", handle=handle, language=language, approvals_required=approvals
        )


def test_unknown_channel_names_the_channels_there_are(factory: Factory, session: Session) -> None:
    factory.channel("Alpha")
    with pytest.raises(NotFound, match="No channel @nope; channels: @Alpha"):
        get_channel(session, "nope")


def test_twins_link_both_ways_and_must_differ_in_language(
    factory: Factory, session: Session
) -> None:
    welsh = factory.channel("CymruONS", language="cy")
    english = create_channel(
        session,
        platform="mock",
        handle="WalesONS",
        language="en",
        twin_handle="CymruONS",
        requires_twin=True,
    )
    assert english.twin is welsh
    assert welsh.twin is english
    with pytest.raises(ValidationFailed, match="already twinned with another channel"):
        create_channel(
            session, platform="mock", handle="Other", language="cy", twin_handle="WalesONS"
        )
    factory.channel("EnglishOne")
    with pytest.raises(ValidationFailed, match="@EnglishOne is also in en"):
        create_channel(
            session, platform="mock", handle="Other", language="en", twin_handle="EnglishOne"
        )
    assert [c.handle for c in list_channels(session)] == ["CymruONS", "EnglishOne", "WalesONS"]
    with pytest.raises(ValidationFailed, match="requires a twin; turn that off"):
        set_twin(session, english, None)


def test_requiring_a_twin_needs_a_twin_channel(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="cannot require a twin without a twin channel"):
        create_channel(session, platform="mock", handle="Lonely", language="en", requires_twin=True)


def test_twinning_later_is_audited_on_both_channels(factory: Factory, session: Session) -> None:
    english, welsh = factory.channel("En1"), factory.channel("Cy1", language="cy")
    admin = factory.user(Role.ADMIN)
    set_twin(session, english, welsh, by=admin)
    assert english.twin is welsh
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "channel_twinned").order_by(AuditEvent.id)
    ).all()
    assert [(e.channel_id, e.details["twin"]) for e in events] == [
        (english.id, "Cy1"),
        (welsh.id, "En1"),
    ]


def test_only_admins_create_channels(factory: Factory, session: Session) -> None:
    with pytest.raises(PermissionDenied, match="Only admins can add channels"):
        create_channel(
            session, platform="mock", handle="x", language="en", by=factory.user(Role.APPROVER)
        )


def test_grants_and_revocations_are_audited(factory: Factory, session: Session) -> None:
    admin = factory.user(Role.ADMIN)
    channel = factory.channel("StatsChannel")
    officer = factory.user(Role.APPROVER, email="officer@example.gov.uk")
    grant_access(session, channel=channel, user=officer, role="approver", by=admin)
    revoke_access(session, channel=channel, user=officer, role=AccessRole.APPROVER, by=admin)
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.in_(["access_granted", "access_revoked"]))
        .order_by(AuditEvent.id)
    ).all()
    assert [
        (e.action, e.actor_id, e.subject_user_id, e.channel_id, e.details["role"]) for e in events
    ] == [
        ("access_granted", admin.id, officer.id, channel.id, "approver"),
        ("access_revoked", admin.id, officer.id, channel.id, "approver"),
    ]
    assert access_list(session, channel) == []


def test_unknown_role_duplicate_grant_and_missing_revocation_are_clear(
    factory: Factory, session: Session
) -> None:
    channel = factory.channel("C")
    author = factory.user(Role.AUTHOR, email="a@example.gov.uk")
    with pytest.raises(
        ValidationFailed, match="Unknown access role 'boss'; choose one of author, approver"
    ):
        grant_access(session, channel=channel, user=author, role="boss")
    grant_access(session, channel=channel, user=author, role="author")
    with pytest.raises(Conflict, match=r"a@example\.gov\.uk already has author access to @C"):
        grant_access(session, channel=channel, user=author, role="author")
    with pytest.raises(NotFound, match=r"a@example\.gov\.uk has no approver access to @C"):
        revoke_access(session, channel=channel, user=author, role="approver")


def test_authors_cannot_be_made_approvers(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    author = factory.user(Role.AUTHOR)
    with pytest.raises(ValidationFailed, match="only approvers and admins can be given approver"):
        grant_access(session, channel=channel, user=author, role="approver")


def test_a_channel_owner_manages_their_own_channel_only(factory: Factory, session: Session) -> None:
    statistician = factory.user(Role.AUTHOR)
    own = factory.channel("SianONS", owner=statistician)
    other = factory.channel("CorporateONS")
    deputy = factory.user(Role.AUTHOR)
    grant_access(session, channel=own, user=deputy, role="author", by=statistician)
    assert [entry.email for entry in access_list(session, own)] == [deputy.email]
    with pytest.raises(PermissionDenied, match="Only admins and the owner of @CorporateONS"):
        grant_access(session, channel=other, user=deputy, role="author", by=statistician)
    revoke_access(session, channel=own, user=deputy, role="author", by=statistician)

    admin = factory.user(Role.ADMIN)
    set_channel_owner(session, own, None, by=admin)
    with pytest.raises(PermissionDenied):
        grant_access(session, channel=own, user=deputy, role="author", by=statistician)
    with pytest.raises(PermissionDenied, match="Only admins can change who owns a channel"):
        set_channel_owner(session, own, statistician, by=statistician)


def test_approvals_required_is_changed_by_admins(factory: Factory, session: Session) -> None:
    channel = factory.channel()
    set_approvals_required(session, channel, 2, by=factory.user(Role.ADMIN))
    assert channel.approvals_required == 2
    with pytest.raises(PermissionDenied):
        set_approvals_required(session, channel, 3, by=factory.user(Role.APPROVER))


def test_the_access_list_exports_as_csv_and_json(factory: Factory, session: Session) -> None:
    owner = factory.user(Role.AUTHOR, email="sian@example.gov.uk")
    channel = factory.channel("SianONS", owner=owner)
    officer = factory.user(Role.APPROVER, email="=officer@example.gov.uk")
    grant_access(session, channel=channel, user=officer, role="approver")
    grant_access(session, channel=channel, user=owner, role="author")
    entries = access_list(session)
    out = io.StringIO()
    write_access_list(entries, out, "csv")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["channel"], r["email"], r["role"], r["owner"], r["granted_by"]) for r in rows] == [
        ("SianONS", "'=officer@example.gov.uk", "approver", "sian@example.gov.uk", "operator"),
        ("SianONS", "sian@example.gov.uk", "author", "sian@example.gov.uk", "operator"),
    ]
    out = io.StringIO()
    write_access_list(entries, out, "json")
    data = json.loads(out.getvalue())
    assert data[0]["email"] == "=officer@example.gov.uk"
    assert data[0]["granted_at"].endswith("+00:00")
    with pytest.raises(ValidationFailed, match="Unknown format 'xml'"):
        write_access_list(entries, io.StringIO(), "xml")
