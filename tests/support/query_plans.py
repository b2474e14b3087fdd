"""Read SQLite's plan for a statement a test saw run (which index, whether it sorts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session


def sqlite_plan(session: Session, statement: str, parameters: Any) -> str:
    """Return SQLite's query plan for the statement, its steps joined by " / "."""
    rows = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return " / ".join(str(row[-1]) for row in rows)
