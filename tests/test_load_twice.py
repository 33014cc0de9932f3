"""Re-running the load is safe: the same input gives identical tables, ids included.

The second run finds every source object in the load ledger: it stages nothing and
publishes nothing, and the star schema is exactly what the first run left.
"""

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
    snapshots, outcomes = [], []
    with target.open_warehouse() as dw:
        load.create_tables(dw)
        for number in (1, 2):
            run = RunFolder.open(tmp_path / f"run-{number}")
            staged = load.copy_staging(dw, run)
            published = load.publish(dw, run, f"run-{number}", staged=staged)
            outcomes.append((staged, published))
            tables = [*read_catalog().staging, *read_catalog().star]
            snapshots.append({t.name: dw.query(f"SELECT * FROM {t.name}") for t in tables})
        publishes = dw.row_count("sparkify_publishes")
    return snapshots, outcomes, publishes


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_loading_twice_gives_identical_tables(loaded_twice, sample_dir):
    (first, second), ((_, _), (again, not_published)), publishes = loaded_twice
    expected = raw_data.expected_counts(sample_dir)
    assert {table: len(rows) for table, rows in first.items()} == expected
    for table in (t.name for t in read_catalog().star):
        pd.testing.assert_frame_equal(_sorted(first[table]), _sorted(second[table]))
    # the second run: nothing new, nothing staged, nothing published
    assert again.nothing_new and not_published.skipped
    assert len(second["staging_events"]) == len(second["staging_songs"]) == 0
    assert publishes == 1
    # songplay ids are assigned by event order, not by a counter that keeps running
    ids = second["songplays"]["songplay_id"]
    assert sorted(ids) == list(range(1, len(ids) + 1))
