"""COPY in batches: MAXERROR over all batches, undo on failure, the fast path and its fallback.

Every load is checked against what it should load, computed here from the raw input by
:func:`expected` (Python's json and the documented conversions, not the emulation's SQL), on
the fast path and on the exact path alone, with both ways of reading a batch: small files
read into memory by Python, large ones by DuckDB (``read_blob`` and the CSV line reader),
forced here by the small-file threshold.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta

import duckdb
import pytest
from copy_helpers import BUCKET, copy, mocked_s3, ndjson, put, staging_connection_with_t

from sparkify_helpers import config
from sparkify_helpers.copy import DEFAULT_TUNING, CopyTuning, fast
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
def reader(request: pytest.FixtureRequest) -> CopyTuning:
    """Which reader batches use: Python into memory (the default for small files) or DuckDB."""
    return CopyTuning(small_file_bytes=0) if request.param == "duckdb" else DEFAULT_TUNING


def t_copy(extra: str = "", source: str = "t/") -> str:
    return f"COPY t FROM 's3://{BUCKET}/{source}' JSON 'auto' {extra}"


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# --- the oracle: what COPY t ... JSON 'auto' loads, from the raw bytes -------------------------
# t is (id INTEGER, name VARCHAR, big BIGINT, seen_at TIMESTAMP); see staging_connection_with_t.
BLANK = re.compile(r"[ \t\n\f\r]*")  # what a skipped blank line may hold
DIGITS = re.compile(r"[+-]?[0-9]+(\.0*)?")
EPOCH = datetime(1970, 1, 1)


class Rejected(Exception):
    """A record COPY rejects, with Redshift's error code."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def records(body: bytes) -> list[tuple[int, bytes]]:
    """``(line number, text)`` of each record of a file, by the guide's rules.

    copy-parameters-data-format.md, "JSON data file": objects or arrays "can't be separated by
    commas or any other characters except white space"; non-white-space characters before or
    between them are an error "for each instance" (here: a run of them up to the next line led
    by '{' or '['; the guide does not say where the next instance starts); "The LINE_NUMBER
    column records the last line of the JSON object that caused the error" (a run of other
    characters: its first line). Leading byte-order marks are skipped (the guide does not say).
    """
    text = body.decode("utf-8", "surrogateescape").lstrip("\ufeff")
    found, pos = [], 0
    decoder = json.JSONDecoder()
    while True:
        while pos < len(text) and text[pos] in " \t\n\r\f":
            pos += 1
        if pos == len(text):
            break
        end = None
        if text[pos] in "{[":
            try:
                end = decoder.raw_decode(text, pos)[1]
            except ValueError:
                end = None
        if end is None:  # up to the next line led by '{' or '['
            starts = [m.start() + 1 for m in re.finditer(r"\n[{\[]", text[pos:])]
            end = pos + starts[0] if starts else len(text)
        piece = text[pos:end].rstrip(" \t\n\r\f")
        last = text.count("\n", 0, pos + len(piece) - 1) + 1
        first = text.count("\n", 0, pos) + 1
        number = last if text[pos] in "{[" else first
        found.append((number, piece.encode("utf-8", "surrogateescape")))
        pos = end
    return found


def first_key_wins(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object whose repeated keys keep their first value (the emulation's choice)."""
    obj: dict = {}
    for key, value in pairs:
        obj.setdefault(key, value)
    return obj


def no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def as_integer(value: object, bits: int) -> int | None:
    """Digits or an integral number; a fraction is an invalid digit, out of range an overflow."""
    if value is None:
        return None
    text = value.strip(" ") if isinstance(value, str) else json.dumps(value)
    if text == "":
        return None
    if DIGITS.fullmatch(text):
        number = int(text.split(".")[0])
    else:
        try:
            real = float(text)
        except ValueError:
            raise Rejected(1207) from None
        if not math.isfinite(real) or real != int(real):
            raise Rejected(1207)
        number = int(real)
    if not -(2 ** (bits - 1)) <= number < 2 ** (bits - 1):
        raise Rejected(1222)
    return number


def as_text(value: object, blanksasnull: bool) -> str | None:
    """A string as it is (BLANKSASNULL: whitespace-only is NULL); other JSON as compact text."""
    if value is None or isinstance(value, str):
        return None if blanksasnull and value and BLANK.fullmatch(value) else value
    return json.dumps(value, separators=(",", ":"))


def as_timestamp(value: object, timeformat: str) -> datetime | None:
    """'auto': ISO text; 'epochmillisecs': a number of milliseconds (out of range: 1206)."""
    if value is None or (isinstance(value, str) and value.strip(" ") == ""):
        return None
    try:
        if timeformat == "epochmillisecs":
            return EPOCH + timedelta(microseconds=round(float(value) * 1000))  # type: ignore[arg-type]
        return datetime.fromisoformat(value.strip(" "))  # type: ignore[union-attr]
    except (AttributeError, OverflowError, TypeError, ValueError):
        raise Rejected(1206) from None


def row_of(text: bytes, blanksasnull: bool, timeformat: str) -> tuple:
    """One row of t from a record's text, or Rejected."""
    try:
        record = json.loads(
            text.decode("utf-8"), object_pairs_hook=first_key_wins, parse_constant=no_constants
        )
    except UnicodeDecodeError:
        raise Rejected(1220) from None
    except ValueError:  # includes control characters inside strings
        raise Rejected(1216) from None
    if not isinstance(record, dict):
        raise Rejected(1216)  # JSON 'auto' maps object keys only
    return (
        as_integer(record.get("id"), 32),
        as_text(record.get("name"), blanksasnull),
        as_integer(record.get("big"), 64),
        as_timestamp(record.get("seen_at"), timeformat),
    )


def expected(
    files: list[tuple[str, str | bytes]],
    maxerror: int = 0,
    blanksasnull: bool = False,
    timeformat: str = "auto",
) -> tuple:
    """What COPY t loads from ``files`` ``(key, body)``, in the shape of :func:`observed`."""
    rows, rejected = [], []
    for key, body in files:
        data = body.encode("utf-8") if isinstance(body, str) else body
        for number, text in records(data):
            try:
                rows.append(row_of(text, blanksasnull, timeformat))
            except Rejected as exc:
                rejected.append((f"s3://{BUCKET}/{key}", number, exc.code))
    if len(rejected) > maxerror:
        return "failed", 0, sorted(rejected), []
    return "ok", len(rows), sorted(rejected), sorted(rows, key=null_last)


def null_last(row: tuple) -> list[tuple]:
    """A sort key for rows with NULLs (ORDER BY ALL puts them last)."""
    return [(value is None, value) for value in row]


def rejections(errors) -> list[tuple]:
    """``(file, line, code)`` of each rejected record of a load_errors frame, sorted."""
    picked = errors[["filename", "line_number", "err_code"]].itertuples(index=False, name=None)
    return sorted(picked)


def table(con) -> list[tuple]:
    """The rows of t, sorted as :func:`expected` sorts them."""
    return sorted(rows(con, "SELECT * FROM t"), key=null_last)


def observed(con, s3, tmp_path, statement: str, tuning: CopyTuning = DEFAULT_TUNING) -> tuple:
    """What a COPY did: ok or failed, rows it says it loaded, its rejections, and t's rows."""
    try:
        result = copy(con, s3, tmp_path, statement, tuning=tuning)
    except CopyError as exc:
        status, loaded, errors = "failed", 0, exc.load_errors
    else:
        status, loaded, errors = "ok", result.rows_loaded, result.load_errors
        assert result.rows_rejected == len(errors)
    done = (status, loaded, rejections(errors), table(con))
    con.execute("DELETE FROM t")
    return done


def on_both_paths(con, s3, tmp_path, statement: str, tuning: CopyTuning) -> tuple:
    """:func:`observed` with the fast path, after checking the exact path alone agrees."""
    with_fast = observed(con, s3, tmp_path, statement, tuning)
    exact_only = replace(tuning, fast_path=False)
    assert observed(con, s3, tmp_path, statement, exact_only) == with_fast
    if with_fast[0] == "ok":  # the exact path really ran every batch
        result = copy(con, s3, tmp_path, statement, tuning=exact_only)
        assert result.exact_batches == result.batches
        con.execute("DELETE FROM t")
    return with_fast


def load_files(s3, files: list[tuple[str, str | bytes]]) -> list[tuple[str, str | bytes]]:
    """Upload ``(key, body)`` files to the test bucket; return them."""
    for key, body in files:
        put(s3, key, body)
    return files


def test_maxerror_counts_rejections_across_batches_and_a_failure_loads_nothing(
    s3, con, tmp_path, reader
) -> None:
    tuning = replace(reader, batch_bytes=1)  # one file per batch
    files = load_files(
        s3,
        [
            (f"t/{name}.json", ndjson({"id": 1}, {"id": bad}, {"id": 2}))
            for name, bad in (("a", "x"), ("b", "y"), ("c", "z"))
        ],
    )
    with pytest.raises(CopyError, match="3 rows rejected, MAXERROR 2"):
        copy(con, s3, tmp_path, t_copy("MAXERROR 2"), tuning=tuning)
    assert observed(con, s3, tmp_path, t_copy("MAXERROR 2"), tuning) == expected(files, maxerror=2)
    assert expected(files, maxerror=2)[2] == [(f"s3://{BUCKET}/t/{n}.json", 2, 1207) for n in "abc"]

    result = copy(con, s3, tmp_path, t_copy("MAXERROR 3"), tuning=tuning)
    assert (result.batches, result.exact_batches) == (3, 3)
    con.execute("DELETE FROM t")
    assert observed(con, s3, tmp_path, t_copy("MAXERROR 3"), tuning) == expected(files, maxerror=3)


def test_a_failure_inside_the_callers_transaction_removes_only_this_copys_rows(
    s3, con, tmp_path, reader
) -> None:
    tuning = replace(reader, batch_bytes=1)
    files = load_files(
        s3,
        [
            ("t/a.json", ndjson({"id": 1}, {"id": 2})),
            ("t/b.json", ndjson({"id": 3}, {"id": "bad"})),
        ],
    )
    con.execute("INSERT INTO t (id) VALUES (100)")
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t (id) VALUES (200)")
    with pytest.raises(CopyError, match="1 row rejected, MAXERROR 0"):
        copy(con, s3, tmp_path, t_copy(), tuning=tuning)
    assert rows(con, "SELECT id FROM t ORDER BY id") == [(100,), (200,)]
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"), tuning=tuning)
    assert (result.batches, result.exact_batches) == (2, 1)
    _, loaded, rejected, new_rows = expected(files, maxerror=1)
    assert (result.rows_loaded, rejections(result.load_errors)) == (loaded, rejected)
    con.execute("COMMIT")
    before = [(100, None, None, None), (200, None, None, None)]
    assert table(con) == sorted(before + new_rows, key=null_last)


def test_clean_batches_take_the_fast_path_with_the_values_of_the_raw_input(
    s3, con, tmp_path, reader
) -> None:
    tuning = replace(reader, batch_bytes=200)
    records = [
        {"id": i, "name": f"n{i}", "big": 10**12 + i, "seen_at": f"2018-11-0{i % 9 + 1} 10:00:00"}
        for i in range(12)
    ]
    records[3] = {"id": " 7 ", "name": "  ", "big": "1e3", "seen_at": None}
    files = load_files(
        s3, [(f"t/{i:02}.json", ndjson(*records[i : i + 4])) for i in range(0, 12, 4)]
    )
    statement = t_copy("TIMEFORMAT 'auto' BLANKSASNULL")
    fast_result = copy(con, s3, tmp_path, statement, tuning=tuning)
    assert (fast_result.exact_batches, fast_result.batches > 1) == (0, True)
    con.execute("DELETE FROM t")
    want = expected(files, blanksasnull=True)
    assert (7, None, 1000, None) in want[3]
    assert on_both_paths(con, s3, tmp_path, statement, tuning) == want


def test_the_fast_path_falls_back_to_the_exact_one_on_a_bad_line(s3, con, tmp_path, reader) -> None:
    good = ndjson(*[{"id": i, "name": "x" * 40} for i in range(200)])
    files = load_files(s3, [("t/a.json", good + '{"id": 200, "name": \n' + ndjson({"id": 201}))])
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"), tuning=reader)
    assert result.exact_batches == 1
    con.execute("DELETE FROM t")
    want = expected(files, maxerror=1)
    assert want[2] == [(f"s3://{BUCKET}/t/a.json", 201, 1216)]
    assert on_both_paths(con, s3, tmp_path, t_copy("MAXERROR 1"), reader) == want


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
def test_odd_files_load_what_the_raw_input_holds_on_both_paths(
    s3, con, tmp_path, reader, name: str
) -> None:
    files = load_files(
        s3, [("t/odd.json", ODD_FILES[name]), ("t/ok.json", ndjson({"id": 0, "name": "plain"}))]
    )
    statement = t_copy("MAXERROR 10")
    assert on_both_paths(con, s3, tmp_path, statement, reader) == expected(files, maxerror=10)


def test_invalid_utf8_in_a_large_file_batch_takes_the_exact_path(s3, con, tmp_path) -> None:
    tuning = CopyTuning(small_file_bytes=0)
    files = load_files(s3, [("t/a.json", b'{"id": 1}\n{"id": 2, "name": "\xff"}\n')])
    result = copy(con, s3, tmp_path, t_copy("MAXERROR 1"), tuning=tuning)
    assert result.exact_batches == 1
    con.execute("DELETE FROM t")
    want = expected(files, maxerror=1)
    assert want[2] == [(f"s3://{BUCKET}/t/a.json", 2, 1220)]
    assert observed(con, s3, tmp_path, t_copy("MAXERROR 1"), tuning) == want


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
    tuning = replace(reader, batch_bytes=1)  # one file per batch
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
        copy(con, s3, tmp_path, t_copy(), tuning=tuning)
    con.execute("COMMIT")
    assert rows(con, "SELECT id FROM t") == [(1,)]


def test_a_file_listed_twice_in_a_manifest_is_loaded_twice_on_both_paths(
    s3, con, tmp_path, reader
) -> None:
    body = ndjson({"id": 1}, {"id": "x"})
    put(s3, "t/a.json", body)
    entry = {"url": f"s3://{BUCKET}/t/a.json", "mandatory": True}
    put(s3, "m.json", json.dumps({"entries": [entry, entry]}))
    statement = t_copy("MANIFEST MAXERROR 10", source="m.json")
    want = expected([("t/a.json", body)] * 2, maxerror=10)
    assert want[1:3] == (2, [(f"s3://{BUCKET}/t/a.json", 2, 1207)] * 2)
    assert on_both_paths(con, s3, tmp_path, statement, reader) == want


def test_an_epoch_out_of_range_is_a_rejected_row_not_a_failed_copy(s3, con, tmp_path) -> None:
    body = ndjson({"id": 1, "seen_at": 1541105830796}, {"id": 2, "seen_at": 1e20})
    put(s3, "t/a.json", body)
    want = expected([("t/a.json", body)], maxerror=1, timeformat="epochmillisecs")
    assert want == (
        "ok",
        1,
        [(f"s3://{BUCKET}/t/a.json", 2, 1206)],
        [(1, None, None, datetime(2018, 11, 1, 20, 57, 10, 796000))],
    )
    statement = t_copy("TIMEFORMAT 'epochmillisecs' MAXERROR 1")
    assert observed(con, s3, tmp_path, statement) == want
