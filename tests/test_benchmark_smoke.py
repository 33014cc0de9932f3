"""The benchmark machinery end to end at 2,000 events (no PostgreSQL baseline, no timings)."""

from __future__ import annotations

import sys

import pytest

from sparkify_helpers import paths

BENCH = paths.project_root() / "benchmarks"
sys.path.insert(0, str(BENCH))

import _report  # noqa: E402
import bench_load  # noqa: E402

EVENTS = 2_000
EXPECTED_STAGES = [
    "seed the emulator",
    "COPY staging_events",
    "COPY staging_songs",
    "transform users",
    "transform artists",
    "transform songs",
    "transform time",
    "transform songplays",
    "data checks",
]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    out = work / "RESULTS.md"
    args = bench_load.parse_args(
        ["--sizes", str(EVENTS), "--baseline-max", "0", "--work", str(work), "--out", str(out)]
    )
    return bench_load.run(args, "test") | {"out": out}


def test_every_stage_has_rows_and_time(results: dict) -> None:
    (size,) = results["sizes"]
    assert "error" not in size, size.get("error")
    stages = size["local"]["stages"]
    assert [s["stage"] for s in stages] == EXPECTED_STAGES
    for stage in stages + size["floor"]["stages"]:
        assert stage["rows"] > 0, stage
        assert stage["seconds"] > 0, stage
        assert stage["peak_rss"] > 0, stage


def test_loaded_rows_match_the_generated_events(results: dict) -> None:
    size = results["sizes"][0]
    copy_events = next(s for s in size["local"]["stages"] if s["stage"] == "COPY staging_events")
    assert copy_events["rows"] == EVENTS
    assert size["local"]["tables"]["staging_events"] == EVENTS
    floor_logs = size["floor"]["stages"][0]
    assert floor_logs["rows"] == EVENTS
    assert size["local"]["checks_not_passing"] == []
    assert size["local"]["peak_rss_children"] > 0  # the moto server is sampled too


def test_report_has_the_table_and_the_skipped_baseline(results: dict) -> None:
    text = results["out"].read_text()
    assert "| 2k |" in text
    for stage in EXPECTED_STAGES:
        assert f"| {stage} |" in text
    assert "not run (--baseline-max 0)" in text
    assert text == _report.render({k: v for k, v in results.items() if k != "out"})


def test_no_run_folder_is_left_behind(results: dict) -> None:
    work = results["out"].parent
    assert not (work / f"run-{EVENTS}").exists()
    assert (work / "results.json").exists()
