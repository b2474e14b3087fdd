"""Seed an empty Gatepost with demo people, channels, access lists, a release and its thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from sqlalchemy.orm import Session

from config import Settings
from scheduler.channels.operations import create_channel, grant_access
from scheduler.clearance import create_post, create_thread, submit
from scheduler.core.local_time import to_utc
from scheduler.identity.accounts import count_users, create_user
from scheduler.models import AccessRole, Role, User, utcnow
from scheduler.releases.operations import create_release

DEMO_LABEL = "demo"


@dataclass(frozen=True)
class DemoSignIn:
    """One demo account to print for the person starting the demo."""

    email: str
    password: str
    role: Role
    name: str


DEMO_SIGN_INS = (
    DemoSignIn("lead@demo.gatepost.test", "demo-lead-password", Role.ADMIN, "Lowri Lead"),
    DemoSignIn(
        "officer@demo.gatepost.test", "demo-officer-password", Role.APPROVER, "Owen Officer"
    ),
    DemoSignIn("author@demo.gatepost.test", "demo-author-password", Role.AUTHOR, "Ada Author"),
    DemoSignIn("stats@demo.gatepost.test", "demo-stats-password", Role.AUTHOR, "Siân Statistician"),
)

RELEASE_THREAD = (
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
        "Read the full bulletin and download the data on our website.",
        "Darllenwch y bwletin llawn a lawrlwythwch y data ar ein gwefan.",
    ),
)


def next_release_morning(settings: Settings, now: datetime) -> datetime:
    """Return the next working day's 09:30 in the configured zone (weekends, bank holidays off)."""
    zone = settings.timezone
    local_now = now.astimezone(zone)
    bank_holidays = holidays.country_holidays(
        settings.holidays_country, subdiv=settings.holidays_subdivision or None
    )
    day: date = local_now.date()
    while True:
        instant = to_utc(datetime.combine(day, time(9, 30)), zone)
        if day.weekday() < 5 and day not in bank_holidays and instant > now:
            return instant
        day += timedelta(days=1)


def seed_demo(session: Session, settings: Settings, *, now: datetime | None = None) -> bool:
    """Add the demo data to an empty database; return False if it already had people."""
    if count_users(session):
        return False
    now = now or utcnow()
    people: dict[str, User] = {}
    for sign_in in DEMO_SIGN_INS:
        people[sign_in.email.split("@")[0]] = create_user(
            session,
            email=sign_in.email,
            password=sign_in.password,
            role=sign_in.role,
            name=sign_in.name,
            actor_label=DEMO_LABEL,
        )
    lead, officer, author, stats = (
        people["lead"],
        people["officer"],
        people["author"],
        people["stats"],
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
    for corporate in (english, welsh):
        for writer in (author, stats):
            grant_access(
                session,
                channel=corporate,
                user=writer,
                role=AccessRole.AUTHOR,
                by=lead,
                now=now,
                actor_label=DEMO_LABEL,
            )
        grant_access(
            session,
            channel=corporate,
            user=officer,
            role=AccessRole.APPROVER,
            by=lead,
            now=now,
            actor_label=DEMO_LABEL,
        )
    # The statistician manages the access list of her own account.
    for user, role in ((stats, AccessRole.AUTHOR), (officer, AccessRole.APPROVER)):
        grant_access(
            session, channel=own, user=user, role=role, by=stats, now=now, actor_label=DEMO_LABEL
        )

    embargo = next_release_morning(settings, now)
    release = create_release(
        session,
        title=f"Labour market overview, UK: {embargo.astimezone(settings.timezone):%B %Y}",
        embargo_at=embargo,
        by=stats,
        access=[officer],
        now=now,
        actor_label=DEMO_LABEL,
    )
    thread = create_thread(
        session,
        channel=english,
        texts=[english_text for english_text, _ in RELEASE_THREAD],
        twin_texts=[welsh_text for _, welsh_text in RELEASE_THREAD],
        title="Labour market overview release",
        by=stats,
        settings=settings,
        send_at=embargo,
        release=release,
        now=now,
        actor_label=DEMO_LABEL,
    )
    submit(session, thread.posts[0], by=stats, settings=settings, now=now, actor_label=DEMO_LABEL)

    create_post(
        session,
        channel=english,
        text="Our statistics helpline is open weekdays from 9am to 5pm. Ask us anything.",
        twin_text="Mae ein llinell gymorth ystadegau ar agor o 9am tan 5pm yn ystod yr wythnos.",
        by=author,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )
    create_post(
        session,
        channel=own,
        text="Looking forward to talking through the labour market figures after release.",
        by=stats,
        settings=settings,
        now=now,
        actor_label=DEMO_LABEL,
    )
    return True
