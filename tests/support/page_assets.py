"""The files a browser asks for as it loads a page: stylesheets, icons, scripts, their imports."""

from __future__ import annotations

from html.parser import HTMLParser

#: web/static/js/gatepost.js imports the module this attribute of its own <script> tag names.
IMPORTED_MODULE_ATTRIBUTE = "data-govuk-frontend"


class _AssetParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        wanted: list[str | None] = []
        if tag == "link" and {"stylesheet", "icon", "modulepreload"} & set(
            (attributes.get("rel") or "").split()
        ):
            wanted.append(attributes.get("href"))
        if tag in ("script", "img"):
            wanted.append(attributes.get("src"))
        if tag == "script":
            wanted.append(attributes.get(IMPORTED_MODULE_ATTRIBUTE))
        self.urls.extend(url for url in wanted if url)


def requested_assets(html: str) -> list[str]:
    """Return the URLs a browser fetches to show the page, in page order."""
    parser = _AssetParser()
    parser.feed(html)
    parser.close()
    return parser.urls
