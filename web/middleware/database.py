"""One database session per request; views commit once, anything left is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from scheduler.core.database import Database

_EXTENSION_KEY = "gatepost.database"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class RequestDatabase:
    """Hand each request its own session over the app's Database."""

    def init_app(self, app: Flask, database: Database) -> None:
        """Attach the database to the app and close sessions when requests end."""
        app.extensions[_EXTENSION_KEY] = database
        app.teardown_appcontext(self._close)

    @property
    def database(self) -> Database:
        """Return the app's Database."""
        database: Database = current_app.extensions[_EXTENSION_KEY]
        return database

    @property
    def session(self) -> Session:
        """Return this request's session, opening it on first use."""
        session: Session | None = g.get("_gatepost_session")
        if session is None:
            # Pages that only read need not queue behind writers on SQLite.
            read_only = bool(request) and request.method in _READ_ONLY_METHODS
            factory = (
                self.database.read_session_factory if read_only else self.database.session_factory
            )
            session = factory()
            g._gatepost_session = session
        return session

    def commit(self) -> None:
        """Commit this request's unit of work."""
        self.session.commit()

    @contextmanager
    def separate_unit_of_work(self) -> Iterator[Session]:
        """Yield a session of its own that commits at once (e.g. to record who read a text)."""
        with self.database.unit_of_work() as session:
            yield session

    def _close(self, _error: BaseException | None) -> None:
        session: Session | None = g.pop("_gatepost_session", None)
        if session is not None:
            session.rollback()
            session.close()
