"""Numbers for monitoring: queue depth by state, held posts, publish lag, failures, heartbeats.

Counts and durations only: no post text, no handles, no names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.models import Post, PostState, WorkerHeartbeat
from scheduler.publishing.status import queue_counts

#: How many of the latest publishes the lag percentiles are taken over.
LAG_SAMPLE = 500


@dataclass(frozen=True)
class PublishingMetrics:
    """A snapshot of the publishing queue and its workers."""

    posts_by_state: dict[str, int]
    due: int
    held: int
    lag_p50_seconds: float | None
    lag_p95_seconds: float | None
    lag_sample: int
    failed_attempts: int
    heartbeat_age_seconds: dict[str, float]


def percentile(values: list[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of the values (None when there are none)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def collect(session: Session, *, now: datetime) -> PublishingMetrics:
    """Measure the queue and the workers as they stand at `now`."""
    by_state = {state.value: 0 for state in PostState}
    for state, count in session.execute(select(Post.state, func.count()).group_by(Post.state)):
        by_state[PostState(state).value] = count
    counts = queue_counts(session, now=now)
    recent = session.execute(
        select(Post.published_at, Post.due_at)
        .where(Post.published_at.is_not(None), Post.due_at.is_not(None))
        .order_by(Post.published_at.desc())
        .limit(LAG_SAMPLE)
    ).all()
    lags = [
        max(0.0, (published - due).total_seconds())
        for published, due in recent
        if published is not None and due is not None
    ]
    failed_attempts = session.scalar(
        select(func.count()).where(Post.last_error.is_not(None), Post.state != PostState.PUBLISHED)
    )
    beats = session.execute(
        select(WorkerHeartbeat.worker_id, WorkerHeartbeat.last_seen_at).where(
            WorkerHeartbeat.stopped_at.is_(None)
        )
    ).all()
    return PublishingMetrics(
        posts_by_state=by_state,
        due=counts.due,
        held=counts.held,
        lag_p50_seconds=percentile(lags, 0.50),
        lag_p95_seconds=percentile(lags, 0.95),
        lag_sample=len(lags),
        failed_attempts=failed_attempts or 0,
        heartbeat_age_seconds={
            worker: max(0.0, (now - seen).total_seconds()) for worker, seen in beats
        },
    )


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def prometheus_text(metrics: PublishingMetrics) -> str:
    """Render the snapshot in the Prometheus text exposition format (version 0.0.4)."""
    lines = [
        "# HELP gatepost_posts Posts in each clearance state.",
        "# TYPE gatepost_posts gauge",
        *(
            f'gatepost_posts{{state="{state}"}} {count}'
            for state, count in sorted(metrics.posts_by_state.items())
        ),
        "# HELP gatepost_posts_due Scheduled posts whose time has come.",
        "# TYPE gatepost_posts_due gauge",
        f"gatepost_posts_due {metrics.due}",
        "# HELP gatepost_posts_held Scheduled posts held back (window, quiet period, twin).",
        "# TYPE gatepost_posts_held gauge",
        f"gatepost_posts_held {metrics.held}",
        "# HELP gatepost_posts_with_error Posts not published whose last attempt failed.",
        "# TYPE gatepost_posts_with_error gauge",
        f"gatepost_posts_with_error {metrics.failed_attempts}",
        f"# HELP gatepost_publish_lag_seconds Publish time minus due time, last {LAG_SAMPLE}.",
        "# TYPE gatepost_publish_lag_seconds summary",
    ]
    for quantile, value in (("0.5", metrics.lag_p50_seconds), ("0.95", metrics.lag_p95_seconds)):
        shown = "NaN" if value is None else f"{value:.3f}"
        lines.append(f'gatepost_publish_lag_seconds{{quantile="{quantile}"}} {shown}')
    lines += [
        f"gatepost_publish_lag_seconds_count {metrics.lag_sample}",
        "# HELP gatepost_worker_heartbeat_age_seconds Seconds since each running worker beat.",
        "# TYPE gatepost_worker_heartbeat_age_seconds gauge",
        *(
            f'gatepost_worker_heartbeat_age_seconds{{worker="{_label(worker)}"}} {age:.3f}'
            for worker, age in sorted(metrics.heartbeat_age_seconds.items())
        ),
    ]
    return "\n".join(lines) + "\n"
