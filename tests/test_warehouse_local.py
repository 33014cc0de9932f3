"""The local warehouse: DuckDB file, translated SQL, transactions, lock errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from copy_helpers import mocked_s3, ndjson, put, shipped_copy

from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.errors import CopyError, WarehouseError, WarehouseLockedError


@pytest.fixture
def target(local_target):
    return local_target


@pytest.fixture
def settings(target):
    return target.settings


def test_runs_redshift_sql_translated_and_counts_rows(settings, target):
    with target.open_warehouse() as dw:
        results = dw.run_sql(
            "CREATE TABLE t (id INTEGER, name VARCHAR(MAX)) DISTSTYLE ALL SORTKEY (id);"
            "INSERT INTO t VALUES (7, 'a'), (8, 'b'), (9, 'c');"
            "DELETE FROM t WHERE id = 8;"
        )
        assert [r.kind for r in results] == ["CREATE", "INSERT", "DELETE"]
        assert [r.rows for r in results] == [None, 3, 1]
        # Redshift integer division truncates; the translation keeps that meaning.
        assert dw.query("SELECT SUM(id) / 2 AS half FROM t").iloc[0, 0] == 8
        assert dw.row_counts(["t"]).to_dict("records") == [{"table": "t", "rows": 2}]


def test_a_failing_statement_rolls_back_the_whole_batch_and_names_it(settings, target):
    with target.open_warehouse() as dw:
        dw.run_sql("CREATE TABLE t (id INTEGER);")
        with pytest.raises(WarehouseError, match=r"sql statement 2 failed"):
            dw.run_sql("INSERT INTO t VALUES (1); INSERT INTO missing_table VALUES (2);")
        assert dw.row_count("t") == 0


def test_read_only_connection_refuses_changes(settings, target):
    with target.open_warehouse() as dw:
        dw.run_sql("CREATE TABLE t (id INTEGER);")
    with target.open_warehouse(read_only=True) as dw:
        assert dw.row_count("t") == 0
        with pytest.raises(WarehouseError, match="read-only"):
            dw.run_sql("INSERT INTO t VALUES (1);")


def test_read_only_on_a_missing_file_says_to_build_it_first(settings, target):
    with pytest.raises(WarehouseError, match="does not exist yet"):
        target.open_warehouse(read_only=True)


def test_a_file_held_by_another_process_names_the_process_and_the_fix(settings, target):
    path = settings.local.warehouse_path
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys, time
                con = duckdb.connect({str(path)!r})
                print("ready", flush=True)
                sys.stdin.readline()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseLockedError) as caught:
            target.open_warehouse()
        message = str(caught.value)
        assert f"process {holder.pid}" in message
        assert "restart the kernel" in message and "--warehouse" in message
    finally:
        holder.communicate("\n", timeout=30)


def test_table_names_are_checked_not_pasted(settings, target):
    with (
        target.open_warehouse() as dw,
        pytest.raises(WarehouseError, match="Not a table"),
    ):
        dw.row_count("t; DROP TABLE x")


def test_a_second_connection_after_duckdb_spilled_to_disk_still_opens(settings, monkeypatch):
    from sparkify_helpers.warehouse.local import apply_memory_settings, open_duckdb

    monkeypatch.setenv("SPARKIFY_DUCKDB_MEMORY_LIMIT", "64MiB")
    first = open_duckdb(settings.local.warehouse_path)
    apply_memory_settings(first)
    first.execute("CREATE TEMP TABLE x AS SELECT i, repeat('x', 100) s FROM range(3000000) r(i)")
    first.execute("SELECT count(*) FROM (SELECT * FROM x ORDER BY s DESC, i DESC)").fetchone()
    second = open_duckdb(settings.local.warehouse_path)
    apply_memory_settings(second)  # must not fail on the spill folder already in use
    assert second.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    second.close()
    first.close()


def test_the_copy_rejects_a_value_longer_than_sql_create_declares(target, monkeypatch, tmp_path):
    limit = read_catalog().lengths("staging_songs")["artist_id"]
    song = {"song_id": "S1", "artist_id": "A" * (limit + 1), "title": "t"}
    with mocked_s3(monkeypatch) as s3, target.open_warehouse() as dw:
        monkeypatch.setattr(target, "aws_client", lambda *args, **kwargs: s3)
        dw.run_folder(create_dir())
        put(s3, "song_data/a.json", ndjson(song))
        with pytest.raises(CopyError, match="String length exceeds DDL length"):
            dw.run_statements([("copy", [shipped_copy("staging_songs")])])
        errors = dw.query(
            "SELECT trim(p.name), e.colname, e.col_length, e.err_code "
            "FROM stl_load_errors e JOIN stv_tbl_perm p ON e.tbl = p.id"
        )
        assert errors.values.tolist() == [["staging_songs", "artist_id", str(limit), 1204]]
        put(s3, "song_data/a.json", ndjson({**song, "artist_id": "A" * limit}))
        dw.run_statements([("copy", [shipped_copy("staging_songs")])])
        assert dw.row_count("staging_songs") == 1
