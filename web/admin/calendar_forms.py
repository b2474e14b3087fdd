"""Forms for quiet periods, overrides and the audit export."""

from __future__ import annotations

from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from web.admin.local_instants import fold_field
from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

ALL_CHANNELS = ""


class QuietPeriodForm(StorableForm):
    """A named stretch of local time, on one channel or all, when nothing is published."""

    name = StringField(
        "Name",
        validators=[
            InputRequired("Give the quiet period a name people will recognise"),
            Length(max=200, message="Keep the name to 200 characters"),
        ],
    )
    channel = SelectField("Channel", default=ALL_CHANNELS)
    starts_date = DateInputField("Start date", validators=[DataRequired("Enter the start date")])
    starts_time = TimeInputField("Start time", validators=[DataRequired("Enter the start time")])
    starts_fold = fold_field("The start time happens twice on that day: which one?")
    ends_date = DateInputField("End date", validators=[DataRequired("Enter the end date")])
    ends_time = TimeInputField("End time", validators=[DataRequired("Enter the end time")])
    ends_fold = fold_field("The end time happens twice on that day: which one?")
    reason = TextAreaField("Reason", validators=[Length(max=2000)])


class OverrideForm(StorableForm):
    """Why a held post may go outside the publishing window."""

    reason = TextAreaField(
        "Reason",
        validators=[
            InputRequired("Give the reason for the override; it is kept in the audit trail"),
            Length(max=2000, message="Keep the reason to 2,000 characters"),
        ],
    )


class AuditExportForm(StorableForm):
    """Which events to download, and as what."""

    class Meta:
        csrf = False  # a GET download changes nothing

    export_format = RadioField(
        "Format",
        choices=[SelectChoice("csv", "CSV (for spreadsheets)"), SelectChoice("json", "JSON")],
        default="csv",
        validators=[InputRequired("Choose CSV or JSON")],
    )
    post_id = IntegerField(
        "Post number",
        validators=[Optional(), NumberRange(min=1, message="Enter a post number, like 42")],
    )
    channel = SelectField("Channel", default=ALL_CHANNELS)
    since = DateInputField("From (inclusive)", validators=[Optional()], within_horizon=False)
    until = DateInputField("To (inclusive)", validators=[Optional()], within_horizon=False)


def channel_choices(channels: list[tuple[int, str]]) -> list[SelectChoice]:
    """Return "All channels" and one choice per channel."""
    return [SelectChoice(ALL_CHANNELS, "All channels")] + [
        SelectChoice(str(channel_id), f"@{handle}") for channel_id, handle in channels
    ]
