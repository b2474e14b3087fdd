"""`gatepost import thread`: a file becomes a thread and its twin, or every problem is listed."""

from __future__ import annotations

import json
from pathlib import Path

from tests.web.cli.conftest import Gatepost
from tests.web.cli.test_clearance_cli import bilingual_channels, people


def test_a_csv_becomes_a_thread_and_its_welsh_twin(gatepost: Gatepost, tmp_path: Path) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    path = tmp_path / "thread.csv"
    path.write_text("text,twin_text\nFigures out,Ffigurau allan\nMore below,Mwy isod\n")
    result = gatepost(
        "import", "thread", "--as", "author@example.gov.uk", "--channel", "StatsWales",
        "--file", str(path), "--send-at", "2030-03-14 09:30",
    )  # fmt: skip
    assert result.stdout.splitlines() == [
        "Imported thread 1 on @StatsWales: posts 1, 2",
        "Twin thread 2 on @StatsCymru: posts 3, 4",
    ]
    assert result.stderr == ""
    shown = gatepost("posts", "show", "3", "--as", "author@example.gov.uk").stdout
    assert "Ffigurau allan" in shown
    assert "Thread:   2, post 1" in shown


def test_every_problem_is_printed_by_row_and_column_and_nothing_is_created(
    gatepost: Gatepost, tmp_path: Path
) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    path = tmp_path / "thread.json"
    posts = [{"text": f"Post {number}", "twin_text": f"Neges {number}"} for number in range(60)]
    posts[3]["text"] = "x" * 300
    del posts[41]["twin_text"]
    path.write_text(json.dumps({"channel": "StatsWales", "posts": posts}))
    result = gatepost(
        "import", "thread", "--as", "author@example.gov.uk", "--file", str(path), expect=1
    )
    lines = result.stderr.splitlines()
    assert lines[:3] == ["checked 50 of 60 rows", "checked 60 of 60 rows", lines[2]]
    assert "nothing was imported" in lines[2]
    assert "3 problems" in lines[2]
    assert any("at most 25" in line for line in lines[3:])
    assert any(line.startswith("  row 4, column text: ") for line in lines[3:])
    assert any(line.startswith("  row 42, column twin_text: ") for line in lines[3:])
    assert result.stdout == ""
    listed = gatepost("posts", "list", "--as", "author@example.gov.uk").stdout
    assert listed.strip().splitlines()[1:] == []


def test_the_file_and_the_options_must_agree(gatepost: Gatepost, tmp_path: Path) -> None:
    people(gatepost)
    bilingual_channels(gatepost)
    path = tmp_path / "thread.json"
    path.write_text(json.dumps({"channel": "StatsCymru", "posts": [{"text": "Un"}]}))
    result = gatepost(
        "import", "thread", "--as", "author@example.gov.uk", "--channel", "StatsWales",
        "--file", str(path), expect=1,
    )  # fmt: skip
    assert "column channel: The file says StatsCymru but you chose StatsWales" in result.stderr
