"""`python -m bench` runs its workloads end to end (plumbing only; speed is what it measures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import main

pytestmark = pytest.mark.slow


def test_quick_run_drains_a_tiny_burst_and_writes_the_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    figures = tmp_path / "figures.json"

    assert (
        main(
            [
                "--quick",
                "--only",
                "burst,baseline,queue",
                "--size",
                "30",
                "--workdir",
                str(tmp_path),
                "--json",
                str(figures),
            ]
        )
        == 0
    )

    report = json.loads(figures.read_text())
    burst = report["workloads"]["burst sqlite x1"]["median"]
    assert (burst["published"], burst["duplicates"], burst["out_of_order_channels"]) == (30, 0, 0)
    assert burst["peak_rss_mb"] > 0
    baseline = report["workloads"]["baseline apscheduler grace=none"]["median"]
    # The obvious job does what a post needs, its audit event included; the lean one does not.
    assert (baseline["published"], baseline["audit_events"]) == (30, 30)
    lean = report["workloads"]["baseline apscheduler grace=none lean job"]["median"]
    assert (lean["published"], lean["audit_events"]) == (30, 0)
    pages = report["workloads"]["big queue sqlite"]["median"]["pages"]
    assert pages["health"]["available"]
    assert pages["health"]["queries"]
    assert "burst sqlite x1 throughput" in {target["name"] for target in report["targets"]}
    assert "burst sqlite x1" in capsys.readouterr().out


def test_unknown_workload_is_refused_with_the_known_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--only", "bursts"])

    assert "unknown workload(s) bursts; use burst, single" in capsys.readouterr().err


def test_the_mastodon_workload_publishes_through_the_adapter_and_the_emulator_once_each(
    tmp_path: Path,
) -> None:
    figures = tmp_path / "figures.json"
    arguments = ["--quick", "--only", "mastodon", "--size", "20", "--workdir", str(tmp_path)]

    assert main([*arguments, "--json", str(figures)]) == 0

    run = json.loads(figures.read_text())["workloads"]["mastodon emulator sqlite"]["median"]
    assert (run["published"], run["statuses_made"], run["duplicates"]) == (20, 20, 0)


def test_a_workdir_that_cannot_be_made_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(SystemExit):
        main(["--workdir", str(blocker / "scratch")])

    assert f"--workdir {blocker / 'scratch'}: cannot make the folder" in capsys.readouterr().err
