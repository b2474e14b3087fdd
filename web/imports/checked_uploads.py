"""Files checked by "Check the file only", kept for an hour so they can be imported unchosen.

The file waits in the instance folder under a random name; the page carries a token signed with
the app's secret key naming that file, who checked it and its name, so nobody can import
another's file or a file never checked, and a changed or old token is refused with its reason.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

#: How long a checked file waits to be imported.
KEEP_SECONDS = 60 * 60
_SALT = "gatepost.imports.checked-upload"
_FOLDER = "checked-imports"


class CheckedUploadRefused(Exception):
    """The token does not lead to a checked file; the message says what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    """A checked file: its bytes, its name and type as uploaded."""

    data: bytes
    filename: str
    media_type: str


class CheckedUploads:
    """Keep checked files in the instance folder and hand out tokens for them."""

    def __init__(self, instance_path: Path, secret_key: str, *, max_bytes: int) -> None:
        self.folder = instance_path / _FOLDER
        self.serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self.max_bytes = max_bytes

    def keep(self, upload: CheckedUpload, *, user_id: int) -> str:
        """Store the file and return the token that names it for this person."""
        if len(upload.data) > self.max_bytes:
            raise ValueError("a checked file is never larger than an upload may be")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._forget_old()
        name = secrets.token_urlsafe(24)
        path = self.folder / name
        path.write_bytes(upload.data)
        path.chmod(0o600)
        return self.serializer.dumps(
            {"file": name, "user": user_id, "name": upload.filename, "type": upload.media_type}
        )

    def take(self, token: str, *, user_id: int) -> CheckedUpload:
        """Return the file the token names, or refuse a changed, expired or someone else's one."""
        try:
            payload = self.serializer.loads(token, max_age=KEEP_SECONDS)
        except SignatureExpired:
            raise CheckedUploadRefused(
                "The checked file was kept for an hour and has expired; choose the file again"
            ) from None
        except BadSignature:
            raise CheckedUploadRefused(
                "The checked file could not be found (the form was changed); choose the file again"
            ) from None
        name = payload.get("file") if isinstance(payload, dict) else None
        if not isinstance(name, str) or payload.get("user") != user_id:
            raise CheckedUploadRefused(
                "The checked file could not be found (the form was changed); choose the file again"
            )
        path = self.folder / name
        # The name is ours (signed), never a path; checked again so it cannot leave the folder.
        if path.parent != self.folder or not path.is_file():
            raise CheckedUploadRefused(
                "The checked file is no longer kept (it was imported or has expired); "
                "choose the file again"
            )
        return CheckedUpload(
            data=path.read_bytes()[: self.max_bytes],
            filename=str(payload.get("name") or ""),
            media_type=str(payload.get("type") or ""),
        )

    def forget(self, token: str) -> None:
        """Delete the file the token names, once it is imported (a bad token: nothing to do)."""
        try:
            payload = self.serializer.loads(token)
        except BadSignature:
            return
        name = payload.get("file") if isinstance(payload, dict) else None
        if isinstance(name, str):
            path = self.folder / name
            if path.parent == self.folder:
                path.unlink(missing_ok=True)

    def _forget_old(self) -> None:
        """Delete files older than a token's life: they can never be imported."""
        cutoff = time.time() - KEEP_SECONDS
        for path in self.folder.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink(missing_ok=True)
            except OSError:
                continue  # another process removed it first
