"""The benchmark machinery end to end at 2,000 events (no PostgreSQL baseline, no timings).

Figures in RESULTS.md are checked against the generated dataset on disk, not against the
benchmark's own results dict.
"""

from __future__ import annotations

import os
import re
import sys

import pytest
import raw_data

from sparkify_helpers import paths

BENCH = paths.project_root() / "benchmarks"
sys.path.insert(0, str(BENCH))

import bench_load  # noqa: E402

EVENTS = 2_000
SEED = 42  # bench_load's default
EXPECTED_STAGES = [
    "seed the emulator",
    "list the source against the ledger",
    "COPY staging_events",
    "COPY staging_songs",
    "COPY the staged file list",
    "merge users",
    "merge artists",
    "merge songs",
    "insert missing time",
    "merge songplays",
    "replace re-loaded days",
    "data checks",
]
FLOOR_STAGES = ["floor: read_json log_data", "floor: read_json song_data"]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    out = work / "RESULTS.md"
    args = bench_load.parse_args(
        ["--sizes", str(EVENTS), "--baseline-max", "0", "--work", str(work), "--out", str(out)]
    )
    return bench_load.run(args, "test") | {"out": out, "work": work}


@pytest.fixture(scope="module")
def dataset(results: dict):
    """The generated dataset the benchmark loaded."""
    return results["work"] / "data" / f"events-{EVENTS}-seed-{SEED}"


def _rows_by_stage(text: str) -> dict[str, int]:
    """The ``rows`` column of every stage row of the size's table in RESULTS.md."""
    section = text.split(f"## {EVENTS // 1000}k events", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 7 and re.fullmatch(r"[\d,]+", cells[2]):
            rows[cells[0]] = int(cells[2].replace(",", ""))
    return rows


def test_every_stage_has_rows_and_time(results: dict) -> None:
    (size,) = results["sizes"]
    assert "error" not in size, size.get("error")
    stages = size["local"]["stages"]
    assert [s["stage"] for s in stages] == EXPECTED_STAGES
    assert [s["stage"] for s in size["floor"]["stages"]] == FLOOR_STAGES
    for stage in stages + size["floor"]["stages"]:
        assert stage["seconds"] > 0, stage
        assert stage["peak_rss"] > 0, stage


def test_loaded_rows_match_the_generated_events(results: dict, dataset) -> None:
    size = results["sizes"][0]
    assert len(raw_data.events(dataset)) == EVENTS
    assert size["local"]["tables"] == raw_data.expected_counts(dataset)
    # only the warning the generator triggers on purpose (datagen VARIANT_SHARE): an artist id
    # whose songs carry different locations or coordinates
    fields = ("artist_location", "artist_latitude", "artist_longitude")
    seen: dict[str, list[set]] = {}
    for song in raw_data.songs(dataset):
        values = seen.setdefault(song["artist_id"], [set() for _ in fields])
        for kept, field in zip(values, fields, strict=True):
            if song[field] is not None:
                kept.add(song[field])
    conflicting = any(len(v) > 1 for values in seen.values() for v in values)
    expected = ["53_artist_ids_with_conflicting_data"] if conflicting else []
    assert size["local"]["checks_not_passing"] == expected
    assert size["local"]["peak_rss_children"] > 0  # the moto server is sampled too


def test_report_shows_the_figures_of_the_dataset(results: dict, dataset) -> None:
    text = results["out"].read_text()
    counts = raw_data.expected_counts(dataset)
    inputs = [*raw_data.log_files(dataset), *raw_data.song_files(dataset)]
    megabytes = sum(p.stat().st_size for p in inputs) / 1e6

    assert "## Command\n`test`\n" in text
    assert f"({os.cpu_count()} cores)" in text
    assert re.search(rf"^\| 2k \| {megabytes:,.0f} MB \| {len(inputs):,} \| ", text, re.M)
    assert f"{megabytes:,.0f} MB in {len(inputs):,} files" in text
    tables = dict(p.split(" ") for p in re.search(r"Tables: (.*)\.\n", text).group(1).split(", "))
    assert {table: int(n.replace(",", "")) for table, n in tables.items()} == counts

    rows = _rows_by_stage(text)
    assert rows == {
        "seed the emulator": sum(p.is_file() for p in dataset.rglob("*")),
        "list the source against the ledger": len(inputs),  # all new to an empty ledger
        "COPY staging_events": counts["staging_events"],
        "COPY staging_songs": counts["staging_songs"],
        "COPY the staged file list": len(inputs),
        "merge users": counts["users"],
        "merge artists": counts["artists"],
        "merge songs": counts["songs"],
        "insert missing time": counts["time"],
        "merge songplays": counts["songplays"],
        "replace re-loaded days": 0,
        "data checks": len(list((paths.sql_dir() / "checks").glob("*.sql"))),
        "**whole load** (COPYs + transforms + checks)": (
            counts["staging_events"] + counts["staging_songs"]
        ),
        "floor: read_json log_data": counts["staging_events"],
        "floor: read_json song_data": counts["staging_songs"],
        "**floor** (DuckDB read_json count, both folders)": (
            counts["staging_events"] + counts["staging_songs"]
        ),
    }
    assert "Baseline: not run (--baseline-max 0)." in text
    assert "- Whole load at 1M events within 2x the floor: not measured in this run." in text
    assert "- Baseline ratio: the PostgreSQL baseline did not run (see above)." in text


def test_no_run_folder_is_left_behind(results: dict) -> None:
    work = results["out"].parent
    assert not (work / f"run-{EVENTS}").exists()
    assert (work / "results.json").exists()
