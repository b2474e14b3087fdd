"""The form for creating a personal API token."""

from __future__ import annotations

from wtforms import IntegerField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from scheduler.identity.api_tokens import DEFAULT_LIFETIME, MAX_LIFETIME, MAX_NAME_LENGTH, Scope
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

SCOPE_LABELS = {
    Scope.READ: "Read posts, channels and releases",
    Scope.WRITE: "Create and edit drafts, and submit them",
    Scope.APPROVE: "Approve and schedule posts",
}


class CreateTokenForm(StorableForm):
    """A name, the scopes, the lifetime in days, and a code when the person uses 2FA."""

    name = StringField(
        "Name",
        validators=[
            InputRequired("Give the token a name, so you can tell it apart later"),
            Length(
                max=MAX_NAME_LENGTH,
                message=f"Keep the name to {MAX_NAME_LENGTH} characters",
            ),
        ],
    )
    scopes = SelectMultipleField(
        "What may it do?",
        validators=[InputRequired("Choose at least one thing the token may do")],
    )
    expires_in_days = IntegerField(
        "Expires after (days)",
        default=DEFAULT_LIFETIME.days,
        validators=[
            InputRequired("Enter how many days the token should last, for example 90"),
            NumberRange(
                min=1,
                max=MAX_LIFETIME.days,
                message=f"Enter a number of days from 1 to {MAX_LIFETIME.days}",
            ),
        ],
    )
    code = StringField(
        "Code from your authenticator app",
        validators=[Optional(), Length(max=20, message="Enter the 6-digit code from your app")],
    )

    def offer_scopes(self, *, may_approve: bool) -> None:
        """List the scopes the person may give a token."""
        self.scopes.choices = [
            SelectChoice(scope.value, SCOPE_LABELS[scope])
            for scope in Scope
            if may_approve or scope is not Scope.APPROVE
        ]
