"""Row counts, the original etl_*.results file, load errors and the data-check runner."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest

from sparkify_helpers import quality, report
from sparkify_helpers.errors import DataCheckError
from sparkify_helpers.run_folder import RunFolder


@pytest.fixture
def dw(local_target):
    with local_target.open_warehouse() as conn:
        yield conn


def test_results_file_has_one_block_per_table_and_the_run_start_in_its_name(tmp_path):
    counts = pd.DataFrame({"table": ["songplays", "users"], "rows": [6820, 97]})
    started = datetime(2026, 11, 29, 5, 43, 11, tzinfo=timezone.utc)
    path = report.write_results_file(
        counts, RunFolder(tmp_path, started), report.MatchRate(6820, 1)
    )
    assert path.name == "etl_20261129054311.results"
    text = path.read_text()
    assert "Table: songplays\nRows: 6820\n" in text
    assert "Table: users\nRows: 97\n" in text
    assert "0.01% (1 of 6,820 plays" in text


def test_row_counts_csv_has_table_and_rows_columns(tmp_path, dw):
    dw.run_sql("CREATE TABLE users (user_id INTEGER); INSERT INTO users VALUES (1), (2);")
    path = report.write_row_counts(report.row_counts(dw, ["users"]), RunFolder.open(tmp_path))
    assert path.read_text().splitlines() == ["table,rows", "users,2"]


def test_match_rate_counts_plays_with_a_song(dw):
    dw.run_sql(
        "CREATE TABLE songplays (songplay_id INTEGER, song_id VARCHAR(32));"
        "INSERT INTO songplays VALUES (1, 'SOA'), (2, NULL), (3, NULL), (4, 'SOB');"
    )
    rate = report.match_rate(dw)
    assert (rate.plays, rate.matched, rate.share) == (4, 2, 0.5)


def test_load_errors_is_an_empty_frame_with_columns_before_any_copy(dw, tmp_path):
    frame = dw.load_errors()
    assert frame.empty and "err_code" in frame.columns
    path = report.write_load_errors(frame, RunFolder.open(tmp_path))
    # the columns of Redshift's stl_load_errors (r_STL_LOAD_ERRORS.md), as on the cluster
    assert path.read_text().startswith("userid,slice,tbl,starttime,session,query,filename")


def _checks(tmp_path, severity: str):
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "10_users_key.sql").write_text(
        f"-- severity: {severity}\n-- description: user_id is unique\n"
        "SELECT user_id, COUNT(*) AS n FROM users GROUP BY user_id HAVING COUNT(*) > 1"
    )
    (folder / "20_levels.sql").write_text(
        "-- severity: error\n-- description: levels are free or paid\n"
        "SELECT * FROM users WHERE level NOT IN ('free', 'paid')"
    )
    return folder


def test_a_failing_error_check_names_itself_with_sample_rows(dw, tmp_path):
    dw.run_sql(
        "CREATE TABLE users (user_id INTEGER, level VARCHAR(10));"
        "INSERT INTO users VALUES (7, 'free'), (7, 'paid'), (8, 'free');"
    )
    result = quality.run_checks(dw, _checks(tmp_path, "error"))
    assert result.results[["check", "failures", "status"]].to_dict("records") == [
        {"check": "10_users_key", "failures": 1, "status": "fail"},
        {"check": "20_levels", "failures": 0, "status": "pass"},
    ]
    with pytest.raises(DataCheckError, match=r"10_users_key: 1 offending rows") as caught:
        result.raise_for_errors()
    assert "7" in str(caught.value)
    csv = result.to_csv(RunFolder.open(tmp_path)).read_text()
    assert csv.splitlines()[0] == "check,severity,description,failures,status,sample"


def test_a_warn_check_reports_without_failing(dw, tmp_path):
    dw.run_sql(
        "CREATE TABLE users (user_id INTEGER, level VARCHAR(10));"
        "INSERT INTO users VALUES (7, 'free'), (7, 'free');"
    )
    result = quality.run_checks(dw, _checks(tmp_path, "warn"))
    assert list(result.results["status"]) == ["warn", "pass"]
    result.raise_for_errors()
