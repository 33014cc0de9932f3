"""COPY in batches: MAXERROR over all batches, undo on failure, the fast path and its fallback.

Every load here is checked against the exact path alone (the fast path switched off), with
both ways of reading a batch: small files read into memory by Python, large ones by DuckDB
(``read_blob`` and the CSV line reader), forced here by the small-file threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import duckdb
import pytest
from copy_helpers import BUCKET, copy, mocked_s3, ndjson, put, staging_connection_with_t

from sparkify_helpers import config
from sparkify_helpers.copy import batches, fast, load
from sparkify_helpers.errors import CopyError, WarehouseError
from sparkify_helpers.targets import for_settings

READERS = ["in-memory", "duckdb"]


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    with mocked_s3(monkeypatch) as client:
        yield client


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = staging_connection_with_t()
    yield connection
    connection.close()


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Which reader batches use: Python into memory (the default for small files) or DuckDB."""
    if request.param == "duckdb":
        monkeypatch.setattr(batches, "SMALL_FILE_BYTES", 0)
    return request.param


def t_copy(extra: str = "", source: str = "t/") -> str:
    return f"COPY t FROM 's3://{BUCKET}/{source}' JSON 'auto' {extra}"


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def outcome(con, s3, tmp_path, statement: str) -> tuple:
    """What a COPY did: its result's counts and errors (or the failure), and the table."""
    try:
        result = copy(con, s3, tmp_path, statement)
        done = ("ok", result.rows_loaded, result.rows_rejected, result.load_errors)
    except CopyError as exc:
        done = ("failed", str(exc), None, exc.load_errors)
    errors = done[3].drop(columns=["query", "starttime"]).values.tolist()
    table = rows(con, "SELECT * FROM t ORDER BY ALL")
    con.execute("DELETE FROM t")
    return done[:3], errors, table


def test_maxerror_counts_rejections_across_batches_and_a_failure_loads_nothing(
    s3, con, tmp_path, monkeypatch, reader
) -> None:
    monkeypatch.setattr(load, "BATCH_BYTES", 1)  # one file per batch
    for name, bad in (("a", "x"), ("b", "y"), ("c", "z")):
        put(s3, f"t/{name}.json", ndjson({"id": 1}, {"id": bad}, {"id": 2}))
    with pytest.raises(CopyError, match="3 rows rejected, MAXERROR 2") as info:
        copy(con, s3, tmp_path, t_copy("MAXERROR 2"))
    errors = info.value.load_errors
    assert errors[["filename", "line_number", "raw_field_value"]].values.tolist() == [
        [f"s3://{BUCKET}/t/a.json", 2, "x"],
        [f"s3://{BUCKET}/t/b.json", 2, "y"],
        [f"s3://{BUCKET}/t/c.json", 2, "z"],
    ]
    assert rows(con, "SELECT count(*) FROM t") == [(0,)]

    result = copy(con, s3, tmp_path, t_copy("MAXERROR 3"))
    assert (result.rows_loaded, result.rows_rejected, result.batches) == (6, 3, 3)
    assert result.exact_batches == 3
    assert rows(con, "SELECT id, count(*) FROM t GROUP BY id ORDER BY id") == [(1, 3), (2, 3)]


def test_a_failure_inside_the_callers_transaction_removes_only_this_copys_rows(
    s3, con, tmp_path, monkeypatch, reader
) -> None:
    monkeypatch.setattr(load, "BATCH_BYTES", 1)
    put(s3, "t/a.json", ndjson({"id": 1}, {"id": 2}))
    put(s3, "t/b.json", ndjson({"id": 3}, {"id": "bad"}))
    con.execute("INSERT INTO t (id) VALUES (100)")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t (id) VALUES (200)")
    with pytest.raises(CopyError, match="1 row rejected, MAXERROR 0"):
        copy(con, s3, tmp_path, t_copy())
    assert rows(con, "SELECT id FROM t ORDER BY id") == [(100,), (200,)]
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"))
    assert (result.rows_loaded, result.batches, result.exact_batches) == (3, 2, 1)
    con.execute("COMMIT")
    assert rows(con, "SELECT id FROM t ORDER BY id") == [(1,), (2,), (3,), (100,), (200,)]


def test_clean_batches_take_the_fast_path_with_the_exact_paths_values(
    s3, con, tmp_path, monkeypatch, reader
) -> None:
    monkeypatch.setattr(load, "BATCH_BYTES", 200)
    records = [
        {"id": i, "name": f"n{i}", "big": 10**12 + i, "seen_at": f"2018-11-0{i % 9 + 1} 10:00:00"}
        for i in range(12)
    ]
    records[3] = {"id": " 7 ", "name": "  ", "big": "1e3", "seen_at": None}
    for i in range(0, 12, 4):
        put(s3, f"t/{i:02}.json", ndjson(*records[i : i + 4]))
    statement = t_copy("TIMEFORMAT 'auto' BLANKSASNULL")
    fast_result = copy(con, s3, tmp_path, statement)
    assert (fast_result.rows_loaded, fast_result.exact_batches) == (12, 0)
    assert fast_result.batches > 1
    fast_rows = rows(con, "SELECT * FROM t ORDER BY ALL")
    con.execute("DELETE FROM t")
    monkeypatch.setattr(fast, "load_batch", lambda *args, **kwargs: None)
    exact_result = copy(con, s3, tmp_path, statement)
    assert exact_result.exact_batches == exact_result.batches
    assert rows(con, "SELECT * FROM t ORDER BY ALL") == fast_rows
    assert (7, None, 1000, None) in fast_rows


def test_the_fast_path_falls_back_to_the_exact_one_on_a_bad_line(s3, con, tmp_path, reader) -> None:
    good = ndjson(*[{"id": i, "name": "x" * 40} for i in range(200)])
    put(s3, "t/a.json", good + '{"id": 200, "name": \n' + ndjson({"id": 201}))
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"))
    assert (result.rows_loaded, result.rows_rejected, result.exact_batches) == (201, 1, 1)
    error = result.load_errors.iloc[0]
    assert (error.line_number, error.err_code) == (201, 1216)
    assert rows(con, "SELECT count(*), sum(id) FROM t") == [(201, sum(range(200)) + 201)]


ODD_FILES = {
    "bom_crlf": '\ufeff{"id": 1}\r\n\r\n{"id": 2, "name": "x"}\r\n',
    "two_boms": '\ufeff\ufeff{"id": 3}\n',
    "blank_lines": '{"id": 4}\n   \n\t\n\n{"id": 5}',
    "indented": '  {"id": 6}\n{"id": 7}\n',
    "pretty": json.dumps({"id": 8, "name": "p"}, indent=2) + "\n",
    "glued": '{"id": 9}{"id": 10}\n{"id": 11}\n',
    "array": '[12, "y"]\n{"id": 13}\n',
    "control_01": '{"id": 14, "name": "a\x01b"}\n{"id": 15}\n',
    "nul": '{"id": 16, "name": "a\x00b"}\n',
    "duplicate_keys": '{"id": 17, "id": 18, "name": "d"}\n',
    "trailing_space": '{"id": 19}   \n{"id": 20}\t\n',
    "empty": "",
    "form_feed": '{"id": 21}\n\x0c{"id": 22}\n',
    "hash": '#{"id": 23}\n{"id": 24}\n',
    "scalar_continuation": '{"id": 25}\n  "x"\n{"id": 26}\n 27\n',
}


@pytest.mark.parametrize("name", sorted(ODD_FILES))
def test_odd_files_load_as_the_exact_path_alone_loads_them(
    s3, con, tmp_path, monkeypatch, reader, name: str
) -> None:
    put(s3, "t/ok.json", ndjson({"id": 0, "name": "plain"}))
    put(s3, "t/odd.json", ODD_FILES[name])
    statement = t_copy("MAXERROR 10")
    with_fast = outcome(con, s3, tmp_path, statement)
    monkeypatch.setattr(fast, "load_batch", lambda *args, **kwargs: None)
    assert outcome(con, s3, tmp_path, statement) == with_fast
    assert with_fast[0][0] == "ok"


def test_invalid_utf8_in_a_large_file_batch_takes_the_exact_path(
    s3, con, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(batches, "SMALL_FILE_BYTES", 0)
    put(s3, "t/a.json", b'{"id": 1}\n{"id": 2, "name": "\xff"}\n')
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"))
    assert (result.rows_loaded, result.rows_rejected, result.exact_batches) == (1, 1, 1)
    assert result.load_errors.iloc[0].err_code == 1220


def test_the_local_warehouse_bounds_duckdbs_memory_and_spills_under_the_state_dir(
    aws_env, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SPARKIFY_DUCKDB_MEMORY_LIMIT", "512MB")
    settings = config.load_settings()
    with for_settings(settings).open_warehouse() as dw:
        limit, spill = dw.con.execute(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit in ("488.2 MiB", "512.0 MiB", "512.0 MB")
    assert spill == str(tmp_path / "state" / "duckdb-tmp")
    monkeypatch.delenv("SPARKIFY_DUCKDB_MEMORY_LIMIT")
    with for_settings(settings).open_warehouse() as dw:
        limit = dw.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    value, unit = limit.split()
    assert unit == "GiB" and float(value) <= 4.0
    monkeypatch.setenv("SPARKIFY_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(WarehouseError, match="SPARKIFY_DUCKDB_MEMORY_LIMIT"):
        for_settings(settings).open_warehouse()


def test_a_failure_between_batches_leaves_nothing_in_the_callers_transaction(
    s3, con, tmp_path, monkeypatch, reader
) -> None:
    monkeypatch.setattr(load, "BATCH_BYTES", 1)  # one file per batch
    for name, value in (("a", 10), ("b", 20), ("c", 30)):
        put(s3, f"t/{name}.json", ndjson({"id": value}))
    real = fast.load_batch
    calls = []

    def third_batch_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise CopyError("the cached file vanished")
        return real(*args, **kwargs)

    monkeypatch.setattr(fast, "load_batch", third_batch_fails)
    con.execute("INSERT INTO t (id) VALUES (1)")
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(CopyError, match="vanished"):
        copy(con, s3, tmp_path, t_copy())
    con.execute("COMMIT")
    assert rows(con, "SELECT id FROM t") == [(1,)]


def test_a_file_listed_twice_in_a_manifest_is_loaded_twice_on_both_paths(
    s3, con, tmp_path, monkeypatch, reader
) -> None:
    put(s3, "t/a.json", ndjson({"id": 1}, {"id": "x"}))
    entry = {"url": f"s3://{BUCKET}/t/a.json", "mandatory": True}
    put(s3, "m.json", json.dumps({"entries": [entry, entry]}))
    statement = t_copy("MANIFEST MAXERROR 10", source="m.json")
    fast_path = outcome(con, s3, tmp_path, statement)
    monkeypatch.setattr(fast, "load_batch", lambda *a, **k: None)  # exact path only
    assert outcome(con, s3, tmp_path, statement) == fast_path
    assert fast_path[0] == ("ok", 2, 2)


def test_an_epoch_out_of_range_is_a_rejected_row_not_a_failed_copy(s3, con, tmp_path) -> None:
    put(s3, "t/a.json", ndjson({"id": 1, "seen_at": 1541105830796}, {"id": 2, "seen_at": 1e20}))
    result = copy(con, s3, tmp_path, t_copy("TIMEFORMAT 'epochmillisecs' MAXERROR 1"))
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert result.load_errors["err_code"].tolist() == [1206]
