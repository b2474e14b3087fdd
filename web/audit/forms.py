"""The audit trail's filters: post, channel, person and a range of local days."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from config import Settings
from scheduler.core.errors import DomainError
from scheduler.models import Channel, User
from scheduler.reports.audit_export import day_range
from scheduler.reports.audit_trail import AuditFilter
from web.forms.date_fields import DateInputField
from web.forms.errors import add_domain_error
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

ANY = ""


class AuditTrailForm(StorableForm):
    """Which events to show or download; a filter left empty means every event."""

    class Meta:
        csrf = False  # a GET search changes nothing

    post_id = IntegerField(
        "Post number",
        validators=[Optional(), NumberRange(min=1, message="Enter a post number, like 42")],
    )
    channel = SelectField("Channel", default=ANY)
    person = SelectField("Person", default=ANY)
    # Dates that search history may be any real date (not only the planning horizon).
    since = DateInputField("From (inclusive)", validators=[Optional()], within_horizon=False)
    until = DateInputField("To (inclusive)", validators=[Optional()], within_horizon=False)

    def offer(self, channels: Sequence[Channel], people: Sequence[User]) -> None:
        """List the channels and people the person may filter by."""
        self.channel.choices = [SelectChoice(ANY, "All channels")] + [
            SelectChoice(str(channel.id), f"@{channel.handle}") for channel in channels
        ]
        self.person.choices = [SelectChoice(ANY, "Anyone, including the publishing worker")] + [
            SelectChoice(str(user.id), f"{user.display_name} ({user.email})") for user in people
        ]

    def criteria(self, settings: Settings) -> AuditFilter | None:
        """Return the filter asked for, or None with the errors on the form."""
        if not self.validate():
            return None
        since, until = day_range(self.since.data, self.until.data, settings.timezone)
        try:
            return AuditFilter(
                post_id=self.post_id.data,
                channel_id=int(self.channel.data) if self.channel.data else None,
                actor_id=int(self.person.data) if self.person.data else None,
                since=since,
                until=until,
            )
        except DomainError as error:
            add_domain_error(self, error)
            # The only refusal without a field of its own is about the range: show it at its end.
            self.until.errors = [*self.until.errors, *self.form_errors]
            self.form_errors.clear()
            return None

    def query_args(self) -> dict[str, str]:
        """Return the filters as typed, as query-string arguments (for paging and downloads)."""
        args: dict[str, str] = {}
        if self.post_id.raw_data and self.post_id.raw_data[0]:
            args["post_id"] = str(self.post_id.raw_data[0])
        for field in (self.channel, self.person):
            if field.data:
                args[field.name] = str(field.data)
        for date_field in (self.since, self.until):
            for part in date_field.parts:
                if date_field.values[part]:
                    args[date_field.part_name(part)] = date_field.values[part]
        return args
