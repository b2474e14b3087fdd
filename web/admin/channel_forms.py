"""Forms for channels and their access lists."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import BooleanField, IntegerField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from scheduler.channels.operations import MAX_APPROVALS_REQUIRED
from scheduler.models import AccessRole, Channel, User
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

NOBODY = ""
ACCESS_ROLE_CHOICES = [
    SelectChoice(AccessRole.AUTHOR.value, "Author"),
    SelectChoice(AccessRole.APPROVER.value, "Approver"),
]
ACCESS_ROLE_HINTS = {
    AccessRole.AUTHOR.value: "May write posts for this channel",
    AccessRole.APPROVER.value: "May clear posts for this channel (approvers and admins only)",
}


def _approvals() -> IntegerField:
    return IntegerField(
        "Approvals needed before a post can be scheduled",
        default=1,
        validators=[
            InputRequired("Enter how many approvals a post needs, for example 1"),
            NumberRange(
                min=1,
                max=MAX_APPROVALS_REQUIRED,
                message=f"Enter a number from 1 to {MAX_APPROVALS_REQUIRED}",
            ),
        ],
    )


class ChannelSettingsForm(StorableForm):
    """A channel's twin, whether it needs one, its approvals and its owner."""

    twin = SelectField("Twin channel", default=NOBODY)
    requires_twin = BooleanField("Every post needs a twin post on the twin channel")
    approvals_required = _approvals()
    owner = SelectField("Owner", default=NOBODY)

    def offer(
        self, channels: Sequence[Channel], people: Sequence[User], *, exclude: int | None
    ) -> None:
        """List the channels that may be twins and the people who may own the channel."""
        self.twin.choices = [SelectChoice(NOBODY, "No twin")] + [
            SelectChoice(str(channel.id), f"@{channel.handle} ({channel.language})")
            for channel in channels
            if channel.id != exclude
        ]
        self.owner.choices = [SelectChoice(NOBODY, "Nobody")] + [
            SelectChoice(str(person.id), f"{person.display_name} ({person.email})")
            for person in people
            if person.active
        ]


class CreateChannelForm(ChannelSettingsForm):
    """A new channel: its platform, handle, name and language, and the settings above."""

    platform = RadioField("Platform", validators=[InputRequired("Choose the platform")])
    handle = StringField(
        "Handle",
        validators=[InputRequired("Enter the channel's handle, for example ONS"), Length(max=100)],
    )
    display_name = StringField("Display name", validators=[Length(max=200)])
    language = StringField(
        "Language",
        default="en",
        validators=[InputRequired("Enter the language code, for example en or cy"), Length(max=8)],
    )
    instance_url = StringField("Server address", validators=[Length(max=300)])


class ConnectChannelForm(StorableForm):
    """The credential that connects a channel: a token, or a handle and an app password.

    The secret fields are password inputs: never filled in again when the page is shown.
    """

    token = PasswordField("Access token", validators=[Length(max=2000)])
    account_handle = StringField("Account handle", validators=[Length(max=300)])
    app_password = PasswordField("App password", validators=[Length(max=200)])

    def secret(self, connect_with: str) -> str:
        """Return the credential as the platform's `connect` takes it."""
        if connect_with == "handle_and_password":
            return f"{(self.account_handle.data or '').strip()} {self.app_password.data or ''}"
        return self.token.data or ""

    def secret_field(self, connect_with: str) -> str:
        """Return the name of the field a refused credential is shown beside."""
        return "app_password" if connect_with == "handle_and_password" else "token"


class GrantAccessForm(StorableForm):
    """Who to put on the access list, and as what."""

    email = StringField(
        "Email address",
        validators=[InputRequired("Enter the email address of the person to add"), Length(max=254)],
    )
    role = RadioField(
        "Access",
        choices=ACCESS_ROLE_CHOICES,
        default=AccessRole.AUTHOR.value,
        validators=[InputRequired("Choose author or approver")],
    )
