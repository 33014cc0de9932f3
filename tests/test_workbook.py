"""The notebooks' entry point: settings with run overrides, display helpers, run start."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import pytest

from sparkify_helpers import workbook


def test_as_frame_never_shows_secret_looking_keys():
    frame = workbook.as_frame(
        {"host": "h", "master_password_secret_arn": "arn:...:secret", "db_password": "x"}
    )
    assert list(frame.index) == ["host"]


def test_run_start_comes_from_run_json(tmp_path):
    started = datetime(2026, 11, 29, 5, 43, 11, tzinfo=timezone.utc)
    (tmp_path / "run.json").write_text(json.dumps({"started_at": started.isoformat()}))
    assert workbook.run_started_at(tmp_path) == started
    before = datetime.now(timezone.utc)
    assert before <= workbook.run_started_at("") <= datetime.now(timezone.utc)  # else: now


def test_open_workbook_applies_the_run_overrides(aws_env, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(tmp_path / "restored-after.duckdb"))
    wb = workbook.open_workbook("", str(tmp_path / "wh.duckdb"), str(tmp_path / "run"), "")
    assert wb.settings.local.warehouse_path == tmp_path / "wh.duckdb"
    assert wb.run_dir == tmp_path / "run" and wb.run_dir.is_dir()
    assert wb.charts_dir == tmp_path / "run" / "charts"
    assert "Local target" in wb.describe_target()


def test_kernel_environment_is_exported_for_the_block_then_restored(monkeypatch):
    from sparkify_helpers.runner import kernel_environment

    monkeypatch.setenv("SPARKIFY_AWS_ENDPOINT_URL", "http://previous:1")
    monkeypatch.delenv("SPARKIFY_TEST_ONLY", raising=False)
    with kernel_environment(
        {"SPARKIFY_AWS_ENDPOINT_URL": "http://emulator:2", "SPARKIFY_TEST_ONLY": "x"}
    ):
        assert os.environ["SPARKIFY_AWS_ENDPOINT_URL"] == "http://emulator:2"
        assert os.environ["SPARKIFY_TEST_ONLY"] == "x"
    assert os.environ["SPARKIFY_AWS_ENDPOINT_URL"] == "http://previous:1"
    assert "SPARKIFY_TEST_ONLY" not in os.environ


def test_run_folder_names_every_file_a_run_writes(tmp_path):
    from sparkify_helpers.run_folder import RunFolder

    started = datetime(2026, 11, 29, 5, 43, 11, tzinfo=timezone.utc)
    run = RunFolder(tmp_path / "20261129-054311", started)
    names = [
        p.name
        for p in (run.run_json, run.row_counts, run.results_file, run.quality, run.load_errors)
    ]
    assert names == [
        "run.json",
        "row_counts.csv",
        "etl_20261129054311.results",
        "quality.csv",
        "load_errors.csv",
    ]
    assert (run.star_schema.name, run.report.name, run.notebook("03_load").name) == (
        "star_schema.png",
        "report.html",
        "03_load.ipynb",
    )
    assert run.run_id == "20261129-054311"


def test_run_folder_writes_atomically_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    from sparkify_helpers import run_folder

    run = run_folder.RunFolder.open(tmp_path)
    run.write_text(run.report, "old")

    def full_disk(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_folder.Path, "write_text", full_disk)
    with pytest.raises(OSError, match="No space left"):
        run.write_text(run.report, "new")
    monkeypatch.undo()
    assert run.report.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_as_frame_shows_the_endpoint_and_role_arn_in_full_for_copying():
    host = "sparkify-local.a394c204d14d.us-west-2.redshift.amazonaws.com"
    arn = "arn:aws:iam::123456789012:role/sparkify-redshift-s3-read-only-role-with-a-long-name"
    frame = workbook.as_frame({"host": host, "role_arns": [arn, arn]})
    assert f"<td>{host}</td>" in frame._repr_html_()
    assert f"<td>{arn}, {arn}</td>" in frame._repr_html_()
    assert host in repr(frame) and arn in repr(frame)
    assert "..." not in repr(frame) and "..." not in frame._repr_html_()
    assert isinstance(frame.head(1), workbook.FullFrame)  # derived frames stay in full
