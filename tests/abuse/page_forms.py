"""Find the forms on rendered pages, and build submissions of them with one field changed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: Input types a person types text into (hidden ones are sent as typed too, by a crafted post).
TEXT_INPUT_TYPES = frozenset({"text", "email", "password", "search", "tel", "url", "hidden"})
#: Inputs the framework fills and checks itself.
NOT_FIELDS = frozenset({"csrf_token"})


@dataclass
class PageForm:
    """A POST form as a page renders it: where it goes, its fields, its buttons."""

    action: str
    values: list[tuple[str, str]] = field(default_factory=list)  # what the browser would send
    text_fields: list[str] = field(default_factory=list)  # in page order, each once
    file_fields: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    def key(self) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Return what makes two forms the same form (the same page may render it twice)."""
        return self.action, tuple(self.text_fields), tuple(self.buttons)

    def submissions(self, hostile: str) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
        """Yield (field, button, data) with `hostile` in that one text field, for each button."""
        for button in self.buttons or [("", "")]:
            for name in self.text_fields:
                data = [(key, hostile if key == name else value) for key, value in self.values]
                if button[0]:
                    data.append(button)
                yield name, button[1], data


class _FormParser(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None
        self._chosen = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {key: value or "" for key, value in attrs}
        if tag == "form":
            if named.get("method", "get").lower() == "post":
                self._form = PageForm(named.get("action") or self.page_path)
            return
        form = self._form
        if form is None or ("disabled" in named):
            return
        name = named.get("name", "")
        if tag == "input" and name and name not in NOT_FIELDS:
            kind = named.get("type", "text").lower()
            if kind in TEXT_INPUT_TYPES:
                form.values.append((name, named.get("value", "")))
                if name not in form.text_fields:
                    form.text_fields.append(name)
            elif kind in ("checkbox", "radio") and "checked" in named:
                form.values.append((name, named.get("value", "on")))
            elif kind == "file":
                form.file_fields.append(name)
            elif kind == "submit":
                form.buttons.append((name, named.get("value", "")))
        elif tag == "input" and name in NOT_FIELDS:
            form.values.append((name, named.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            form.values.append((name, ""))
            if name not in form.text_fields:
                form.text_fields.append(name)
        elif tag == "select" and name:
            self._select, self._first_option, self._chosen = name, None, False
        elif tag == "option" and self._select:
            value = named.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in named and not self._chosen:
                form.values.append((self._select, value))
                self._chosen = True
        elif tag == "button" and name and named.get("type", "submit") == "submit":
            form.buttons.append((name, named.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            name, value = self._form.values[-1]
            self._form.values[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select:
            if not self._chosen and self._first_option is not None:
                self._form.values.append((self._select, self._first_option))
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def post_forms(page: str, page_path: str) -> list[PageForm]:
    """Return the POST forms on a rendered page."""
    parser = _FormParser(page_path)
    parser.feed(page)
    parser.close()
    return parser.forms
