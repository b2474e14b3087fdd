"""The external id Gatepost keeps for a Bluesky post, and the strong refs a reply builds from it.

A reply needs two strong refs (uri and cid): its parent's and its thread root's. The worker hands
a reply only its parent's external id, so that id carries both, fields separated by one space:

    at://<did>/app.bsky.feed.post/<rkey> <cid>                         a thread's first post
    at://<did>/app.bsky.feed.post/<rkey> <cid> <root rkey> <root cid>  a reply; its root is in
                                                                       the same repository

The posts table keeps 200 characters, so the CIDs are written in multibase base64url (`u` and
48 characters) rather than the base32 the PDS answers with (`b` and 58); refs sent to the PDS are
turned back into base32. An id that would still be too long (a long did:web) keeps only its
at-uri; a reply to such a post asks getRecord for its cid and root. A bare at-uri or a bsky.app
post link (a person marking a post published by hand) is read the same way.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

POST_COLLECTION = "app.bsky.feed.post"
MAX_LENGTH = 200
_AT_URI = re.compile(r"^at://(?P<repo>[^/\s]+)/(?P<collection>[^/\s]+)/(?P<rkey>[^/\s]+)$")
_APP_LINK = re.compile(
    r"^https://(?:www\.)?bsky\.app/profile/(?P<repo>[^/\s]+)/post/(?P<rkey>[^/\s?#]+)/?$"
)


class UnreadablePostId(ValueError):
    """An external id that names no Bluesky record."""


@dataclass(frozen=True)
class StrongRef:
    """A record's at-uri and the CID of the version meant (com.atproto.repo.strongRef)."""

    uri: str
    cid: str

    def as_json(self) -> dict[str, str]:
        """Return the strongRef object a record embeds."""
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True)
class PostLocation:
    """What an external id says: where the record is, and its cid and root where it says so."""

    repo: str
    collection: str
    rkey: str
    cid: str | None = None
    #: The thread's root; None with a cid means the post is its own root, without one unknown.
    root: StrongRef | None = None

    @property
    def uri(self) -> str:
        """Return the record's at-uri."""
        return f"at://{self.repo}/{self.collection}/{self.rkey}"

    def refs(self) -> tuple[StrongRef, StrongRef] | None:
        """Return (parent, root) strong refs for a reply to this post, if the id says enough."""
        if self.cid is None:
            return None
        parent = StrongRef(self.uri, self.cid)
        return parent, self.root or parent


def format_post_id(post: StrongRef, root: StrongRef) -> str:
    """Return the external id of a post and its thread root (the post itself for a first post)."""
    own = f"{post.uri} {_compact(post.cid)}"
    if root == post:
        return own if len(own) <= MAX_LENGTH else post.uri
    location = parse_post_id(post.uri)
    root_location = parse_post_id(root.uri)
    if (root_location.repo, root_location.collection) == (location.repo, location.collection):
        full = f"{own} {root_location.rkey} {_compact(root.cid)}"
        if len(full) <= MAX_LENGTH:
            return full
    return post.uri


def parse_post_id(external_id: str) -> PostLocation:
    """Read an external id Gatepost wrote, a bare at-uri, or a bsky.app post link."""
    fields = external_id.strip().split()
    if not fields:
        raise UnreadablePostId("the post id is empty")
    link = _APP_LINK.match(fields[0])
    if link and len(fields) == 1:
        return PostLocation(link["repo"], POST_COLLECTION, link["rkey"])
    uri = _AT_URI.match(fields[0])
    if uri is None or len(fields) not in (1, 2, 4):
        raise UnreadablePostId(
            f"{external_id!r} is not a Bluesky post id (an at:// uri or a bsky.app post link)"
        )
    repo, collection = uri["repo"], uri["collection"]
    cid = _expand(fields[1]) if len(fields) > 1 else None
    root = None
    if len(fields) == 4:
        root = StrongRef(f"at://{repo}/{collection}/{fields[2]}", _expand(fields[3]))
    return PostLocation(repo, collection, uri["rkey"], cid, root)


def location_of_record(record: dict[str, Any]) -> tuple[StrongRef, StrongRef]:
    """Return a getRecord/createRecord answer's own strong ref and its thread root's."""
    own = StrongRef(str(record["uri"]), str(record["cid"]))
    reply = (record.get("value") or {}).get("reply")
    root = reply.get("root") if isinstance(reply, dict) else None
    if isinstance(root, dict) and {"uri", "cid"} <= root.keys():
        return own, StrongRef(str(root["uri"]), str(root["cid"]))
    return own, own


def _compact(cid: str) -> str:
    """Return a base32 CID in multibase base64url; any other spelling unchanged."""
    if not cid.startswith("b"):
        return cid
    body = cid[1:].upper()
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return cid
    return "u" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _expand(cid: str) -> str:
    """Return a multibase base64url CID in the base32 the PDS reads; any other unchanged."""
    if not cid.startswith("u"):
        return cid
    body = cid[1:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise UnreadablePostId(f"{cid!r} is not a CID") from None
    return "b" + base64.b32encode(raw).decode().rstrip("=").lower()
