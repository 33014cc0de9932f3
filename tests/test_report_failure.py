"""report.html after a failed or interrupted run: what failed, what the warehouse holds, whether
COPY ran; each load error read in plain words; the match rate with its caveat.

Load error codes as the Redshift Database Developer Guide lists them:
https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html
"""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from sparkify_helpers import load, run_report, run_story
from sparkify_helpers.run_record import NotebookRun, RunResult

STARTED = datetime(2026, 11, 29, 5, 43, 11, tzinfo=timezone.utc)
HELD = load.held_load(("20261128-010000", datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)))


def _result(tmp_path, *notebooks: NotebookRun) -> RunResult:
    return RunResult("20261129-054311", tmp_path, {}, STARTED, list(notebooks))


def _nb(tmp_path, name, status, cell=None, error=None) -> NotebookRun:
    return NotebookRun(name, tmp_path / f"{name}.ipynb", 1.0, status, cell, error)


def test_a_failed_copy_says_which_cell_failed_what_the_warehouse_holds_and_reads_the_error(
    tmp_path,
):
    error = (
        "WarehouseError: Load into table 'staging_events' failed. 1 row rejected, MAXERROR 0: "
        f"line 3 of s3://b/log_data/2018-11-30-events.json: Invalid JSON (code 1216). "
        f"Nothing was published; {HELD}.\nCOPY staging_events FROM ..."
    )
    (tmp_path / "load_errors.csv").write_text(
        "query,filename,line_number,colname,err_code,err_reason\n"
        "7,s3://b/log_data/2018-11-30-events.json,3,,1216,Invalid JSON\n"
    )
    result = _result(
        tmp_path,
        _nb(tmp_path, "01_provision", "ok"),
        _nb(tmp_path, "02_create_tables", "ok"),
        _nb(tmp_path, "03_load", "failed", 6, error),
        _nb(tmp_path, "04_marketing_analytics", "pending"),
    )
    page = run_report.build_report(result)
    assert "<h2>What went wrong</h2>" in page
    assert (
        "<p class='failed'>03_load failed at cell 6: WarehouseError: Load into table "
        "&#x27;staging_events&#x27; failed." in page
    )
    failed_line = page.split("<p class='failed'>")[1].split("</p>")[0]
    assert "COPY staging_events FROM" not in failed_line
    assert failed_line.endswith("Invalid JSON (code 1216).")  # what is held: next sentence
    assert "1 rejected row (first 1 shown)" in page
    assert (
        "<p class='held'>Nothing was published: the warehouse still holds the load of run "
        "20261128-010000 (2026-11-28 01:00:00 UTC).</p>" in page
    )
    assert (
        "<li>Line 3 of s3://b/log_data/2018-11-30-events.json: the line is not valid input "
        "(not one JSON object) (Invalid JSON, code 1216). To do: repair or remove the line, "
        "then run the load again.</li>" in page
    )
    assert "No rows were rejected by COPY" not in page


def test_a_run_that_failed_before_copy_says_copy_did_not_run_never_no_rows_rejected(tmp_path):
    result = _result(
        tmp_path,
        _nb(tmp_path, "01_provision", "failed", 3, "AwsError: the emulator is not running"),
        _nb(tmp_path, "02_create_tables", "pending"),
        _nb(tmp_path, "03_load", "pending"),
    )
    page = run_report.build_report(result)
    assert "01_provision failed at cell 3: AwsError: the emulator is not running." in page
    assert (
        "03_load did not run, so this run published nothing: the star tables hold what they "
        "held before it." in page
    )
    assert (
        "<p class='warn'>COPY did not run (03_load did not reach it), so no rows were loaded"
        in page
    )
    assert "No rows were rejected by COPY" not in page


def test_an_interrupted_publish_names_the_notebook_and_the_held_load(tmp_path):
    result = _result(
        tmp_path,
        _nb(tmp_path, "03_load", "interrupted", None, "interrupted by SIGINT"),
    )
    result.interrupted_by = "SIGINT"
    (tmp_path / "load_errors.csv").write_text("query,filename,line_number,err_code,err_reason\n")
    page = run_report.build_report(result)
    assert "<p class='failed'>03_load was interrupted: interrupted by SIGINT.</p>" in page
    assert "03_load stopped; a load is published only when all its checks pass" in page
    assert "<p class='ok'>No rows were rejected by COPY.</p>" in page  # COPY ran, rejected none


def test_an_ok_run_has_no_failure_section(tmp_path):
    page = run_report.build_report(_result(tmp_path, _nb(tmp_path, "03_load", "ok")))
    assert "What went wrong" not in page
    # a load that found nothing new never ran COPY: no load_errors.csv, and the page says why
    assert "COPY did not run (there was nothing new to stage), so no rows were" in page


def test_each_load_error_code_reads_in_plain_words_with_file_line_and_column():
    row = pd.Series(
        {
            "filename": "s3://b/song_data/A/A/A/TRAAA.json",
            "line_number": 1,
            "colname": "year      ",
            "err_code": 1207,
            "err_reason": "Invalid digit, Value 'x', Pos 0, Type: Integer",
        }
    )
    assert run_story.read_load_error(row) == (
        "Line 1 of s3://b/song_data/A/A/A/TRAAA.json, column year: a number holds a character "
        "other than 0-9 (Invalid digit, Value 'x', Pos 0, Type: Integer, code 1207). To do: fix "
        "the number in the file, then run the load again."
    )
    unknown = run_story.read_load_error(row.copy().replace({1207: 9999}))
    assert unknown.endswith(
        "COPY rejected it (Invalid digit, Value 'x', Pos 0, Type: Integer, "
        "code 9999). To do: see err_reason, then run the load again."
    )


def test_a_thin_match_rate_carries_its_caveat_in_the_report(tmp_path):
    (tmp_path / "etl_20261129054311.results").write_text(
        "songplays match rate: 0.01% (1 of 6,820 plays matched a song)\n"
    )
    page = run_report.build_report(_result(tmp_path, _nb(tmp_path, "03_load", "ok")))
    assert "songplays match rate: 0.01% (1 of 6,820 plays matched a song)" in page
    assert (
        "<p class='warn'>Too few plays matched to rank songs or artists (a ranking needs at "
        "least 100 matched plays and 5% of all plays)" in page
    )


def test_an_ample_match_rate_has_no_caveat():
    assert run_story.match_caveat("songplays match rate: 40.00% (400 of 1,000 plays matched") == ""
    assert run_story.match_caveat("songplays match rate: 4.90% (490 of 10,000 plays matched")
    assert run_story.match_caveat("songplays match rate: 50.00% (99 of 198 plays matched")


def test_the_match_rate_sentence_under_its_chart_carries_the_caveat_when_thin():
    from sparkify_helpers import insights

    thin = insights.match_rate(pd.DataFrame({"plays": [6820], "matched_plays": [1]}))
    assert thin == (
        "Under 0.1% of plays (1 of 6,820) matched a song in the catalogue; the top songs and top "
        "artists are counted from those plays only. That is too few to rank songs or artists (a "
        "ranking needs at least 100 matched plays and 5% of all plays), so those charts show "
        "a caveat instead."
    )
    ample = insights.match_rate(pd.DataFrame({"plays": [1000], "matched_plays": [400]}))
    assert "too few" not in ample
