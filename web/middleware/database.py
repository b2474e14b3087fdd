"""One database session per request, and each view one unit of work.

A view never commits: `unit_of_work` around the view commits once when it returns, and saves
nothing when it raised or refused (`refuse`, which the helpers that show a domain refusal call),
or when the request only reads (GET, HEAD, OPTIONS).
Work that must follow the commit (starting a fresh signed-in session, say) goes to `after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from scheduler.core.database import Database

_EXTENSION_KEY = "gatepost.database"
_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES_ON_GET = "_gatepost_writes_on_get"
F = TypeVar("F", bound=Callable[..., Any])


def writes_on_get(view: F) -> F:
    """Mark a view that changes state on a GET (a platform's OAuth redirect back, say).

    Its request gets a session that may write, committed like any other unit of work.
    """
    setattr(view, _WRITES_ON_GET, True)
    return view


def _only_reads() -> bool:
    if not request or request.method not in _READ_ONLY_METHODS:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, _WRITES_ON_GET, False)


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
            read_only = _only_reads()
            factory = (
                self.database.read_session_factory if read_only else self.database.session_factory
            )
            session = factory()
            g._gatepost_session = session
        return session

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """Commit what the view changed unless it raised or refused; then run after_commit."""
        g._gatepost_refused = False
        g._gatepost_after = []
        try:
            yield
        except BaseException:
            self.refuse()
            raise
        session: Session | None = g.get("_gatepost_session")
        if session is not None:
            if g._gatepost_refused or _only_reads():
                # Ends the reads, saving nothing: a refusal saves nothing, and neither does a
                # GET (its session only reads; what it records goes apart, after_transaction).
                session.rollback()
            else:
                session.commit()
        pending: list[tuple[Callable[[], object], bool]] = g.pop("_gatepost_after")
        for callback, even_if_refused in pending:
            if even_if_refused or not g._gatepost_refused:
                callback()

    def refuse(self) -> None:
        """Roll back what this request changed, and save nothing more in it."""
        g._gatepost_refused = True
        session: Session | None = g.get("_gatepost_session")
        if session is not None:
            session.rollback()

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run the callback once this request's changes are saved (never if they are not)."""
        self._after(callback, even_if_refused=False)

    def after_transaction(self, callback: Callable[[], object]) -> None:
        """Run the callback once this request's transaction is over, saved or refused."""
        # For work apart from the request (recording who read a text) that must not wait on,
        # or be lost with, the request's own transaction.
        self._after(callback, even_if_refused=True)

    def _after(self, callback: Callable[[], object], *, even_if_refused: bool) -> None:
        pending: list[tuple[Callable[[], object], bool]] | None = g.get("_gatepost_after")
        if pending is None:
            raise RuntimeError("after_commit is for views, inside the request's unit of work")
        pending.append((callback, even_if_refused))

    def commit(self) -> None:
        """Commit now, for the API's dispatcher alone: it answers a failed commit as a problem."""
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
