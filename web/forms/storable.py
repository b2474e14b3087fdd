"""The base of every web form: text no database can store is refused before anything else."""

from __future__ import annotations

from typing import Any, ClassVar

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict

from scheduler.core.errors import ValidationFailed
from scheduler.core.storable_text import is_storable, unstorable_message
from web.forms.errors import add_error


class StorableForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no types
    """A form that refuses any value sent with a character no database can store (a NUL).

    The check covers everything the browser sent, not only the declared fields: values a view
    reads itself (thread rows, buttons) and uploaded file names too. Each offending field gets
    an error naming it; a value the form does not declare gets one above the form.
    """

    #: How to name values the form does not declare (read by the view itself), by name.
    sent_labels: ClassVar[dict[str, str]] = {}

    def process(
        self, formdata: Any = None, obj: Any = None, data: Any = None, **kwargs: Any
    ) -> None:
        super().process(formdata, obj, data, **kwargs)
        self._sent: MultiDict[str, Any] | None = self.meta.wrap_formdata(self, formdata)

    def validate(self, extra_validators: Any = None) -> bool:
        """Refuse unstorable text first (other checks could not say anything useful about it)."""
        return self.holds_only_storable_text() and bool(super().validate(extra_validators))

    def holds_only_storable_text(self) -> bool:
        """Put an error on each field sent with text no database can store; True if none was."""
        sent = getattr(self, "_sent", None)
        if not sent:
            return True
        refused = False
        for name in sent:
            values = sent.getlist(name)
            for number, value in enumerate(values, 1):
                text = (value.filename or "") if isinstance(value, FileStorage) else value
                if is_storable(name) and (not isinstance(text, str) or is_storable(text)):
                    continue
                refused = True
                self._refuse(name, number if len(values) > 1 else None)
        return not refused

    def _refuse(self, name: str, number: int | None) -> None:
        field = self._fields.get(name) or self._fields.get(name.split("-")[0])
        label = self.sent_labels.get(name) or (field.label.text if field is not None else "")
        if number is not None:
            label = f"{label or 'The form'} {number}"
        message = unstorable_message(str(label or "The form"))
        known = field.errors if field is not None else self.form_errors
        if message not in known:
            add_error(self, message, field.name if field is not None else None)


def storable_form_value(name: str, label: str) -> str:
    """Return a value a button's form sent (not a declared form), refusing unstorable text."""
    value = request.form.get(name, "")
    if not is_storable(value):
        raise ValidationFailed(unstorable_message(label), field=name)
    return value
