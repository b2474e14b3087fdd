"""The signed-in person and the settings, for views."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

import flask_login
from flask import current_app
from flask_login import current_user
from werkzeug.wrappers import Response

from config import Settings
from scheduler.models import User

_Arguments = ParamSpec("_Arguments")
_Page = TypeVar("_Page")


def login_required(view: Callable[_Arguments, _Page]) -> Callable[_Arguments, _Page | Response]:
    """Send someone not signed in to the sign-in page instead of the view (Flask-Login's check)."""
    # Flask-Login ships no types: this is its decorator with the signature it has, so views stay
    # typed. The Response is the redirect to the sign-in page.
    guarded: Callable[_Arguments, _Page | Response] = flask_login.login_required(view)
    return guarded


def signed_in_user() -> User:
    """Return the signed-in person (views are behind login_required)."""
    user: User = current_user._get_current_object()
    return user


def settings() -> Settings:
    """Return the app's settings."""
    configured: Settings = current_app.config["GATEPOST_SETTINGS"]
    return configured
