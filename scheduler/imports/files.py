"""Read a release-day thread from a CSV or JSON file into rows, noting every problem found."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scheduler.core.storable_text import is_storable, unstorable_message
from scheduler.models.base import MAX_ID

#: The CSV columns, by their header names (case and surrounding spaces do not matter).
POSITION_COLUMN = "position"
TEXT_COLUMN = "text"
TWIN_TEXT_COLUMN = "twin_text"
CSV_COLUMNS = (POSITION_COLUMN, TEXT_COLUMN, TWIN_TEXT_COLUMN)
#: What the JSON document may say besides its posts.
JSON_FIELDS = ("channel", "release_id", "send_at", "title", "posts")
JSON_POST_FIELDS = ("text", "twin_text")


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with the file: a row (1 = the first post) and column, or the whole file."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass(frozen=True)
class ImportRow:
    """One post of the thread as the file gives it."""

    number: int
    text: str
    twin_text: str | None


@dataclass
class ThreadFile:
    """What a file says: the posts in order, and (JSON only) where and when they go."""

    rows: list[ImportRow] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    channel: str | None = None
    release_id: int | None = None
    send_at: datetime | None = None
    title: str | None = None


def read_csv(text: str) -> ThreadFile:
    """Read a CSV file with a header row naming text, and optionally position and twin_text."""
    result = ThreadFile()
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        result.problems.append(ImportProblem(None, None, f"The CSV cannot be read: {error}"))
        return result
    if header is None or not any(cell.strip() for cell in header):
        result.problems.append(
            ImportProblem(
                None,
                None,
                f"The file is empty; the first line must name the columns, e.g. "
                f"{','.join(CSV_COLUMNS)}",
            )
        )
        return result
    columns = [_column_name(cell) for cell in header]
    for name in sorted({name for name in columns if columns.count(name) > 1}):
        result.problems.append(ImportProblem(None, name, "This column is named twice"))
    for name in columns:
        if name not in CSV_COLUMNS:
            result.problems.append(
                ImportProblem(
                    None,
                    name or "(blank)",
                    f"Unknown column; the columns are {', '.join(CSV_COLUMNS)}",
                )
            )
    if TEXT_COLUMN not in columns:
        result.problems.append(
            ImportProblem(None, TEXT_COLUMN, "The file needs a text column (one post a row)")
        )
    if result.problems:
        return result

    positioned: list[tuple[int | None, ImportRow]] = []
    number = 0
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, e.g. at the end of a spreadsheet export
            number += 1
            if len(cells) > len(columns):
                result.problems.append(
                    ImportProblem(
                        number,
                        None,
                        f"The row has {len(cells)} cells but the header names {len(columns)} "
                        "columns; put quotes around text containing commas",
                    )
                )
            values = dict(zip(columns, cells, strict=False))
            twin = values.get(TWIN_TEXT_COLUMN)
            row = ImportRow(number, values.get(TEXT_COLUMN, ""), twin if twin else None)
            positioned.append((_position(values, number, result.problems), row))
    except csv.Error as error:
        result.problems.append(
            ImportProblem(number + 1, None, f"The CSV cannot be read from here: {error}")
        )
    result.rows = _in_position_order(positioned, result.problems)
    return _refuse_unstorable_text(result)


def read_json(text: str) -> ThreadFile:
    """Read a JSON document {"channel"?, "release_id"?, "send_at"?, "title"?, "posts": [...]}."""
    result = ThreadFile()
    try:
        document = json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as error:
        result.problems.append(
            ImportProblem(
                None,
                None,
                f"The file is not valid JSON: {error.msg} at line {error.lineno} column "
                f"{error.colno}",
            )
        )
        return result
    except RecursionError:
        result.problems.append(ImportProblem(None, None, "The JSON is nested too deeply to read"))
        return result
    return read_document(document)


def read_document(document: Any) -> ThreadFile:
    """Read an already parsed JSON document (see read_json)."""
    result = ThreadFile()
    if not isinstance(document, dict):
        result.problems.append(
            ImportProblem(None, None, 'The file must hold one JSON object: {"posts": [...]}')
        )
        return result
    for name in document:
        if name not in JSON_FIELDS:
            result.problems.append(
                ImportProblem(
                    None, str(name), f"Unknown field; the fields are {', '.join(JSON_FIELDS)}"
                )
            )
    result.channel = _optional_text(document, "channel", result.problems)
    result.title = _optional_text(document, "title", result.problems)
    release_id = document.get("release_id")
    if release_id is not None and (type(release_id) is not int or not 1 <= release_id <= MAX_ID):
        result.problems.append(ImportProblem(None, "release_id", "Give a release id (a number)"))
    else:
        result.release_id = release_id
    send_at = _optional_text(document, "send_at", result.problems)
    if send_at is not None:
        result.send_at = _instant(send_at, result.problems)
    posts = document.get("posts")
    if not isinstance(posts, list):
        result.problems.append(
            ImportProblem(None, "posts", 'Give the posts as a list: [{"text": ...}, ...]')
        )
        return result
    for number, item in enumerate(posts, 1):
        row = _json_row(number, item, result.problems)
        if row is not None:
            result.rows.append(row)
    return _refuse_unstorable_text(result)


def _refuse_unstorable_text(result: ThreadFile) -> ThreadFile:
    """Note each text no database can store (a NUL, say), by row and column."""
    for name in ("channel", "title"):
        value = getattr(result, name)
        if value is not None and not is_storable(value):
            result.problems.append(ImportProblem(None, name, unstorable_message("The value")))
    for row in result.rows:
        for column, text in ((TEXT_COLUMN, row.text), (TWIN_TEXT_COLUMN, row.twin_text)):
            if text is not None and not is_storable(text):
                result.problems.append(
                    ImportProblem(row.number, column, unstorable_message("The text"))
                )
    return result


def read_thread_file(data: bytes, *, filename: str = "", media_type: str = "") -> ThreadFile:
    """Read uploaded bytes as JSON or CSV, going by the media type, then the file's name."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return ThreadFile(
            problems=[
                ImportProblem(
                    None,
                    None,
                    f"The file is not UTF-8 text (byte {error.start}); save it as CSV UTF-8 "
                    "or JSON",
                )
            ]
        )
    if is_json(filename=filename, media_type=media_type, text=text):
        return read_json(text)
    return read_csv(text)


def is_json(*, filename: str, media_type: str, text: str) -> bool:
    """Return whether the upload is JSON rather than CSV."""
    if media_type:
        kind = media_type.split(";")[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            return True
        if kind in ("text/csv", "application/csv"):
            return False
    if filename:
        return filename.lower().endswith(".json")
    return text.lstrip("\ufeff \t\r\n").startswith("{")


def _column_name(cell: str) -> str:
    return cell.strip().lower().replace(" ", "_").replace("-", "_")


def _position(values: dict[str, str], number: int, problems: list[ImportProblem]) -> int | None:
    raw = values.get(POSITION_COLUMN, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        problems.append(
            ImportProblem(number, POSITION_COLUMN, f"{raw!r} is not a position; use 1, 2, 3 ...")
        )
        return None
    return int(raw)


def _in_position_order(
    positioned: list[tuple[int | None, ImportRow]], problems: list[ImportProblem]
) -> list[ImportRow]:
    """Return the rows ordered by their position column (or as they come, if there is none)."""
    given = [position for position, _row in positioned if position is not None]
    if not given:
        return [row for _position, row in positioned]
    expected = set(range(1, len(positioned) + 1))
    seen: set[int] = set()
    for position, row in positioned:
        if position is None:
            problems.append(
                ImportProblem(row.number, POSITION_COLUMN, "Give every row a position, or none")
            )
        elif position in seen:
            problems.append(
                ImportProblem(row.number, POSITION_COLUMN, f"Position {position} is used twice")
            )
        elif position not in expected:
            problems.append(
                ImportProblem(
                    row.number,
                    POSITION_COLUMN,
                    f"Position {position} is past the last row; number the posts 1 to "
                    f"{len(positioned)}",
                )
            )
        if position is not None:
            seen.add(position)
    return [row for _position, row in sorted(positioned, key=lambda item: item[0] or 0)]


def _optional_text(
    document: dict[str, Any], name: str, problems: list[ImportProblem]
) -> str | None:
    value = document.get(name)
    if value is None or isinstance(value, str):
        return value
    problems.append(ImportProblem(None, name, "Give this as a string"))
    return None


def _instant(value: str, problems: list[ImportProblem]) -> datetime | None:
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        problems.append(
            ImportProblem(
                None,
                "send_at",
                "Give an ISO 8601 date and time with an offset, e.g. 2027-03-12T09:30:00+00:00",
            )
        )
        return None
    return instant


def _json_row(number: int, item: Any, problems: list[ImportProblem]) -> ImportRow | None:
    if not isinstance(item, dict):
        problems.append(ImportProblem(number, None, 'Give each post as {"text": ...}'))
        return None
    for name in item:
        if name not in JSON_POST_FIELDS:
            problems.append(
                ImportProblem(
                    number,
                    str(name),
                    f"Unknown field; a post has {', '.join(JSON_POST_FIELDS)}",
                )
            )
    text = item.get("text")
    if not isinstance(text, str):
        problems.append(ImportProblem(number, "text", "Give the post's text as a string"))
        text = ""
    twin = item.get("twin_text")
    if twin is not None and not isinstance(twin, str):
        problems.append(ImportProblem(number, "twin_text", "Give the twin text as a string"))
        twin = None
    return ImportRow(number, text, twin if twin else None)
