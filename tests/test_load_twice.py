"""Re-running the load is safe: the same input gives identical tables, ids included."""

from __future__ import annotations

import pandas as pd
import pytest
import raw_data

from sparkify_helpers import load
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.run_folder import RunFolder


@pytest.fixture
def loaded_twice(seeded_sample, tmp_path):
    target, _ = seeded_sample
    snapshots = []
    with target.open_warehouse() as dw:
        load.create_tables(dw)
        for number in (1, 2):
            run = RunFolder.open(tmp_path / f"run-{number}")
            load.copy_staging(dw, run)
            load.publish(dw, run, f"run-{number}")
            tables = [*read_catalog().staging, *read_catalog().star]
            snapshots.append({t.name: dw.query(f"SELECT * FROM {t.name}") for t in tables})
    return snapshots


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_loading_twice_gives_identical_tables(loaded_twice, sample_dir):
    first, second = loaded_twice
    expected = raw_data.expected_counts(sample_dir)
    assert {table: len(rows) for table, rows in first.items()} == expected
    for table in expected:
        pd.testing.assert_frame_equal(_sorted(first[table]), _sorted(second[table]))
    # songplay ids are assigned by event order, not by a counter that keeps running
    ids = second["songplays"]["songplay_id"]
    assert sorted(ids) == list(range(1, len(ids) + 1))
