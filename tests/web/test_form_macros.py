"""The GOV.UK form macros: labels, hints, errors beside fields and in the summary, kept values."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from scheduler.core.errors import ValidationFailed
from web.forms.date_fields import DateInputField, TimeInputField
from web.forms.errors import add_domain_error, error_items

PAGE = """{% extends "base.html" %}{% import "macros/forms.html" as forms %}
{% block title %}Compose{% endblock %}
{% block content %}
{{ forms.error_summary(form) }}
<form method="post" novalidate>
{{ forms.csrf_input() }}
{{ forms.text_input(form.title, hint="A few words", autocomplete="off", spellcheck=false) }}
{{ forms.password_input(form.secret) }}
{{ forms.textarea(form.text, maxlength=280, threshold=75, counter={"data-gp-count": "x"}) }}
{{ forms.radios(form.language, item_hints={"cy": "Cymraeg"}) }}
{{ forms.checkboxes(form.channels) }}
{{ forms.checkbox(form.urgent, hint="Tell the comms officer now") }}
{{ forms.select(form.release) }}
{{ forms.date_input(form.send_date) }}
{{ forms.time_input(form.send_time) }}
{{ forms.button("Save draft", secondary=true) }}
</form>
{% endblock %}"""


class ComposeForm(FlaskForm):
    """Every kind of field the macros render."""

    class Meta:
        csrf = False

    title = StringField("Title", validators=[DataRequired("Enter a title"), Length(max=20)])
    secret = PasswordField("Secret", validators=[DataRequired("Enter the secret")])
    text = TextAreaField("Post text", validators=[DataRequired("Enter the text of the post")])
    language = RadioField(
        "Language",
        choices=[SelectChoice("en", "English"), SelectChoice("cy", "Welsh")],
        validators=[InputRequired("Choose a language")],
    )
    channels = SelectMultipleField(
        "Channels", choices=[SelectChoice("ons", "@ONS"), SelectChoice("ons_cy", "@ONS_Cymru")]
    )
    urgent = BooleanField("Urgent")
    release = SelectField(
        "Release", choices=[SelectChoice("", "None"), SelectChoice("7", "Labour market")]
    )
    send_date = DateInputField("Send date", validators=[DataRequired("Enter the send date")])
    send_time = TimeInputField("Send time", validators=[DataRequired("Enter the send time")])


def render(app: Flask, data: dict[str, str | list[str]] | None) -> tuple[ComposeForm, str]:
    method = "POST" if data is not None else "GET"
    formdata = MultiDict()
    for key, value in (data or {}).items():
        for item in value if isinstance(value, list) else [value]:
            formdata.add(key, item)
    with app.test_request_context("/compose", method=method, data=formdata):
        form = ComposeForm()
        if data is not None:
            form.validate()
        return form, render_template_string(PAGE, form=form)


def test_an_empty_form_has_labels_hints_and_no_errors(app: Flask) -> None:
    _, page = render(app, None)
    assert "<title>Compose" in page
    assert "govuk-error-summary" not in page
    assert '<label class="govuk-label" for="title">Title</label>' in page
    assert '<div id="title-hint" class="govuk-hint">A few words</div>' in page
    assert 'aria-describedby="title-hint"' in page
    assert 'spellcheck="false"' in page
    assert 'data-module="govuk-character-count" data-maxlength="280" data-threshold="75"' in page
    assert 'data-gp-count="x"' in page
    assert 'aria-describedby="text-info"' in page
    assert 'id="text-info" class="govuk-hint govuk-character-count__message"' in page
    assert 'name="send_date-day"' in page
    assert 'name="send_time-minute"' in page
    assert "Use the 24-hour clock" in page
    assert 'class="govuk-button govuk-button--secondary"' in page


def test_errors_are_summarised_and_shown_beside_each_field(app: Flask) -> None:
    form, page = render(app, {"title": "", "text": "", "secret": "", "release": ""})
    assert "<title>Error: Compose" in page
    summary = page[page.index("govuk-error-summary") : page.index("</ul>")]
    links = re.findall(r'<a href="(#[^"]+)">([^<]+)</a>', summary)
    assert links == [
        ("#title", "Enter a title"),
        ("#secret", "Enter the secret"),
        ("#text", "Enter the text of the post"),
        ("#language-0", "Choose a language"),  # the first radio, which takes the focus
        ("#send_date-day", "Enter the send date"),
        ("#send_time-hour", "Enter the send time"),
    ]
    assert (
        '<p id="title-error" class="govuk-error-message">'
        '<span class="govuk-visually-hidden">Error:</span> Enter a title</p>'
    ) in page
    assert 'aria-describedby="title-hint title-error"' in page
    assert 'aria-describedby="text-info text-error"' in page
    assert "govuk-input govuk-input--error" in page
    assert "govuk-textarea govuk-textarea--error" in page
    assert len(error_items(form)) == 6


def test_what_was_typed_is_kept_except_passwords(app: Flask) -> None:
    _, page = render(
        app,
        {
            "title": 'Quotes " and <tags>',
            "secret": "hunter2 hunter2",
            "text": "\nFirst line starts after a newline",
            "language": "cy",
            "channels": ["ons_cy"],
            "urgent": "y",
            "release": "7",
            "send_date-day": "31",
            "send_date-month": "2",
            "send_date-year": "2027",
            "send_time-hour": "9",
            "send_time-minute": "30",
        },
    )
    assert 'value="Quotes &#34; and &lt;tags&gt;"' in page
    assert "hunter2" not in page
    assert ">\n\nFirst line starts after a newline</textarea>" in page
    assert re.search(r'value="cy" checked', page)
    assert re.search(r'value="ons_cy" checked', page)
    assert not re.search(r'value="ons" checked', page)
    assert re.search(r'id="urgent" name="urgent" type="checkbox" value="y" checked', page)
    assert '<option value="7" selected>Labour market</option>' in page
    assert 'name="send_date-day" type="text" inputmode="numeric" value="31"' in page
    assert "Send date must be a real date" in page
    assert 'name="send_time-hour" type="text" inputmode="numeric" value="9"' in page


def test_only_the_boxes_an_error_is_about_are_marked(app: Flask) -> None:
    _, page = render(app, {"send_date-day": "12", "send_date-month": "", "send_date-year": "2027"})
    assert "Send date must include a month" in page
    marked = re.findall(r'govuk-input--error" id="(send_date-\w+)"', page)
    assert marked == ["send_date-month"]


def test_domain_errors_land_beside_their_field_or_above_the_form(app: Flask) -> None:
    with app.test_request_context("/compose", method="POST", data={"title": "Hello"}):
        form = ComposeForm()
        form.validate()
        add_domain_error(form, ValidationFailed("That title is taken", field="title"))
        add_domain_error(form, ValidationFailed("Someone else changed this post first"))
        items = error_items(form)
    assert items[0].message == "Someone else changed this post first"
    assert items[0].href is None
    assert ("That title is taken", "#title") in [(item.message, item.href) for item in items]


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ({"day": "12", "month": "3", "year": "2026"}, date(2026, 3, 12)),
        ({"day": "12", "month": "Mar", "year": "2026"}, date(2026, 3, 12)),
        ({"day": " 1 ", "month": "september", "year": "2026"}, date(2026, 9, 1)),
        ({"day": "29", "month": "2", "year": "2028"}, date(2028, 2, 29)),
    ],
)
def test_dates_are_read_from_three_boxes(
    app: Flask, posted: dict[str, str], expected: date
) -> None:
    data = {f"send_date-{part}": value for part, value in posted.items()}
    with app.test_request_context("/compose", method="POST", data=data):
        form = ComposeForm()
        form.validate()
        assert form.send_date.data == expected
        assert not form.send_date.errors


@pytest.mark.parametrize(
    ("posted", "message"),
    [
        ({"day": "29", "month": "2", "year": "2027"}, "Send date must be a real date"),
        ({"day": "x", "month": "2", "year": "2027"}, "Send date must be a real date"),
        ({"day": "", "month": "", "year": "2027"}, "Send date must include a day and a month"),
        ({"day": "1", "month": "2", "year": "27"}, "Year must include 4 numbers"),
        ({"day": "", "month": "", "year": ""}, "Enter the send date"),
    ],
)
def test_impossible_or_partial_dates_say_what_to_fix(
    app: Flask, posted: dict[str, str], message: str
) -> None:
    data = {f"send_date-{part}": value for part, value in posted.items()}
    with app.test_request_context("/compose", method="POST", data=data):
        form = ComposeForm()
        form.validate()
        assert form.send_date.errors == [message]
        assert form.send_date.data is None


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        ("09", "30", time(9, 30)),
        ("0", "0", time(0, 0)),
        ("23", "59", time(23, 59)),
        ("24", "00", None),
        ("12", "60", None),
        ("9am", "00", None),
        ("12", "", None),
    ],
)
def test_times_are_read_on_the_24_hour_clock(
    app: Flask, hour: str, minute: str, expected: time | None
) -> None:
    data = {"send_time-hour": hour, "send_time-minute": minute}
    with app.test_request_context("/compose", method="POST", data=data):
        form = ComposeForm()
        form.validate()
        assert form.send_time.data == expected
        assert bool(form.send_time.errors) == (expected is None)


def test_date_and_time_fields_show_saved_values(app: Flask) -> None:
    with app.test_request_context("/compose"):
        form = ComposeForm(send_date=date(2026, 3, 12), send_time=time(9, 5))
        page = render_template_string(PAGE, form=form)
    assert 'name="send_date-month" type="text" inputmode="numeric" value="3"' in page
    assert 'name="send_time-minute" type="text" inputmode="numeric" value="05"' in page
