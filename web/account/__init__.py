"""Your account: password, two-factor authentication, recovery codes, signing out everywhere."""

from flask import Blueprint

blueprint = Blueprint("account", __name__, url_prefix="/account")

from web.account import email_notifications, tokens, views  # noqa: E402,F401  (views attach routes to the blueprint)
