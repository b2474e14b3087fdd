"""Forms for managing people."""

from __future__ import annotations

from wtforms import EmailField, PasswordField, RadioField, StringField
from wtforms.validators import InputRequired, Length

from scheduler.models import Role
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

ROLE_CHOICES = [
    SelectChoice(Role.AUTHOR.value, "Author"),
    SelectChoice(Role.APPROVER.value, "Approver"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]
ROLE_HINTS = {
    Role.AUTHOR.value: "Writes posts and sends them for clearance",
    Role.APPROVER.value: "Clears and schedules posts; must use two-factor authentication",
    Role.ADMIN.value: "Manages people, channels and releases; must use two-factor authentication",
}


class CreateUserForm(StorableForm):
    """A new person's name, e-mail address, first password and role."""

    name = StringField("Full name", validators=[Length(max=200)])
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter their email address"), Length(max=254)],
    )
    password = PasswordField(
        "First password",
        validators=[InputRequired("Enter a first password for them"), Length(max=1000)],
    )
    role = RadioField("Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose their role")])


class ChangeRoleForm(StorableForm):
    """The role to give someone."""

    role = RadioField(
        "Role", choices=ROLE_CHOICES, validators=[InputRequired("Choose their new role")]
    )
