"""A corrupt line in the real sample fails the staging COPY and leaves its evidence.

``load.copy_staging`` against the emulator and a DuckDB file, in-process: what ``03_load``'s
COPY cell does. How a failing cell then fails the run is in ``test_runner_failures.py``.
"""

from __future__ import annotations

import pandas as pd
import pytest
import raw_data

from sparkify_helpers import load, paths
from sparkify_helpers.errors import CopyError
from sparkify_helpers.run_folder import RunFolder

BROKEN = '{"artist": "Broken", "auth": "Logged In", '


def test_a_corrupt_event_line_fails_the_copy_and_lands_in_load_errors_csv(
    seeded_sample, put_back, sample_dir, tmp_path
):
    target, _ = seeded_sample
    log_file = raw_data.log_files(sample_dir)[0]
    key = log_file.relative_to(sample_dir).as_posix()
    put_back(key)
    lines = log_file.read_text().splitlines()
    lines.insert(2, BROKEN)  # becomes line 3 of the file
    bucket = target.settings.source.bucket
    body = ("\n".join(lines) + "\n").encode()
    target.aws_client("s3").put_object(Bucket=bucket, Key=key, Body=body)
    run = RunFolder.open(tmp_path / "run")

    with target.open_warehouse() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        with pytest.raises(CopyError) as caught:
            load.copy_staging(dw, run)
        # the COPYs run in one transaction: nothing of either staging table is kept
        assert dw.row_count("staging_events") == 0
        assert dw.row_count("staging_songs") == 0
    assert f"line 3 of s3://{bucket}/{key}" in str(caught.value)

    errors = pd.read_csv(tmp_path / "run" / "load_errors.csv")
    assert len(errors) == 1
    row = errors.iloc[0]
    assert row["line_number"] == 3
    assert str(row["filename"]).strip() == f"s3://{bucket}/{key}"
    assert str(row["raw_line"]).strip() == BROKEN.strip()
    assert row["err_code"] == 1216  # Invalid JSON object
