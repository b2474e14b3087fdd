"""The signed-in person and the settings, for views."""

from __future__ import annotations

from flask import current_app
from flask_login import current_user

from config import Settings
from scheduler.models import User


def signed_in_user() -> User:
    """Return the signed-in person (views are behind login_required)."""
    user: User = current_user._get_current_object()
    return user


def settings() -> Settings:
    """Return the app's settings."""
    configured: Settings = current_app.config["GATEPOST_SETTINGS"]
    return configured
