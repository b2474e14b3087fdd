"""The form for the faults a mock channel injects (for rehearsals and tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wtforms import IntegerField, RadioField, StringField
from wtforms.validators import Length, NumberRange, Optional

from scheduler.platforms.mock_faults import FAULT_KINDS
from web.forms.select_choice import SelectChoice
from web.forms.storable import StorableForm

MOCK = "mock"
FAULT_KIND_HINTS = {
    "transient": "The worker retries later",
    "permanent": "The post fails and needs a person",
    "unknown": "Nobody knows whether it went out; the worker looks it up",
}


class MockFaultsForm(StorableForm):
    """Which calls fail, how, and how slowly the mock answers; empty means no fault."""

    fail_every_nth = IntegerField(
        "Fail every nth call",
        validators=[Optional(), NumberRange(min=1, message="Enter a whole number of 1 or more")],
    )
    fail_matching = StringField(
        "Fail posts whose text contains", validators=[Optional(), Length(max=200)]
    )
    fail_kind = RadioField(
        "How they fail",
        choices=[SelectChoice(kind, kind.capitalize()) for kind in FAULT_KINDS],
        default="transient",
    )
    latency_ms = IntegerField(
        "Answer after (milliseconds)",
        validators=[Optional(), NumberRange(min=0, message="Enter 0 or more milliseconds")],
    )
    rate_limit_per_minute = IntegerField(
        "Posts allowed a minute",
        validators=[Optional(), NumberRange(min=1, message="Enter a whole number of 1 or more")],
    )

    def fill(self, options: Mapping[str, Any]) -> None:
        """Show the channel's current options."""
        for key in ("fail_every_nth", "fail_matching", "latency_ms", "rate_limit_per_minute"):
            self[key].data = options.get(key)
        self.fail_kind.data = options.get("fail_kind", "transient")

    def options(self) -> dict[str, Any]:
        """Return the options typed, leaving out what was left empty."""
        chosen: dict[str, Any] = {
            key: self[key].data
            for key in ("fail_every_nth", "fail_matching", "latency_ms", "rate_limit_per_minute")
            if self[key].data not in (None, "")
        }
        if "fail_every_nth" in chosen or "fail_matching" in chosen:
            chosen["fail_kind"] = self.fail_kind.data
        return chosen
