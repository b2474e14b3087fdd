"""The one form behind every action button on a post's page."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import Optional

from web.forms.send_time import send_date_field, send_fold_field, send_time_field
from web.forms.storable import StorableForm


class PostActionForm(StorableForm):
    """An action on a post: the version acted on, and what some actions ask for."""

    expected_version = IntegerField(validators=[Optional()])
    comment = TextAreaField("Comment")
    #: A remark in the post's conversation (not the send-back comment above).
    remark = TextAreaField("Add a comment")
    reason = TextAreaField("Reason")
    send_date = send_date_field()
    send_time = send_time_field()
    send_fold = send_fold_field()
    published = HiddenField()

    ambiguous_time = False
