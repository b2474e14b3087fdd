"""Seed an empty Gatepost with demo people, channels, access lists, a release and its threads.

Everything goes through the same operations people use (so the audit trail, notifications and
every page see ordinary data), at `now`: the approvers and the admin have an authenticator app
set up (their codes come from `gatepost demo code`), and the statistician's release-day work is
part cleared, part waiting, part sent back, so each page has something real to show.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

import holidays
import pyotp
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.operations import create_channel, grant_access
from scheduler.clearance import approve, create_post, create_thread, request_changes, submit
from scheduler.core.local_time import at_local
from scheduler.demo.marker import DEMO_LABEL, demo_marker, record_demo_seeded
from scheduler.demo.people import APPROVER, AUTHOR, DEMO_PEOPLE, LEAD, STATISTICIAN, WELSH_APPROVER
from scheduler.identity.accounts import count_users, create_user
from scheduler.identity.two_factor import confirm_enrolment, start_enrolment
from scheduler.models import AccessRole, User, utcnow
from scheduler.releases.operations import create_release

#: The release-day thread's headlines (English, Welsh): cleared and scheduled for the embargo.
HEADLINES = (
    (
        "Labour market overview, out now: the latest estimates of employment, unemployment "
        "and economic inactivity for the UK.",
        "Trosolwg o'r farchnad lafur, allan nawr: yr amcangyfrifon diweddaraf o gyflogaeth, "
        "diweithdra ac anweithgarwch economaidd yn y DU.",
    ),
    (
        "Payrolled employees, vacancies and average earnings are all in today's release, "
        "with charts for each region and nation.",
        "Mae gweithwyr cyflogedig, swyddi gwag ac enillion cyfartalog i gyd yn y datganiad "
        "heddiw, gyda siartiau ar gyfer pob rhanbarth a gwlad.",
    ),
    (
        "How we measure it: the estimates come from the Labour Force Survey and from HMRC's "
        "real-time PAYE records.",
        "Sut rydym yn ei fesur: daw'r amcangyfrifon o'r Arolwg o'r Llafurlu ac o gofnodion "
        "TWE amser real CThEF.",
    ),
    (
        "Read the full bulletin and download the data on our website.",
        "Darllenwch y bwletin llawn a lawrlwythwch y data ar ein gwefan.",
    ),
)
#: Its follow-up an hour later, by region and nation: submitted, waiting for clearance.
REGIONS = (
    (
        "Labour market in the regions and nations: employment rates for every part of the UK "
        "are in today's release.",
        "Y farchnad lafur yn y rhanbarthau a'r gwledydd: mae cyfraddau cyflogaeth ar gyfer "
        "pob rhan o'r DU yn natganiad heddiw.",
    ),
    (
        "Explore the figures for your area with our interactive map.",
        "Archwiliwch y ffigurau ar gyfer eich ardal gyda'n map rhyngweithiol.",
    ),
    (
        "Questions about the figures? Our statistics helpline is open weekdays from 9am to 5pm.",
        "Cwestiynau am y ffigurau? Mae ein llinell gymorth ystadegau ar agor o 9am tan 5pm "
        "yn ystod yr wythnos.",
    ),
)
#: Release titles name the month in English, whatever the machine's locale.
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
SENT_BACK_COMMENT = "Please add the helpline's phone number, in both languages."


class SeedOutcome(StrEnum):
    """What `seed_demo` did."""

    ADDED = "added"
    #: The demo had seeded this database before; nothing was changed.
    ALREADY_SEEDED = "already seeded"
    #: The database has people the demo did not add; nothing was changed.
    NOT_EMPTY = "not empty"


def next_release_morning(settings: Settings, now: datetime) -> datetime:
    """Return 09:30 local on the next working day after today (weekends, bank holidays off)."""
    zone = settings.timezone
    bank_holidays = holidays.country_holidays(
        settings.holidays_country, subdiv=settings.holidays_subdivision or None
    )
    day: date = now.astimezone(zone).date() + timedelta(days=1)
    while day.weekday() >= 5 or day in bank_holidays:
        day += timedelta(days=1)
    return at_local(day, time(9, 30), zone)


def release_title(embargo: datetime, settings: Settings) -> str:
    """Return the release's title, named for the month it comes out, as statistics are."""
    local = embargo.astimezone(settings.timezone)
    return f"Labour market overview, UK: {MONTHS[local.month - 1]} {local.year}"


def seed_demo(session: Session, settings: Settings, *, now: datetime | None = None) -> SeedOutcome:
    """Add the demo to an empty database; leave one that has people exactly as it is."""
    if count_users(session):
        return SeedOutcome.ALREADY_SEEDED if demo_marker(session) else SeedOutcome.NOT_EMPTY
    now = now or utcnow()
    people = _add_people(session, now=now)
    lead, approver, welsh_approver, author, stats = (
        people[person.email] for person in (LEAD, APPROVER, WELSH_APPROVER, AUTHOR, STATISTICIAN)
    )

    welsh = create_channel(
        session,
        platform="mock",
        handle="ONSdemo_cy",
        language="cy",
        display_name="ONS demo (Cymraeg)",
        by=lead,
        now=now,
        actor_label=DEMO_LABEL,
    )
    english = create_channel(
        session,
        platform="mock",
        handle="ONSdemo",
        language="en",
        display_name="ONS demo",
        twin_handle=welsh.handle,
        requires_twin=True,
        by=lead,
        now=now,
        actor_label=DEMO_LABEL,
    )
    own = create_channel(
        session,
        platform="mock",
        handle="SianStatsONS",
        language="en",
        display_name="Siân, statistician at ONS",
        owner=stats,
        by=lead,
        now=now,
        actor_label=DEMO_LABEL,
    )
    # Twins clear together, so both approvers clear on both corporate channels.
    for corporate in (english, welsh):
        for user, role in (
            (author, AccessRole.AUTHOR),
            (stats, AccessRole.AUTHOR),
            (approver, AccessRole.APPROVER),
            (welsh_approver, AccessRole.APPROVER),
        ):
            grant_access(
                session,
                channel=corporate,
                user=user,
                role=role,
                by=lead,
                now=now,
                actor_label=DEMO_LABEL,
            )
    # The statistician manages the access list of her own account.
    for user, role in ((stats, AccessRole.AUTHOR), (approver, AccessRole.APPROVER)):
        grant_access(
            session, channel=own, user=user, role=role, by=stats, now=now, actor_label=DEMO_LABEL
        )

    # The release-day thread: the admin is not on the pre-release access list, so even she
    # cannot read its text before the embargo.
    embargo = next_release_morning(settings, now)
    release = create_release(
        session,
        title=release_title(embargo, settings),
        embargo_at=embargo,
        by=stats,
        access=[approver, welsh_approver],
        now=now,
        actor_label=DEMO_LABEL,
    )
    headlines = create_thread(
        session,
        channel=english,
        texts=[text for text, _ in HEADLINES],
        twin_texts=[twin for _, twin in HEADLINES],
        title="Labour market overview: the headlines",
        by=stats,
        settings=settings,
        send_at=embargo,
        release=release,
        now=now,
        actor_label=DEMO_LABEL,
    )
    submit(
        session, headlines.posts[0], by=stats, settings=settings, now=now, actor_label=DEMO_LABEL
    )
    approve(
        session,
        headlines.posts[0],
        by=welsh_approver,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )
    regions = create_thread(
        session,
        channel=english,
        texts=[text for text, _ in REGIONS],
        twin_texts=[twin for _, twin in REGIONS],
        title="Labour market overview: regions and nations",
        by=stats,
        settings=settings,
        send_at=embargo + timedelta(hours=1),
        release=release,
        now=now,
        actor_label=DEMO_LABEL,
    )
    submit(session, regions.posts[0], by=stats, settings=settings, now=now, actor_label=DEMO_LABEL)
    create_post(
        session,
        channel=own,
        text="Looking forward to talking through the labour market figures after release.",
        by=stats,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )

    # The author's everyday posts: one waiting for clearance, one sent back with a comment.
    guide = create_post(
        session,
        channel=english,
        text="New guide: how to find statistics for your local area, in five steps.",
        twin_text="Canllaw newydd: sut i ddod o hyd i ystadegau ar gyfer eich ardal leol, "
        "mewn pum cam.",
        by=author,
        settings=settings,
        send_at=at_local(embargo.astimezone(settings.timezone).date(), time(12), settings.timezone),
        now=now,
        actor_label=DEMO_LABEL,
    )
    submit(session, guide, by=author, settings=settings, now=now, actor_label=DEMO_LABEL)
    helpline = create_post(
        session,
        channel=english,
        text="Our statistics helpline is open weekdays from 9am to 5pm. Ask us anything.",
        twin_text="Mae ein llinell gymorth ystadegau ar agor o 9am tan 5pm yn ystod yr wythnos.",
        by=author,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )
    submit(session, helpline, by=author, settings=settings, now=now, actor_label=DEMO_LABEL)
    request_changes(
        session,
        helpline,
        comment=SENT_BACK_COMMENT,
        by=approver,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )

    record_demo_seeded(session, list(people.values()), now=now)
    return SeedOutcome.ADDED


def _add_people(session: Session, *, now: datetime) -> dict[str, User]:
    """Add the demo's people; those who must use two-factor get an authenticator app set up."""
    people: dict[str, User] = {}
    for person in DEMO_PEOPLE:
        user = create_user(
            session,
            email=person.email,
            password=person.password,
            role=person.role,
            name=person.name,
            actor_label=DEMO_LABEL,
        )
        if user.requires_second_factor:
            _set_up_authenticator(session, user, now=now)
        people[person.email] = user
    return people


def _set_up_authenticator(session: Session, user: User, *, now: datetime) -> None:
    """Set up an app for the person the way sign-in does, confirming it with its own code."""
    secret = start_enrolment(user)
    # The recovery codes are not kept: `gatepost demo code` stands in for the phone.
    confirm_enrolment(session, user, pyotp.TOTP(secret).at(now), now=now)
