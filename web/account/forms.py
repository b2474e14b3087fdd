"""Forms on the account pages."""

from __future__ import annotations

from typing import Any

from wtforms import PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from scheduler.models.notification import EmailChoice
from web.forms.date_fields import TimeInputField
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm


class ChangePasswordForm(StorableForm):
    """The current password, and the new one typed twice."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password"), Length(max=1000)],
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password"),
            Length(max=1000, message="Enter a new password of at most 1,000 characters"),
        ],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        validators=[
            DataRequired("Enter your new password again"),
            EqualTo("new_password", message="The new passwords do not match; type them again"),
        ],
    )


class ConfirmPasswordForm(StorableForm):
    """The current password, to confirm a change to how the person signs in."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password"), Length(max=1000)],
    )


class SetUpTwoFactorForm(StorableForm):
    """A code from the new app and, when replacing an app, the current password."""

    code = StringField(
        "Code from your authenticator app",
        validators=[
            DataRequired("Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
    current_password = PasswordField("Current password", validators=[Length(max=1000)])


class EmailNotificationsForm(StorableForm):
    """How the person wants notifications e-mailed, and when their daily digest comes."""

    email = RadioField(
        "E-mail me",
        choices=[
            SelectChoice(EmailChoice.AS_IT_HAPPENS.value, "Each notification as it happens"),
            SelectChoice(EmailChoice.DAILY_DIGEST.value, "One daily digest"),
            SelectChoice(EmailChoice.NONE.value, "No e-mails"),
        ],
        validators=[InputRequired("Choose how you want notifications e-mailed")],
    )
    digest_time = TimeInputField("Time of your daily digest")

    def validate(self, extra_validators: Any = None) -> bool:
        """Check the digest time only when a daily digest is chosen (otherwise it is kept)."""
        if self.email.data != EmailChoice.DAILY_DIGEST.value:
            self.digest_time.process_errors = []
            self.digest_time.data = None
        return bool(super().validate(extra_validators))
