"""Count the SQL statements an engine runs (to show a page's query count stays constant)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine.default import CACHE_MISS


class QueryCounter:
    """The statements run while counting."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        #: each statement with the parameters it ran with (the first row's, for executemany)
        self.executed: list[tuple[str, Any]] = []
        #: the statements SQLAlchemy compiled for this run (not found in its statement cache)
        self.compiled: list[str] = []

    @property
    def count(self) -> int:
        """Return how many statements ran."""
        return len(self.statements)


@contextmanager
def counting_queries(engine: Engine) -> Iterator[QueryCounter]:
    """Count every statement the engine runs inside the block."""
    counter = QueryCounter()

    def before_cursor_execute(*args: Any) -> None:
        _connection, _cursor, statement, parameters, context, many = args
        counter.statements.append(str(statement))
        counter.executed.append((str(statement), parameters[0] if many else parameters))
        if getattr(context, "cache_hit", None) == CACHE_MISS:
            counter.compiled.append(str(statement))

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)
