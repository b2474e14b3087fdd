"""Forms for releases: a new release, moving its embargo, and adding someone to its list."""

from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, InputRequired, Length

from web.admin.local_instants import fold_field
from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.storable import StorableForm


class EmbargoForm(StorableForm):
    """The embargo as a local date and time, and which one when the clocks go back."""

    embargo_date = DateInputField(
        "Embargo date", validators=[DataRequired("Enter the embargo date")]
    )
    embargo_time = TimeInputField(
        "Embargo time", validators=[DataRequired("Enter the embargo time, for example 09:30")]
    )
    embargo_fold = fold_field("That time happens twice on that day: which one?")


class CreateReleaseForm(EmbargoForm):
    """A new release: its title and embargo."""

    title = StringField(
        "Title",
        validators=[
            InputRequired("Enter the release's title"),
            Length(max=300, message="Keep the title to 300 characters"),
        ],
    )


class ReleaseAccessForm(StorableForm):
    """Someone to add to the pre-release access list."""

    email = StringField(
        "Email address",
        validators=[InputRequired("Enter the email address of the person to add"), Length(max=254)],
    )
