"""Text no database can store (a NUL) in every field of every web form: a clear error, no save.

The forms are read from the rendered pages of every web GET route, as each kind of person sees
them (and the sign-in steps), so a form or field added later is attacked without editing this
file. PostgreSQL refuses NUL in text outright (a 500 before the fix); SQLite would store it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.routing import Rule

from config import Settings
from scheduler.models import Base, PostState, User
from tests.abuse.conftest import World, build_path, is_api, methods_of, read
from tests.abuse.page_forms import PageForm, post_forms
from tests.abuse.test_embargo_and_rendering import signed_in
from tests.conftest import TEST_PASSWORD
from tests.support.factories import Factory
from tests.web.conftest import csrf_token_from

HOSTILE = "Hostile\x00text"
REFUSAL = "contains a character that cannot be stored"
#: Pages whose forms need a sign-in that stopped at its second step.
SIGN_IN_STEPS = ("/sign-in/two-factor", "/sign-in/recovery-code")


@dataclass(frozen=True)
class FoundForm:
    """A form, the page it was found on, and who (None: a sign-in step) sees it there."""

    form: PageForm
    page: str
    person: User | None


def half_signed_in(app: Flask, user: User) -> FlaskClient:
    """Return a client whose sign-in passed the password and waits for the second step."""
    client = app.test_client()
    token = csrf_token_from(read(client.get("/sign-in")))
    response = client.post(
        "/sign-in", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/sign-in/two-factor", read(response)
    return client


#: Written by showing a page, not by sending a form: who read embargoed text, and when.
READ_LOGS = frozenset({"embargo_viewings"})


def everything(session: Session) -> list[object]:
    """Return every row of every table: what a refused form must leave as it was."""
    session.expire_all()
    return [
        (table.name, sorted(map(repr, session.execute(select(table)).all())))
        for table in Base.metadata.sorted_tables
        if table.name not in READ_LOGS
    ]


@pytest.fixture
def forms(
    app: Flask, routes: list[Rule], world: World, session: Session, settings: Settings
) -> list[FoundForm]:
    """Find every POST form on every web page, as the victim, an approver and an admin see it."""
    make = Factory(session, settings, now=datetime.now(UTC))
    waiting = make.move(
        make.post(world.channel_b, world.victim, text="Waiting"), PostState.IN_REVIEW
    )
    session.flush()
    pages = [
        build_path(rule, world.path_values)
        for rule in routes
        if not is_api(rule)
        and "GET" in methods_of(rule)
        and rule.endpoint not in ("static", "govuk_frontend.asset")
    ]
    found: dict[object, FoundForm] = {}
    for person in (world.victim, world.outsider_approver, world.admin, None):
        client = signed_in(app, session, person) if person else app.test_client()
        for page in [*pages, f"/posts/{waiting.id}"] if person else ["/sign-in"]:
            for form in post_forms(read(client.get(page)), page):
                found.setdefault(form.key(), FoundForm(form, page, person))
    client = half_signed_in(app, world.admin)
    for page in SIGN_IN_STEPS:
        for form in post_forms(read(client.get(page)), page):
            found.setdefault(form.key(), FoundForm(form, page, world.admin))
    return list(found.values())


class Clients:
    """One signed-in client per person and sign-in stage, reused while forms are refused."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session
        self.made: dict[tuple[int | None, bool], tuple[FlaskClient, str]] = {}

    def __call__(self, found: FoundForm) -> tuple[FlaskClient, str]:
        """Return a client that can send the form, and its CSRF token (one per session)."""
        person, step = found.person, found.page in SIGN_IN_STEPS
        key = (person.id if person else None, step)
        if key not in self.made:
            if step:
                assert person is not None
                client = half_signed_in(self.app, person)
            elif person is None:
                client = self.app.test_client()
            else:
                client = signed_in(self.app, self.session, person)
            page = read(client.get(found.page))
            values = [dict(form.values) for form in post_forms(page, found.page)]
            self.made[key] = (client, next(v["csrf_token"] for v in values if "csrf_token" in v))
        return self.made[key]


def test_every_text_field_of_every_web_form_refuses_unstorable_text_saving_nothing(
    app: Flask, session: Session, forms: list[FoundForm]
) -> None:
    assert len(forms) > 25, "the crawl found fewer forms than the app has"
    assert sum(len(found.form.text_fields) for found in forms) > 80
    clients = Clients(app, session)
    wrong: list[str] = []
    for found in forms:
        for name, button, data in found.form.submissions(HOSTILE):
            client, token = clients(found)
            sent = MultiDict(
                [(key, token if key == "csrf_token" else value) for key, value in data]
            )
            before = everything(session)
            response = client.post(found.form.action, data=sent)
            where = f"{found.form.action} {name}{f' [{button}]' if button else ''}"
            changed = everything(session) != before
            body = read(response)
            if response.status_code == 302:  # button forms flash their refusal on the next page
                body = read(client.get(response.headers["Location"]))
            if response.status_code >= 500 or REFUSAL not in body or changed:
                wrong.append(f"{where} -> {response.status_code}{', saved' if changed else ''}")
    assert wrong == [], "\n".join(wrong)


def test_every_file_upload_refuses_an_unstorable_file_name(
    app: Flask, session: Session, forms: list[FoundForm]
) -> None:
    uploads = [found for found in forms if found.form.file_fields]
    assert len(uploads) >= 2, "the thread import and compose pages take files"
    clients = Clients(app, session)
    wrong: list[str] = []
    for found in uploads:
        for field in found.form.file_fields:
            client, token = clients(found)
            sent = MultiDict([(k, token if k == "csrf_token" else v) for k, v in found.form.values])
            sent.add(field, (io.BytesIO(b"position,text\n1,Fine\n"), "thread\x00.csv"))
            before = everything(session)
            response = client.post(found.form.action, data=sent, content_type="multipart/form-data")
            if response.status_code not in (200, 400) or REFUSAL not in read(response):
                wrong.append(f"{found.form.action} {field} -> {response.status_code}")
            if everything(session) != before:
                wrong.append(f"{found.form.action} {field} saved something")
    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"position,text\n1,Fine\n2,Hostile\x00text\n", "thread.csv"),
        (b'{"posts": [{"text": "Fine"}, {"text": "Hostile\\u0000text"}]}', "thread.json"),
    ],
)
def test_a_thread_import_file_holding_a_nul_is_refused_by_row_and_column(
    app: Flask, session: Session, world: World, content: bytes, name: str
) -> None:
    client = signed_in(app, session, world.victim)
    page = read(client.get("/imports/thread"))
    (form,) = [form for form in post_forms(page, "/imports/thread") if form.file_fields]
    sent = MultiDict(form.values)
    sent["channel"] = world.channel_b.handle
    sent.add("file", (io.BytesIO(content), name))
    sent.add("action", "import")
    before = everything(session)
    response = client.post("/imports/thread", data=sent, content_type="multipart/form-data")
    body = read(response)
    assert response.status_code in (200, 400)
    assert "Row 2, column text: The text contains a character that cannot be stored" in body
    assert everything(session) == before


#: One form of each family, a field of it, and how the error names that field.
FAMILIES = [
    ("sign-in", None, "/sign-in", "email", "Email address"),
    ("second step", "admin", "/sign-in/two-factor", "code", "Code from your authenticator app"),
    ("compose", "victim", "/compose", "text", "Post text"),
    ("edit", "victim", "/compose/{embargoed}", "text", "Post text"),
    ("comment", "approver", "/posts/{waiting}/request_changes", "comment", "Comment"),
    ("thread rows", "victim", "/compose/thread", "texts", "Post 2"),
    ("thread import", "victim", "/imports/thread", "title", "Title (optional)"),
    ("new channel", "admin", "/admin/channels/new", "display_name", "Display name"),
    ("channel access", "admin", "/admin/channels/{channel}/access", "email", "Email address"),
    ("revoke access", "admin", "/admin/channels/{channel}/access/revoke", "email", "Email address"),
    ("new release", "admin", "/admin/releases/new", "title", "Title"),
    ("release access", "admin", "/admin/releases/{release}/access", "email", "Email address"),
    ("new user", "admin", "/admin/users/new", "name", "Full name"),
    ("quiet period", "admin", "/admin/quiet-periods", "name", "Name"),
    ("token", "victim", "/account/tokens/new", "name", "Name"),
    ("password", "victim", "/account/password", "current_password", "Current password"),
]


def test_each_form_family_names_the_field_holding_a_nul(
    app: Flask, session: Session, world: World, forms: list[FoundForm]
) -> None:
    # One crawl for every family: finding the forms is the slow part (seconds a crawl).
    waiting = max(
        int(found.page.rsplit("/", 1)[1]) for found in forms if found.page.startswith("/posts/")
    )
    people = {"victim": world.victim, "approver": world.outsider_approver, "admin": world.admin}
    clients = Clients(app, session)
    wrong: list[str] = []
    for family, who, action, field, label in FAMILIES:
        target = action.format(
            embargoed=world.embargoed.id,
            waiting=waiting,
            channel=world.channel_b.id,
            release=world.release.id,
        )
        found = next(
            (
                found
                for found in forms
                if found.form.action == target
                and field in found.form.text_fields
                and found.person is people.get(who or "")
            ),
            None,
        )
        if found is None:
            wrong.append(f"{family}: no form posting to {target} with a {field} field")
            continue
        client, token = clients(found)
        data = next(item[2] for item in found.form.submissions(HOSTILE) if item[0] == field)
        sent = MultiDict([(key, token if key == "csrf_token" else value) for key, value in data])
        before = everything(session)
        response = client.post(target, data=sent)
        body = read(response)
        if response.status_code == 302:
            body = read(client.get(response.headers["Location"]))
        elif response.status_code not in (200, 400):
            # The form again, with its errors (some pages answer 400, older ones 200).
            wrong.append(f"{family}: {target} answered {response.status_code}")
        if f"{label} {REFUSAL}" not in body:
            wrong.append(f"{family}: {target} did not say '{label} {REFUSAL}'")
        if everything(session) != before:
            wrong.append(f"{family}: {target} saved something")
    assert wrong == [], "\n".join(wrong)
