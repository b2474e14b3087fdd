"""Build the Flask app from small named steps."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue

from config import Settings, load_settings
from scheduler.core.database import Database
from web.errors import register_errorhandlers
from web.extensions import csrf, db, login_manager


class GatepostFlask(Flask):
    """Flask, with each view one unit of work (see RequestDatabase.unit_of_work)."""

    def dispatch_request(self) -> ResponseReturnValue:
        """Run the view, committing once what it changed unless it raised or refused."""
        with db.unit_of_work():
            return super().dispatch_request()


def create_app(
    settings: Settings | Mapping[str, Any] | None = None,
    *,
    database: Database | None = None,
) -> Flask:
    """Create the Gatepost web app from settings (read from the environment when none given)."""
    if settings is None:
        settings = load_settings()
    elif not isinstance(settings, Settings):
        settings = load_settings({}, overrides=settings)
    app = GatepostFlask(
        __name__, instance_path=str(settings.instance_path), instance_relative_config=True
    )
    configure(app, settings)
    database = database or Database(settings.database_url)
    if settings.server_timing:
        # First, so its clock starts before any other before_request hook runs.
        from web.middleware.server_timing import register_server_timing

        register_server_timing(app, database.engine)
    register_extensions(app, database)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_security(app, settings)
    return app


def configure(app: Flask, settings: Settings) -> None:
    """Copy the settings Flask and its extensions read into app.config."""
    app.config.update(
        GATEPOST_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        SESSION_COOKIE_NAME="gatepost_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.session_cookie_secure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
    )


def register_extensions(app: Flask, database: Database) -> None:
    """Bind the database, sign-in and CSRF protection to the app."""
    db.init_app(app, database)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    from web.auth.session import load_user

    login_manager.user_loader(load_user)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint."""
    from web.account import blueprint as account
    from web.admin import blueprint as admin
    from web.api import blueprint as api
    from web.audit import blueprint as audit
    from web.auth import blueprint as auth
    from web.calendar import blueprint as calendar
    from web.compose import blueprint as compose
    from web.health import blueprint as health
    from web.imports import blueprint as imports
    from web.inbox import blueprint as inbox
    from web.main import blueprint as main
    from web.metrics import blueprint as metrics
    from web.notifications import blueprint as notifications
    from web.posts import blueprint as posts
    from web.queue import blueprint as queue
    from web.releases import blueprint as releases
    from web.timeline import blueprint as timeline
    from web.ui.govuk_frontend import register_govuk_frontend

    register_govuk_frontend(app)
    app.register_blueprint(auth)
    app.register_blueprint(account)
    app.register_blueprint(health)
    app.register_blueprint(main)
    app.register_blueprint(metrics)
    app.register_blueprint(api)
    app.register_blueprint(compose)
    app.register_blueprint(inbox)
    app.register_blueprint(posts)
    app.register_blueprint(queue)
    app.register_blueprint(calendar)
    app.register_blueprint(notifications)
    app.register_blueprint(timeline)
    app.register_blueprint(admin)
    app.register_blueprint(audit)
    app.register_blueprint(imports)
    app.register_blueprint(releases)


def register_template_helpers(app: Flask) -> None:
    """Make local-time formatting, the navigation and the form helpers available to templates."""
    from web.forms.errors import register_form_helpers
    from web.ui.action_words import action_words
    from web.ui.formatting import format_local, format_local_date, format_local_time
    from web.ui.navigation import register_navigation
    from web.ui.states import state_colour, state_words

    app.add_template_filter(format_local, "local")
    app.add_template_filter(format_local_date, "local_date")
    app.add_template_filter(format_local_time, "local_time")
    app.add_template_filter(state_words, "state_words")
    app.add_template_filter(state_colour, "state_colour")
    app.add_template_filter(action_words, "action_words")
    register_navigation(app)
    register_form_helpers(app)


def register_security(app: Flask, settings: Settings) -> None:
    """Add the security headers and the two-factor policy to every request."""
    from web.auth.enforcement import register_two_factor_enforcement
    from web.middleware.security_headers import register_security_headers

    register_security_headers(app, behind_tls=settings.session_cookie_secure)
    register_two_factor_enforcement(app)
