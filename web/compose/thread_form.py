"""The thread builder's form: where and when the thread goes, and a long text to split."""

from __future__ import annotations

from typing import ClassVar

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.send_time import send_date_field, send_fold_field, send_time_field
from web.forms.storable import StorableForm


class ThreadForm(StorableForm):
    """The thread's channel, release, send time and title; its posts are posted as lists."""

    sent_labels: ClassVar[dict[str, str]] = {"texts": "Post", "twin_texts": "Twin of post"}

    channel = SelectField(
        "Channel", validators=[InputRequired("Choose the channel to post on")], coerce=str
    )
    release = SelectField("Release", coerce=str, validate_choice=False)
    new_release_title = StringField("Title of the new release", validators=[Optional()])
    embargo_date = DateInputField("Embargo date")
    embargo_time = TimeInputField("Embargo time")
    title = StringField("Thread title", validators=[Optional()])
    send_date = send_date_field()
    send_time = send_time_field()
    send_fold = send_fold_field()
    long_text = TextAreaField("Long text to split into posts", validators=[Optional()])
    long_twin_text = TextAreaField("Its twin, to split alongside", validators=[Optional()])

    ambiguous_time = False
