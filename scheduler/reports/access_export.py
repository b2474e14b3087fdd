"""Write the list of who can post where as CSV or JSON, to keep and share."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import TextIO

from scheduler.channels.operations import AccessListEntry
from scheduler.core.errors import ValidationFailed
from scheduler.reports.spreadsheet_cells import cell

EXPORT_FORMATS = ("csv", "json")
COLUMNS = tuple(field.name for field in fields(AccessListEntry))


def write_access_list(entries: Sequence[AccessListEntry], out: TextIO, export_format: str) -> None:
    """Write the access list entries to `out` as "csv" or "json"."""
    if export_format == "csv":
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for entry in entries:
            values = asdict(entry)
            writer.writerow([cell(values[column]) for column in COLUMNS])
    elif export_format == "json":
        rows = [{**asdict(entry), "granted_at": entry.granted_at.isoformat()} for entry in entries]
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        raise ValidationFailed(
            f"Unknown format {export_format!r}; choose {' or '.join(EXPORT_FORMATS)}",
            field="format",
        )
