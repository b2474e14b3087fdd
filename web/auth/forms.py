"""Forms for signing in: password, then a code from an app or a recovery code."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from web.forms.storable import StorableForm


class SignInForm(StorableForm):
    """E-mail address and password."""

    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=1000)]
    )


class CodeForm(StorableForm):
    """A 6-digit code from an authenticator app."""

    code = StringField(
        "Code from your authenticator app",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )


class RecoveryCodeForm(StorableForm):
    """One of the recovery codes saved when two-factor authentication was set up."""

    code = StringField(
        "Recovery code",
        validators=[
            DataRequired("Enter one of your recovery codes"),
            Length(max=40, message="Enter one of your recovery codes, like abcd-efgh-jkmn-pqrs"),
        ],
    )
