"""The thread import form: where the thread goes, when, and the file."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileAllowed, FileField
from werkzeug.datastructures import FileStorage
from wtforms import Field, HiddenField, SelectField, StringField
from wtforms.validators import InputRequired, Length, StopValidation

from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.storable import StorableForm

#: Far above a 25-post thread with twins; the same limit as an API body.
MAX_FILE_BYTES = 1024 * 1024


class ThreadImportForm(StorableForm):
    """A channel you write on, an optional release and send time, and the file of posts.

    The file may be left out when `checked_file` names one already checked (see
    web/imports/checked_uploads.py); a file chosen anyway wins.
    """

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
        validators=[FileAllowed(["csv", "json"], "The file must be a CSV or JSON file")],
    )
    checked_file = HiddenField()

    def has_new_file(self) -> bool:
        """Return whether a file was chosen with this submission."""
        data: Any = self.file.data
        return isinstance(data, FileStorage) and bool(data)

    def validate_file(self, _field: Field) -> None:
        """Ask for a file unless one checked before is to be imported."""
        if not self.has_new_file() and not self.checked_file.data:
            raise StopValidation("Select a CSV or JSON file")
