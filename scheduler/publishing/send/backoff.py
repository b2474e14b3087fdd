"""How long to wait before trying a transient failure again."""

from __future__ import annotations

import random
from datetime import timedelta

from config.settings import RetryPolicy


def retry_delay(
    attempt: int,
    policy: RetryPolicy,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> timedelta:
    """Return the wait after try number `attempt`: exponential, capped, with "equal jitter".

    Half the exponential delay is kept and half is random, so workers that failed together do not
    all come back at the same instant; a platform's own retry-after is never undercut.
    """
    base = policy.base_delay.total_seconds()
    cap = policy.max_delay.total_seconds()
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    jitter = (rng or random).uniform(0, delay / 2)
    seconds = delay / 2 + jitter
    if retry_after is not None:
        seconds = max(seconds, retry_after)
    return timedelta(seconds=seconds)
