"""The thread import form: where the thread goes, when, and the file."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.storable import StorableForm

#: Far above a 25-post thread with twins; the same limit as an API body.
MAX_FILE_BYTES = 1024 * 1024


class ThreadImportForm(StorableForm):
    """A channel you write on, an optional release and send time, and the file of posts."""

    channel = SelectField("Channel", validators=[InputRequired("Choose the channel")])
    release = SelectField("Release", default="")
    send_date = DateInputField("Send date")
    send_time = TimeInputField("Send time")
    title = StringField(
        "Title (optional)",
        validators=[Length(max=300, message="The title can be at most 300 characters")],
    )
    file = FileField(
        "Upload a file",
        validators=[
            FileRequired("Select a CSV or JSON file"),
            FileAllowed(["csv", "json"], "The file must be a CSV or JSON file"),
        ],
    )
