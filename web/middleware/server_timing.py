"""`Server-Timing` header for benchmarks: time in the app and SQL statements run per request.

Only registered when the `server_timing` setting is on (the benchmarks turn it on): it tells
anyone who can reach the server how long its pages take, which production has no need to say.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, Response, g, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine


def register_server_timing(app: Flask, engine: Engine) -> None:
    """Add `Server-Timing: app;dur=MS, sql;dur=MS;desc="N queries"` to every response."""

    @event.listens_for(engine, "before_cursor_execute")
    def started(*_args: Any) -> None:
        if has_request_context() and "timing_started" in g:
            g.sql_started = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def finished(*_args: Any) -> None:
        if has_request_context() and "sql_started" in g:
            g.sql_count += 1
            g.sql_seconds += time.perf_counter() - g.pop("sql_started")

    @app.before_request
    def start_clock() -> None:
        g.sql_count = 0
        g.sql_seconds = 0.0
        g.timing_started = time.perf_counter()

    @app.after_request
    def add_header(response: Response) -> Response:
        if "timing_started" in g:
            total_ms = (time.perf_counter() - g.timing_started) * 1000
            sql_ms = g.sql_seconds * 1000
            response.headers["Server-Timing"] = (
                f'app;dur={total_ms:.2f}, sql;dur={sql_ms:.2f};desc="{g.sql_count} queries"'
            )
        return response
