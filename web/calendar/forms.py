"""The form that moves a post to another send time from the calendar."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField
from wtforms.validators import Optional

from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.send_time import send_fold_field
from web.forms.storable import StorableForm


class MoveForm(StorableForm):
    """The new local date and time, the version the person saw, and the view to go back to."""

    send_date = DateInputField("New send date")
    send_time = TimeInputField("New send time")
    send_fold = send_fold_field()
    expected_version = IntegerField(validators=[Optional()])
    back_view = HiddenField()

    ambiguous_time = False
