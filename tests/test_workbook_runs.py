"""Headless runs of the whole workbook through papermill on the local target."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import psutil
import pytest

from sparkify_helpers import runner

pytestmark = pytest.mark.notebooks

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def run_env(aws_env, tmp_path, monkeypatch):
    """Runs write under tmp_path; the emulator and its state stay out of the checkout."""
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def _no_new_processes(before: set[int]) -> list[str]:
    me = psutil.Process()
    leftover = [p for p in me.children(recursive=True) if p.pid not in before]
    return [" ".join(p.cmdline()[:3]) for p in leftover if p.is_running()]


def _error_outputs(notebook: Path) -> list[str]:
    cells = json.loads(notebook.read_text())["cells"]
    return [
        f"{o.get('ename')}: {o.get('evalue')}"
        for c in cells
        if c["cell_type"] == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def _expected_counts(sample: Path) -> dict[str, int]:
    """The figures a correct load must give, derived here from the raw files."""
    events = [
        json.loads(line)
        for f in sorted((sample / "log_data").rglob("*.json"))
        for line in f.read_text().splitlines()
        if line.strip()
    ]
    songs = [json.loads(f.read_text()) for f in sorted((sample / "song_data").rglob("*.json"))]
    plays = [e for e in events if e["page"] == "NextSong"]
    return {
        "staging_events": len(events),
        "staging_songs": len(songs),
        "songplays": len(plays),
        "users": len({e["userId"] for e in events if e["userId"] != ""}),
        "songs": len({s["song_id"] for s in songs}),
        "artists": len({s["artist_id"] for s in songs}),
        "time": len({e["ts"] for e in plays}),
    }


def _assert_complete_run(result: runner.RunResult) -> None:
    assert result.ok, [(nb.name, nb.error) for nb in result.notebooks]
    run_dir = result.run_dir
    for name in runner.WORKBOOK:
        executed = run_dir / f"{name}.ipynb"
        assert executed.exists()
        assert _error_outputs(executed) == []
    charts = sorted((run_dir / "charts").glob("*.png"))
    assert len(charts) >= 8
    assert all(p.read_bytes()[:8] == PNG and p.stat().st_size > 5_000 for p in charts)
    html = (run_dir / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= len(charts)
    for name in runner.WORKBOOK:
        assert f'href="{name}.html"' in html
        assert (run_dir / f"{name}.html").exists()
    assert len(list(run_dir.glob("etl_*.results"))) == 1
    quality = pd.read_csv(run_dir / "quality.csv")
    assert (quality.loc[quality.severity == "error", "status"] == "pass").all()
    assert (run_dir.parent / "latest").resolve() == run_dir.resolve()


def test_whole_workbook_on_the_real_sample(run_env, sample_dir):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = runner.run_workbook(
        runner.RunOptions(
            source=str(sample_dir), out=run_env / "runs", warehouse=run_env / "wh.duckdb"
        )
    )
    _assert_complete_run(result)
    counts = pd.read_csv(result.run_dir / "row_counts.csv").set_index("table")["rows"]
    assert counts.to_dict() == _expected_counts(sample_dir)
    assert _no_new_processes(before) == []


def test_whole_workbook_on_generated_data_then_teardown(run_env):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = runner.run_workbook(
        runner.RunOptions(
            out=run_env / "runs",
            warehouse=run_env / "wh.duckdb",
            events=4000,
            seed=7,
            teardown=True,
        )
    )
    _assert_complete_run(result)
    counts = pd.read_csv(result.run_dir / "row_counts.csv").set_index("table")["rows"]
    generated = Path(result.seeded["folder"])
    assert counts.to_dict() == _expected_counts(generated)
    teardown = result.run_dir / f"{runner.TEARDOWN}.ipynb"
    assert [nb.name for nb in result.notebooks][-1] == runner.TEARDOWN
    assert _error_outputs(teardown) == []
    shown = json.dumps(json.loads(teardown.read_text())["cells"])
    assert "cluster sparkify-local" in shown and "IAM role" in shown
    assert _no_new_processes(before) == []


def test_a_corrupt_event_line_fails_the_run_at_03_load_and_keeps_the_evidence(run_env, sample_dir):
    source = run_env / "corrupt"
    shutil.copytree(sample_dir, source)
    log_file = sorted((source / "log_data").rglob("*.json"))[0]
    lines = log_file.read_text().splitlines()
    lines.insert(2, '{"artist": "Broken", "auth": "Logged In", ')
    log_file.write_text("\n".join(lines) + "\n")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "sparkify_helpers.cli",
            "run",
            "--source",
            str(source),
            "--out",
            str(run_env / "runs"),
            "--warehouse",
            str(run_env / "wh.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert completed.returncode != 0
    assert re.search(r"notebook 03_load failed in cell \d+", completed.stderr)
    run_dir = run_env / "runs" / "latest"
    assert (run_dir / "03_load.ipynb").exists()
    assert not (run_dir / "04_marketing_analytics.ipynb").exists()
    errors = pd.read_csv(run_dir / "load_errors.csv")
    assert len(errors) == 1
    row = errors.iloc[0]
    assert row["line_number"] == 3
    assert Path(str(row["filename"]).strip()).name == log_file.name
    assert "Broken" in row["raw_line"]
    report = (run_dir / "report.html").read_text()
    assert "03_load" in report and "failed" in report
    assert Counter(
        json.loads((run_dir / "run.json").read_text())["notebooks"][i]["status"] for i in range(3)
    ) == Counter({"ok": 2, "failed": 1})
    assert _no_new_processes(before) == []


def test_a_run_that_finds_the_warehouse_held_says_who_holds_it(run_env):
    warehouse = run_env / "wh.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; c = duckdb.connect({str(warehouse)!r}); "
            "print('ready', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        result = runner.run_workbook(
            runner.RunOptions(out=run_env / "runs", warehouse=warehouse, events=300)
        )
    finally:
        holder.communicate("\n", timeout=30)
    failure = result.failure
    assert failure is not None and failure.name == "02_create_tables"
    assert "WarehouseLockedError" in failure.error
    assert f"process {holder.pid}" in failure.error
