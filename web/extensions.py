"""Flask extensions, created unbound and initialised by the app factory."""

from __future__ import annotations

from flask_login import LoginManager
from flask_wtf import CSRFProtect

from web.database import RequestDatabase

db = RequestDatabase()
login_manager = LoginManager()
csrf = CSRFProtect()
