"""Write, audit, publish on the real sample: a failed load leaves the previous star schema.

The local target against the emulator, in-process (what notebooks 02 and 03 call). A table's
fingerprint is a hash of all its rows ordered by every column; the expected counts come from
the raw files (``raw_data``). Redshift Developer Guide pages relied on: "CREATE TABLE"
(IF NOT EXISTS leaves an existing table unchanged), "TRUNCATE" ("commits the current
transaction": staging is emptied in a transaction of its own), "Serializable isolation"
(readers see the last committed state until the publish commits; DDL inside a transaction
block is rolled back with it, see "BEGIN" / "ROLLBACK").
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
import raw_data

from sparkify_helpers import load
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.errors import CopyError, DataCheckError, WarehouseError
from sparkify_helpers.run_folder import RunFolder

STAR = [t.name for t in read_catalog().star]
NEW_CHECKS = (
    "05_staged_events_have_ts_and_page",
    "31_songplays_match_their_keys",
    "32_star_not_empty_when_staging_is_not",
    "52_song_ids_with_conflicting_data",
    "53_artist_ids_with_conflicting_data",
    "60_row_count_fell_since_last_publish",
)


def fingerprints(dw) -> dict[str, str]:
    """Per star table: sha256 of its rows ordered by all columns."""
    prints = {}
    for table in read_catalog().star:
        columns = ", ".join(table.column_names)
        frame = dw.query(f"SELECT {columns} FROM {table.name} ORDER BY {columns}")
        prints[table.name] = hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest()
    return prints


def star_counts(dw) -> dict[str, int]:
    return {t: dw.row_count(t) for t in STAR}


def load_run(dw, tmp_path, run_id: str, *, full_refresh: bool = False) -> load.Publish:
    """What 02 and 03 do for one run."""
    run = RunFolder.open(tmp_path / run_id)
    load.create_tables(dw, full_refresh=full_refresh)
    staged = load.copy_staging(dw, run, full_refresh=full_refresh)
    return load.publish(dw, run, run_id, full_refresh=full_refresh, staged=staged)


@pytest.fixture
def loaded(seeded_sample, sample_dir, tmp_path):
    """A warehouse holding a good load of the real sample, published as run ``good-1``."""
    target, _ = seeded_sample
    with target.open_warehouse() as dw:
        published = load_run(dw, tmp_path, "good-1")
        expected = raw_data.expected_counts(sample_dir)
        assert star_counts(dw) == {t: expected[t] for t in STAR}
        before = fingerprints(dw)
    return target, published, before


def put_array_line(target, sample_dir, put_back) -> int:
    """Append a log line holding a JSON array to the first log file; the plays it held."""
    log_file = raw_data.log_files(sample_dir)[0]
    key = log_file.relative_to(sample_dir).as_posix()
    put_back(key)
    events = raw_data.json_lines(log_file)
    body = log_file.read_text().rstrip("\n") + "\n" + json.dumps(events[:2]) + "\n"
    target.aws_client("s3").put_object(
        Bucket=target.settings.source.bucket, Key=key, Body=body.encode()
    )
    return len(events)


def test_a_good_load_is_published_with_every_check_passing(loaded, sample_dir):
    target, published, _ = loaded
    results = published.checks.results.set_index("check")
    assert set(NEW_CHECKS) <= set(results.index)
    # the sample has no all-NULL event and no song or artist id listed with conflicting data
    assert results.loc[list(NEW_CHECKS), "failures"].tolist() == [0] * len(NEW_CHECKS)
    with target.open_warehouse(read_only=True) as dw:
        rows = dw.query("SELECT run_id, full_refresh, songplays_rows FROM sparkify_publishes")
    plays = sum(e["page"] == "NextSong" for e in raw_data.events(sample_dir))
    assert rows.to_dict("records") == [
        {"run_id": "good-1", "full_refresh": False, "songplays_rows": plays}
    ]


def test_a_load_whose_checks_fail_leaves_every_star_table_as_it_was(
    loaded, sample_dir, put_back, tmp_path
):
    target, _, before = loaded
    put_array_line(target, sample_dir, put_back)
    with target.open_warehouse() as dw:
        published_at = load.last_publish(dw)[1]
        run = RunFolder.open(tmp_path / "bad-2")
        load.create_tables(dw)
        staged = load.copy_staging(dw, run)
        assert staged.rejected.empty  # COPY takes the array as a row of NULLs, rejecting none
        with pytest.raises(DataCheckError) as caught:
            load.publish(dw, run, "bad-2")
        assert fingerprints(dw) == before
        assert dw.query("SELECT run_id FROM sparkify_publishes")["run_id"].tolist() == ["good-1"]
        # staging holds the bad input, for inspection: the changed file, one more row than its
        # raw events (the other files are in the load ledger, unchanged: not staged again)
        changed = raw_data.log_files(sample_dir)[0]
        assert dw.row_count("staging_events") == len(raw_data.json_lines(changed)) + 1
    message = str(caught.value)
    assert "05_staged_events_have_ts_and_page: 1 offending rows" in message
    held = f"the warehouse still holds the load of run good-1 ({published_at:%Y-%m-%d %H:%M:%S}"
    assert held in message
    quality = pd.read_csv(tmp_path / "bad-2" / "quality.csv").set_index("check")
    assert quality.loc["05_staged_events_have_ts_and_page", "status"] == "fail"


def test_a_corrupt_line_fails_the_copy_and_leaves_the_star_schema(
    loaded, sample_dir, put_back, tmp_path
):
    target, _, before = loaded
    log_file = raw_data.log_files(sample_dir)[-1]
    key = log_file.relative_to(sample_dir).as_posix()
    put_back(key)
    body = log_file.read_text() + '{"artist": "Cut off", "auth": '
    s3 = target.aws_client("s3")
    s3.put_object(Bucket=target.settings.source.bucket, Key=key, Body=body.encode())
    with target.open_warehouse() as dw:
        load.create_tables(dw)
        with pytest.raises(CopyError) as caught:
            load.copy_staging(dw, RunFolder.open(tmp_path / "bad-2"))
        assert fingerprints(dw) == before
    assert "the warehouse still holds the load of run good-1" in str(caught.value)


def test_a_second_run_of_create_tables_keeps_the_loaded_data(loaded):
    target, _, before = loaded
    with target.open_warehouse() as dw:
        created = load.create_tables(dw)
        assert set(created["kind"]) <= {"CREATE"}
        assert fingerprints(dw) == before
        assert dw.row_count("staging_events") > 0  # staging is not emptied by 02 either


def test_a_failing_statement_or_an_interrupt_in_the_publish_leaves_the_star_schema(
    loaded, monkeypatch, tmp_path
):
    target, _, before = loaded
    with target.open_warehouse() as dw:
        real = dw._execute

        def fail_at_songplays(statement: str):
            if statement.lstrip().upper().startswith("MERGE INTO SONGPLAYS"):
                raise KeyboardInterrupt
            return real(statement)

        monkeypatch.setattr(dw, "_execute", fail_at_songplays)
        with pytest.raises(KeyboardInterrupt):  # users, artists, songs and time were rebuilt
            load.publish(dw, RunFolder.open(tmp_path / "int-2"), "int-2")
        assert fingerprints(dw) == before

        def bad_sql(statement: str):
            if "\nINSERT INTO TIME (" in f"\n{statement.upper()}":  # after its comments
                return real("INSERT INTO time SELECT * FROM no_such_table")
            return real(statement)

        monkeypatch.setattr(dw, "_execute", bad_sql)
        with pytest.raises(WarehouseError) as caught:
            load.publish(dw, RunFolder.open(tmp_path / "err-3"), "err-3")
        assert fingerprints(dw) == before
    assert "insert/40_time.sql statement 1 failed" in str(caught.value)
    assert "the warehouse still holds the load of run good-1" in str(caught.value)


KILLED_PUBLISH = textwrap.dedent(
    """
    import os, signal, sys
    from sparkify_helpers import config, load, targets
    from sparkify_helpers.run_folder import RunFolder

    target = targets.for_settings(config.load_settings())
    dw = target.open_warehouse()
    real = dw._execute

    def killed(statement):
        if statement.lstrip().upper().startswith("MERGE INTO SONGPLAYS"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(statement)

    dw._execute = killed
    load.publish(dw, RunFolder.open(sys.argv[1]), "killed-2", full_refresh=True)
    """
)


def test_kill_9_in_the_middle_of_a_full_refresh_publish_leaves_the_star_schema(loaded, tmp_path):
    target, _, before = loaded
    child = subprocess.run(
        [sys.executable, "-c", KILLED_PUBLISH, str(tmp_path / "killed-2")],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    with target.open_warehouse(read_only=True) as dw:
        assert fingerprints(dw) == before
        assert dw.query("SELECT run_id FROM sparkify_publishes")["run_id"].tolist() == ["good-1"]


def test_a_full_refresh_rebuilds_every_table_and_a_failed_one_keeps_the_old(
    loaded, sample_dir, put_back, tmp_path
):
    target, _, before = loaded
    with target.open_warehouse() as dw:
        dw.run_sql("INSERT INTO artists (artist_id, name) VALUES ('ARSTRAY', 'Left over');")
        stray = fingerprints(dw)
        assert stray["artists"] != before["artists"]
        published = load_run(dw, tmp_path, "refresh-2", full_refresh=True)
        assert fingerprints(dw) == before  # rebuilt from the input: the stray row is gone
        refreshed = published.statements[published.statements["file"] == load.REFRESH_SOURCE]
        kinds = refreshed.groupby("kind").size().to_dict()
        # leftovers dropped, new tables created beside, old tables dropped, new ones renamed:
        # the star, and the merge's play keys, users' latest events and catalogue rows
        rebuilt = len(STAR) + 3
        assert kinds == {"DROP": 2 * rebuilt, "CREATE": rebuilt, "ALTER": rebuilt}
        names = dw.query("SELECT table_name FROM information_schema.tables")["table_name"]
        assert not [name for name in names if name.endswith("__new")]
        rows = dw.query("SELECT run_id, full_refresh FROM sparkify_publishes ORDER BY published_at")
        assert rows.to_dict("records") == [
            {"run_id": "good-1", "full_refresh": False},
            {"run_id": "refresh-2", "full_refresh": True},
        ]
    put_array_line(target, sample_dir, put_back)
    with target.open_warehouse() as dw:
        with pytest.raises(DataCheckError, match="still holds the load of run refresh-2"):
            load_run(dw, tmp_path, "refresh-3", full_refresh=True)
        assert fingerprints(dw) == before  # the new tables and the swap were rolled back


def test_a_table_that_lost_most_of_its_rows_is_a_warning_in_quality_csv(
    loaded, sample_dir, put_back, tmp_path
):
    target, _, _ = loaded
    # the next input holds only the first log file, and a full refresh rebuilds from the source
    # as it is now (an incremental load keeps history): songplays and time fall by over 50%
    first = raw_data.log_files(sample_dir)[0]
    s3 = target.aws_client("s3")
    bucket = target.settings.source.bucket
    others = [f for f in raw_data.log_files(sample_dir) if f != first]
    for f in others:
        key = f.relative_to(sample_dir).as_posix()
        put_back(key)
        s3.delete_object(Bucket=bucket, Key=key)
    with target.open_warehouse() as dw:
        # a warning does not stop the publish
        published = load_run(dw, tmp_path, "small-2", full_refresh=True)
        counts = star_counts(dw)
    plays = [e for e in raw_data.json_lines(first) if e["page"] == "NextSong"]
    assert counts["songplays"] == len(plays)
    every_play = sum(e["page"] == "NextSong" for e in raw_data.events(sample_dir))
    results = published.checks.results.set_index("check")
    row = results.loc["60_row_count_fell_since_last_publish"]
    assert row["status"] == "warn"
    sample = pd.DataFrame(json.loads(row["sample"])).set_index("star_table")
    assert sample.loc["songplays"].to_dict() == {
        "previous_rows": every_play,
        "current_rows": len(plays),
    }
    quality = pd.read_csv(tmp_path / "small-2" / "quality.csv").set_index("check")
    assert quality.loc["60_row_count_fell_since_last_publish", "status"] == "warn"
