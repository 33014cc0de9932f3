"""Rejected COPY rows as Redshift's ``stl_load_errors``: columns, table, and failure message."""

from __future__ import annotations

import threading

import duckdb
import pandas as pd

from sparkify_helpers.copy.sqltext import scalar

LOAD_ERRORS_TYPES: dict[str, str] = {
    "query": "BIGINT",
    "starttime": "TIMESTAMP",
    "tbl": "VARCHAR",
    "filename": "VARCHAR",
    "line_number": "BIGINT",
    "colname": "VARCHAR",
    "type": "VARCHAR",
    "col_length": "VARCHAR",
    "raw_line": "VARCHAR",
    "raw_field_value": "VARCHAR",
    "err_code": "INTEGER",
    "err_reason": "VARCHAR",
}
LOAD_ERRORS_COLUMNS: tuple[str, ...] = tuple(LOAD_ERRORS_TYPES)
LOAD_ERRORS_TABLE = "stl_load_errors"

_counter_lock = threading.Lock()
_last_query = 0


def empty_load_errors() -> pd.DataFrame:
    """A load-errors frame with no rows and the stl_load_errors columns."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in LOAD_ERRORS_COLUMNS})


def ensure_load_errors_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``stl_load_errors`` when it does not exist yet."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in LOAD_ERRORS_TYPES.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOAD_ERRORS_TABLE} ({columns})")


def record_load_errors(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Append a load-errors frame to ``stl_load_errors``; return the number of rows added."""
    ensure_load_errors_table(con)
    if frame is None or frame.empty:
        return 0
    view = f"__load_errors_{id(frame)}"
    con.register(view, frame[list(LOAD_ERRORS_COLUMNS)])
    try:
        casts = ", ".join(f"CAST({n} AS {t})" for n, t in LOAD_ERRORS_TYPES.items())
        con.execute(f"INSERT INTO {LOAD_ERRORS_TABLE} SELECT {casts} FROM {view}")
    finally:
        con.unregister(view)
    return len(frame)


def next_query_id(con: duckdb.DuckDBPyConnection) -> int:
    """A query id above any in ``stl_load_errors`` and any handed out in this process."""
    global _last_query
    recorded = scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
        "AND database_name = current_database()",
        [LOAD_ERRORS_TABLE],
    )
    highest = 0
    if recorded:
        highest = scalar(con, f"SELECT coalesce(max(query), 0) FROM {LOAD_ERRORS_TABLE}")
    with _counter_lock:
        _last_query = max(_last_query + 1, int(highest) + 1)
        return _last_query


def failure_message(table: str, errors: pd.DataFrame, maxerror: int) -> str:
    """Redshift-like text for a COPY that rejected more rows than MAXERROR allows."""
    first = errors.iloc[0]
    rows = "row" if len(errors) == 1 else "rows"
    where = f"line {first['line_number']} of {first['filename']}"
    column = f", column {first['colname']}" if isinstance(first["colname"], str) else ""
    return (
        f"Load into table '{table}' failed. {len(errors)} {rows} rejected, MAXERROR {maxerror}: "
        f"{where}{column}: {first['err_reason']} (code {first['err_code']}). "
        f"Check 'stl_load_errors' system table for details, fix the input files, "
        "or raise MAXERROR to skip bad rows."
    )
