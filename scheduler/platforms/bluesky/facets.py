"""Rich-text facets (app.bsky.richtext.facet): links, mentions and hashtags at UTF-8 byte offsets.

Bluesky does not find links, mentions or tags in a post's text: the client sends each as a facet
whose byteSlice counts UTF-8 bytes (zero-based, end exclusive), not characters. Detection follows
the official client's rules (packages/api/src/rich-text/detection.ts): a mention is `@handle`
after the start, a space or `(`; a link is an http(s) URL with trailing punctuation trimmed; a tag
is `#` and up to 64 graphemes, not all digits, after the start or a space. Bare domains without
`https://` are left as text. A mention whose handle does not resolve to a DID stays plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

_MENTION = regex.compile(
    r"(?:^|(?<=[\s(]))@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)(?![\w.-]*[\w-])"
)
_LINK = regex.compile(r"(?:^|(?<=[\s(]))(https?://[^\s]+)", regex.IGNORECASE)
_TRAILING = regex.compile(r"[.,;:!?\"']+$")
_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_TAG = regex.compile(
    rf"(?:^|(?<=\s))[#\uff03]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+"
    rf"[^\s{_INVISIBLE}]*)"
)
_TAG_TRAILING = regex.compile(r"\p{P}+$")
MAX_TAG_GRAPHEMES = 64

#: Look up a handle's DID; None when it does not resolve.
ResolveHandle = Callable[[str], str | None]


@dataclass(frozen=True)
class Span:
    """One link, mention or tag found in the text, by character positions."""

    start: int
    end: int
    kind: str  # "link", "mention" or "tag"
    value: str  # the URL, the handle, or the tag without '#'


def find_spans(text: str) -> list[Span]:
    """Return the links, mentions and tags in the text, in order, never overlapping."""
    spans: list[Span] = []
    for match in _LINK.finditer(text):
        url = _TRAILING.sub("", match[1])
        while url.endswith(")") and url.count(")") > url.count("("):
            url = url[:-1]  # "(see https://example.gov)": the bracket closes the sentence's
        if len(url) > len("https://"):
            spans.append(Span(match.start(1), match.start(1) + len(url), "link", url))
    for match in _MENTION.finditer(text):
        spans.append(Span(match.start(), match.end(1), "mention", match[1]))
    for match in _TAG.finditer(text):
        tag = _TAG_TRAILING.sub("", match[1])
        if tag and len(regex.findall(r"\X", tag)) <= MAX_TAG_GRAPHEMES:
            spans.append(Span(match.start(), match.start(1) + len(tag), "tag", tag))
    spans.sort(key=lambda span: (span.start, -span.end))
    kept: list[Span] = []
    for span in spans:
        # A mention or '#' inside a URL belongs to the link.
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def facets_for(text: str, resolve: ResolveHandle) -> list[dict[str, Any]]:
    """Return the app.bsky.richtext.facet list for the text, resolving mentions to DIDs."""
    facets = []
    for span in find_spans(text):
        if span.kind == "link":
            feature = {"$type": "app.bsky.richtext.facet#link", "uri": span.value}
        elif span.kind == "tag":
            feature = {"$type": "app.bsky.richtext.facet#tag", "tag": span.value}
        else:
            did = resolve(span.value.lower())
            if did is None:
                continue
            feature = {"$type": "app.bsky.richtext.facet#mention", "did": did}
        facets.append(
            {
                "index": {
                    "byteStart": len(text[: span.start].encode()),
                    "byteEnd": len(text[: span.end].encode()),
                },
                "features": [feature],
            }
        )
    return facets
