"""`gatepost worker`, `worker status`, `quiet-periods` and `overrides` from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from scheduler.core import schema
from scheduler.core.database import Database
from scheduler.models import PostState, QuietPeriod
from scheduler.platforms.mock_ledger import read_ledger
from scheduler.publishing.worker.heartbeat import beat
from scheduler.publishing.worker.identity import WorkerIdentity
from tests.support.publishing_factories import PublishingFactory
from web.cli import main

THURSDAY = datetime(2026, 3, 12, 9, 30, tzinfo=UTC)


@pytest.fixture
def env(tmp_path: Path, backend: str, make_database_url: Callable[[str], str]) -> dict[str, str]:
    return {
        "GATEPOST_INSTANCE_PATH": str(tmp_path / "instance"),
        "GATEPOST_DATABASE_URL": make_database_url(backend),
        "GATEPOST_MOCK_LEDGER": str(tmp_path / "ledger.jsonl"),
        "GATEPOST_SECRET_KEY": "test-secret-key-that-is-long-enough",
    }


@pytest.fixture
def database(env: dict[str, str]) -> Iterator[Database]:  # type: ignore[override]
    db = Database(env["GATEPOST_DATABASE_URL"])
    schema.upgrade(db.engine)
    yield db
    db.dispose()


@pytest.fixture
def seeded(database: Database) -> Iterator[tuple[Session, PublishingFactory]]:
    with database.session_factory() as session:
        yield session, PublishingFactory(session)


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def snapshot(database: Database) -> dict[str, Any]:
    with database.engine.connect() as connection:
        return {
            table: connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()  # noqa: S608
            for table in ("posts", "audit_events", "worker_heartbeats", "publish_overrides")
        }


def test_once_with_now_publishes_what_is_due_and_holds_the_rest(
    env: dict[str, str], seeded: tuple[Session, PublishingFactory]
) -> None:
    session, factory = seeded
    channel = factory.channel("@ONS")
    due = factory.post(channel, send_at=THURSDAY)
    release = factory.release(THURSDAY + timedelta(hours=1))
    embargoed = factory.post(channel, send_at=THURSDAY, release=release)
    session.commit()

    code, out, err = run(env, "worker", "--once", "--now", "2026-03-12T09:30:00+00:00")
    assert (code, err) == (0, "")
    assert "Pass at Thu 12 Mar 2026 09:30 GMT: published 1, held 1, missed 0" in out
    session.expire_all()
    assert due.state is PostState.PUBLISHED
    assert embargoed.hold_reason is not None
    assert embargoed.hold_reason.startswith("Embargoed until Thu 12 Mar 2026 10:30 GMT")
    ledger = read_ledger(Path(env["GATEPOST_MOCK_LEDGER"]))
    assert [line["idempotency_key"] for line in ledger] == [due.idempotency_key]


def test_dry_run_lists_what_would_happen_and_changes_nothing(
    env: dict[str, str],
    seeded: tuple[Session, PublishingFactory],
    database: Database,
) -> None:
    session, factory = seeded
    english, welsh = factory.twin_channels(requires_twin=False)
    first, second = factory.twins(english, welsh, send_at=THURSDAY)
    release = factory.release(THURSDAY + timedelta(hours=1), title="GDP first estimate")
    held = factory.post(english, send_at=THURSDAY, release=release)
    late = factory.post(english, send_at=THURSDAY - timedelta(hours=1))
    thread = factory.thread(factory.channel("@stats"), 2, send_at=THURSDAY)
    session.commit()
    before = snapshot(database)

    code, out, err = run(env, "worker", "--dry-run", "--now", "2026-03-12T09:30:00Z")

    assert (code, err) == (0, "")
    assert snapshot(database) == before
    assert not Path(env["GATEPOST_MOCK_LEDGER"]).exists()
    assert "Dry run at Thu 12 Mar 2026 09:30 GMT: nothing is changed." in out
    assert "Would publish: 4" in out
    assert f"#{first.id}  {english.handle}  with twin #{second.id}" in out
    assert f"#{thread[1].id}  @stats  thread {thread[1].thread_id} post 2" in out
    assert "Would hold: 1" in out
    assert (
        f"#{held.id}  {english.handle}  - Embargoed until Thu 12 Mar 2026 10:30 GMT "
        "(release “GDP first estimate”)"
    ) in out
    assert "Would mark missed (a person publishes them now or reschedules): 1" in out
    assert f"#{late.id}  {english.handle}  - Missed: it could go from" in out
    assert "text" not in out.lower().replace("nothing", "")  # no post text is printed
    assert "Unemployment" not in out


def test_now_must_name_one_instant_and_needs_once_or_dry_run(env: dict[str, str]) -> None:
    code, _, err = run(env, "worker", "--once", "--now", "2026-03-12T09:30")
    assert code == 1
    assert "has no offset; add one so it names one instant" in err
    code, _, err = run(env, "worker", "--now", "2026-03-12T09:30Z")
    assert code == 1
    assert "--now needs --once or --dry-run" in err
    code, _, err = run(env, "worker", "--once", "--now", "half past nine")
    assert code == 1
    assert "is not an ISO 8601 instant" in err


def test_bad_mock_settings_stop_the_worker_with_the_key_named(
    env: dict[str, str], tmp_path: Path, database: Database
) -> None:
    config = tmp_path / "gatepost.toml"
    config.write_text('[mock]\nfail_kind = "sometimes"\n')
    code, _, err = run(env | {"GATEPOST_CONFIG": str(config)}, "worker", "--once")
    assert code == 2
    assert "bad setting: mock.fail_kind: must be one of transient, permanent, unknown" in err


def test_status_says_whether_a_worker_is_alive_and_when_it_last_passed(
    env: dict[str, str], seeded: tuple[Session, PublishingFactory]
) -> None:
    session, factory = seeded
    factory.post(factory.channel(), send_at=THURSDAY)
    session.commit()
    code, out, err = run(env, "worker", "status")
    assert code == 1
    assert "no worker is alive" in err
    assert "Queue: 1 due now, 1 scheduled (0 held)" in out

    run(env, "worker", "--once", "--worker-id", "night-shift", "--now", "2026-03-12T09:30Z")
    code, out, err = run(env, "worker", "status")
    assert code == 1
    assert "night-shift" in out
    assert "stopped" in out

    now = datetime.now(UTC)
    beat(session, WorkerIdentity("live-one", "host", 1), now=now, started=True)
    beat(session, WorkerIdentity("live-one", "host", 1), now=now, last_pass=(now, 3, 1))
    session.commit()
    code, out, err = run(env, "worker", "status")
    assert (code, err) == (0, "")
    line = next(line for line in out.splitlines() if line.startswith("live-one"))
    assert "alive" in line
    assert line.split()[-2:] == ["3", "1"]


def test_quiet_periods_in_local_time_refusing_impossible_and_unresolved_times(
    env: dict[str, str], seeded: tuple[Session, PublishingFactory]
) -> None:
    session, factory = seeded
    factory.channel("@ONS")
    session.commit()
    admin = factory.admin.email
    base = ["quiet-periods", "add", "--name", "By-election", "--as", admin]

    code, _, err = run(env, *base, "--starts", "2027-03-28 01:30", "--ends", "2027-03-29 00:00")
    assert code == 1
    assert "28 Mar 2027 01:30 does not exist in Europe/London" in err

    ambiguous = ["--starts", "2027-10-31 01:30", "--ends", "2027-11-01 00:00"]
    code, _, err = run(env, *base, *ambiguous)
    assert code == 1
    assert "happens twice" in err
    code, out, err = run(env, *base, *ambiguous, "--fold", "later", "--channel", "@ONS")
    assert (code, err) == (0, "")
    assert "Sun 31 Oct 2027 01:30 GMT to Mon 1 Nov 2027 00:00 GMT on @ONS" in out
    period = session.scalars(select(QuietPeriod)).one()
    assert period.starts_at == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    session.commit()  # let go of SQLite's write lock before the next command

    code, _, err = run(
        env,
        "quiet-periods",
        "add",
        "--name",
        "x",
        "--starts",
        "2027-04-01 00:00",
        "--ends",
        "2027-04-02 00:00",
        "--as",
        factory.author.email,
    )
    assert (code, err.strip()) == (1, "gatepost: error: Only an admin can add a quiet period")

    code, out, _ = run(env, "quiet-periods", "list")
    assert "By-election" in out
    code, out, err = run(env, "quiet-periods", "cancel", "--id", str(period.id), "--as", admin)
    assert (code, err) == (0, "")
    assert f"Cancelled quiet period {period.id} “By-election”" in out


def test_overrides_grant(env: dict[str, str], seeded: tuple[Session, PublishingFactory]) -> None:
    session, factory = seeded
    post = factory.post(factory.channel(), send_at=THURSDAY)
    session.commit()
    args = ["overrides", "grant", "--post", str(post.id), "--reason", "Severe weather"]
    code, _, err = run(env, *args, "--as", factory.approver.email)
    assert code == 1
    assert "Only an admin can grant an override" in err
    code, out, err = run(env, *args, "--as", factory.admin.email)
    assert (code, err) == (0, "")
    assert f"Override granted for post {post.id}" in out
    code, _, err = run(
        env, "overrides", "grant", "--post", "999", "--reason", "x", "--as", "a@b.cd"
    )
    assert code == 1
    assert "No user with e-mail" in err
