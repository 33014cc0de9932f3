"""Re-running the load is safe: the same input gives identical tables, ids included."""

from __future__ import annotations

import pandas as pd
import pytest

from sparkify_helpers import aws, config, emulator, load, paths
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.targets import for_settings


@pytest.fixture
def loaded_twice(aws_env, sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    snapshots = []
    with emulator.running() as info:
        target = for_settings(config.load_settings()).with_endpoint(info.endpoint_url)
        target.seed(str(sample_dir), events=0, seed=0)
        aws.ensure_role(target)
        with target.open_warehouse() as dw:
            dw.run_folder(paths.sql_dir() / "create")
            for _ in range(2):
                load.copy_staging(dw, RunFolder.open(tmp_path))
                load.transform(dw)
                snapshots.append({t: dw.query(f"SELECT * FROM {t}") for t in read_catalog().names})
    return snapshots


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_loading_twice_gives_identical_tables(loaded_twice):
    first, second = loaded_twice
    for table in read_catalog().names:
        assert len(first[table]) > 0, table
        pd.testing.assert_frame_equal(_sorted(first[table]), _sorted(second[table]))
    # songplay ids are assigned by event order, not by a counter that keeps running
    ids = second["songplays"]["songplay_id"]
    assert sorted(ids) == list(range(1, len(ids) + 1))
