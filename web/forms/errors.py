"""Turn domain errors into form errors, and list a form's errors for the GOV.UK error summary."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask_wtf import FlaskForm
from wtforms import Field, RadioField
from wtforms.widgets import ListWidget

from scheduler.core.errors import DomainError
from web.extensions import db


@dataclass(frozen=True)
class ErrorItem:
    """One line of the error summary and the input it links to."""

    message: str
    href: str | None


def add_error(form: FlaskForm, message: str, field: str | None = None) -> None:
    """Show a message beside the named field, or above the form if it names none."""
    target: Field | None = form._fields.get(field) if field else None
    if target is None:
        form.form_errors.append(message)
    else:
        target.errors = [*target.errors, message]


def add_domain_error(form: FlaskForm, error: DomainError, field: str | None = None) -> None:
    """Show a refusal from the domain beside its field (or the one named), saving nothing.

    The request's unit of work is rolled back at once (see RequestDatabase.refuse), unless the
    refusal keeps its changes (a counted sign-in failure).
    """
    if not error.keeps_changes:
        db.refuse()
    add_error(form, error.message, field or error.field)


def error_anchor(field: Field) -> str:
    """Return the id of the input an error summary link should move focus to."""
    first_input_id = getattr(field, "first_input_id", None)
    if isinstance(first_input_id, str):
        return first_input_id
    if isinstance(field, RadioField) or isinstance(field.widget, ListWidget):
        return f"{field.id}-0"
    return str(field.id)


def error_items(form: FlaskForm) -> list[ErrorItem]:
    """Return the form's errors, the first for each field in field order, linking to its input."""
    items = [ErrorItem(str(message), None) for message in form.form_errors]
    for field in form:
        if field.errors:
            items.append(ErrorItem(str(field.errors[0]), f"#{error_anchor(field)}"))
    return items


def register_form_helpers(app: Flask) -> None:
    """Make the error helpers available to the form macros."""
    app.add_template_global(error_items)
    app.add_template_global(error_anchor)
