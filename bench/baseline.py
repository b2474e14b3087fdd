"""Workload 3: the burst done the obvious way, one APScheduler date job per post.

Each job does the work Gatepost's worker does for a post, the plain way: append a line to the
mock ledger and mark the post published in its own transaction. The jobs live in a
`SQLAlchemyJobStore` on a SQLite file, as a scheduler persisting its jobs would keep them.
"""

from __future__ import annotations

import json
import pickle
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, JobEvent
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.util import datetime_to_utc_timestamp
from sqlalchemy import Engine, MetaData, Table, bindparam, create_engine, func, select, update
from sqlalchemy.orm import Session

from bench.environment import scratch
from bench.outcome import percentile
from bench.seeding import seed_channels, seed_people, seed_scheduled
from scheduler.clearance.transitions import Action
from scheduler.core import audit
from scheduler.core.database import Database
from scheduler.models import AuditEvent, Channel, Post, PostState

_engines: dict[str, Engine] = {}
_ledger_lock = threading.Lock()


def _append_line(ledger: str, post_id: int, channel: str, text: str, now: datetime) -> None:
    line = {
        "event": "published",
        "external_id": f"baseline-{post_id}",
        "idempotency_key": f"gatepost-{post_id}-v1",
        "channel": channel,
        "text": text,
        "reply_to": None,
        "published_at": now.isoformat(),
    }
    with _ledger_lock, open(ledger, "a") as file:
        file.write(json.dumps(line) + "\n")


def publish_post(url: str, ledger: str, post_id: int, channel: str, text: str) -> None:
    """Do one post's work the obvious way: load it, send it, mark it published with its audit event.

    One ORM unit of work per job, as the rest of Gatepost writes state changes: the post is read,
    skipped if it is no longer scheduled, appended to the ledger, then marked published with the
    audit event every state change must have (DESIGN.md, invariant 3), in one transaction.
    """
    with Session(_engines[url], expire_on_commit=False) as session:
        post = session.get(Post, post_id)
        if post is None or post.state is not PostState.SCHEDULED:
            return
        now = datetime.now(UTC)
        _append_line(ledger, post_id, channel, text, now)
        post.state = PostState.PUBLISHED
        post.published_at = now
        post.external_id = f"baseline-{post_id}"
        post.updated_at = datetime.now(UTC)
        audit.record(
            session,
            Action.MARK_PUBLISHED.value,
            actor_label="baseline",
            post=post,
            from_state=PostState.SCHEDULED.value,
            to_state=PostState.PUBLISHED.value,
            details={"external_id": post.external_id},
            at=now,
        )
        session.commit()


def publish_post_lean(url: str, ledger: str, post_id: int, channel: str, text: str) -> None:
    """Do less than a post needs, as cheaply as one job can: no read, no audit event, one UPDATE."""
    now = datetime.now(UTC)
    _append_line(ledger, post_id, channel, text, now)
    posts = Post.__table__
    with _engines[url].begin() as connection:
        connection.execute(
            update(posts)
            .where(posts.c.id == post_id)
            .values(
                state=PostState.PUBLISHED,
                published_at=now,
                external_id=f"baseline-{post_id}",
                updated_at=datetime.now(UTC),
            )
        )


#: What each job does: "obvious" is the baseline; "lean" shows the floor of one job per post.
JOBS = {"obvious": publish_post, "lean": publish_post_lean}


def _scheduler(jobs_url: str, grace: str) -> BackgroundScheduler:
    defaults: dict[str, Any] = {} if grace == "default" else {"misfire_grace_time": None}
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=jobs_url)}, job_defaults=defaults, timezone=UTC
    )


def _add_jobs(
    scheduler: BackgroundScheduler,
    rows: list[tuple[int, str, str]],
    url: str,
    ledger: Path,
    at: datetime,
    job: str,
) -> None:
    for post_id, channel, text in rows:
        scheduler.add_job(
            JOBS[job],
            DateTrigger(run_date=at, timezone=UTC),
            args=[url, str(ledger), post_id, channel, text],
            id=f"post-{post_id}",
        )


def run_baseline(
    *, root: Path, posts: int, channels: int, grace: str, job: str = "obvious"
) -> dict[str, Any]:
    """Run the one-job-per-post burst with APScheduler's default grace or none, and measure it."""
    with scratch("sqlite", root, None) as run:
        people = seed_people(run.database)
        channel_ids = seed_channels(run.database, channels)
        seed_scheduled(run.database, people, channel_ids, posts)
        _engines[run.url] = create_engine(run.url, connect_args={"timeout": 30})
        rows = _post_rows(run.database)

        jobs_url = f"sqlite:///{run.folder / 'jobs.sqlite3'}"
        scheduler = _scheduler(jobs_url, grace)
        counts = {"executed": 0, "missed": 0, "error": 0}
        done = threading.Event()

        def count(event: JobEvent) -> None:
            kind = {EVENT_JOB_EXECUTED: "executed", EVENT_JOB_MISSED: "missed"}.get(
                event.code, "error"
            )
            counts[kind] += 1
            if sum(counts.values()) >= len(rows):
                done.set()

        scheduler.add_listener(count, EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
        scheduler.start(paused=True)
        # Adding takes minutes on a busy machine: add the jobs for a far-off time, then move
        # them all to an instant just ahead in one transaction, while the scheduler is paused.
        _add_jobs(scheduler, rows, run.url, run.ledger, datetime.now(UTC) + timedelta(days=1), job)
        instant = (datetime.now(UTC) + timedelta(seconds=3)).replace(microsecond=0)
        _move_jobs(jobs_url, instant)
        added_before_s = (instant - datetime.now(UTC)).total_seconds()
        cpu_before = time.process_time()
        scheduler.resume()
        done.wait(timeout=added_before_s + max(120.0, posts / 20))
        scheduler.shutdown(wait=True)
        cpu = time.process_time() - cpu_before

        table = Post.__table__
        with run.database.engine.connect() as connection:
            published = connection.execute(
                select(table.c.published_at, table.c.updated_at).where(
                    table.c.state == PostState.PUBLISHED
                )
            ).all()
            events = AuditEvent.__table__
            audited = connection.execute(
                select(func.count()).where(events.c.action == Action.MARK_PUBLISHED.value)
            ).scalar_one()
        _engines.pop(run.url).dispose()
        run.database.engine.dispose()
    lateness = [(at - instant).total_seconds() * 1000 for at, _ in published]
    finished = max((updated for _, updated in published), default=instant)
    drain_s = (finished - instant).total_seconds()
    return {
        "grace": grace,
        "job": job,
        "posts": posts,
        "published": len(published),
        "audit_events": audited,
        "skipped": counts["missed"],
        "errors": counts["error"],
        "drain_s": drain_s,
        "posts_per_s": len(published) / drain_s if drain_s > 0 else 0.0,
        "p50_ms": percentile(lateness, 0.5),
        "p99_ms": percentile(lateness, 0.99),
        "max_ms": max(lateness, default=0.0),
        "added_before_instant_s": round(added_before_s, 2),
        "worker_cpu_s": round(cpu, 2),
        "posts_per_cpu_s": round(len(published) / cpu) if cpu > 0 else 0,
    }


def _move_jobs(jobs_url: str, instant: datetime) -> None:
    """Make every stored date job run at the instant (rewriting the job store's own rows)."""
    engine = create_engine(jobs_url)
    jobs = Table("apscheduler_jobs", MetaData(), autoload_with=engine)
    with engine.begin() as connection:
        changed = []
        for job_id, job_state in connection.execute(select(jobs.c.id, jobs.c.job_state)):
            state = pickle.loads(job_state)  # noqa: S301 (our own job store, just written)
            state["trigger"] = DateTrigger(run_date=instant, timezone=UTC)
            state["next_run_time"] = instant
            changed.append(
                {
                    "b_id": job_id,
                    "b_next": datetime_to_utc_timestamp(instant),
                    "b_state": pickle.dumps(state, pickle.HIGHEST_PROTOCOL),
                }
            )
        connection.execute(
            update(jobs)
            .where(jobs.c.id == bindparam("b_id"))
            .values(next_run_time=bindparam("b_next"), job_state=bindparam("b_state")),
            changed,
        )
    engine.dispose()


def _post_rows(database: Database) -> list[tuple[int, str, str]]:
    posts, channels = Post.__table__, Channel.__table__
    query = (
        select(posts.c.id, channels.c.handle, posts.c.text)
        .join(channels, channels.c.id == posts.c.channel_id)
        .order_by(posts.c.id)
    )
    with database.engine.connect() as connection:
        return [(int(i), str(h), str(t)) for i, h, t in connection.execute(query)]
