"""The notebooks' entry point: settings with run overrides, display helpers, run start."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

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
    assert workbook.run_started_at("").tzinfo is not None


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
