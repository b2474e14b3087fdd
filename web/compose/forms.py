"""The compose form."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from web.forms.send_time import send_date_field, send_fold_field, send_time_field
from web.forms.storable import StorableForm


class ComposeForm(StorableForm):
    """A post's text, its twin's, where and when it goes, and which release it belongs to."""

    channel = SelectField(
        "Channel", validators=[InputRequired("Choose the channel to post on")], coerce=str
    )
    text = TextAreaField("Post text", validators=[InputRequired("Enter the text of the post")])
    twin_text = TextAreaField("Twin text", validators=[Optional()])
    release = SelectField("Release", coerce=str, validate_choice=False)
    send_date = send_date_field()
    send_time = send_time_field()
    send_fold = send_fold_field()
    image = FileField("Image (optional)")
    alt_text = TextAreaField("Alt text for the image", validators=[Optional()])
    shows_people = BooleanField("The image shows people")
    consent = BooleanField("The people shown agreed to it being published")
    consent_note = StringField("How consent was given (optional)", validators=[Optional()])
    expected_version = IntegerField(validators=[Optional()])
    intent = HiddenField()

    ambiguous_time = False
