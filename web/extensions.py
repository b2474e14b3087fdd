"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from flask import Blueprint, Flask
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from web.middleware.database import RequestDatabase

_Exempted = TypeVar("_Exempted", bound=Callable[..., Any] | Blueprint | str)


class CSRFGuard(Protocol):
    """What Gatepost uses of Flask-WTF's CSRFProtect, typed (Flask-WTF ships no types)."""

    def init_app(self, app: Flask) -> None:
        """Check the CSRF token of every form the app is sent."""

    def exempt(self, view: _Exempted) -> _Exempted:
        """Leave a view (or a blueprint, or an endpoint named so) unchecked; return it as it is."""


db = RequestDatabase()
login_manager = LoginManager()
csrf: CSRFGuard = CSRFProtect()
