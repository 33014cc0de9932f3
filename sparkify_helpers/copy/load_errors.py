"""Rejected COPY rows as Redshift's ``stl_load_errors`` records: columns, storage, message.

The local warehouse keeps them in ``sparkify_system.load_errors`` (``tbl`` holds the table's
name there); the ``stl_load_errors`` and ``sys_load_error_detail`` views that analysts query,
with Redshift's columns, are built on it by ``warehouse.system_views``.
"""

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
LOAD_ERRORS_DDL_COLUMNS = ", ".join(f"{name} {kind}" for name, kind in LOAD_ERRORS_TYPES.items())
SYSTEM_SCHEMA = "sparkify_system"
LOAD_ERRORS_TABLE = f"{SYSTEM_SCHEMA}.load_errors"

_counter_lock = threading.Lock()
_last_query = 0


def empty_load_errors() -> pd.DataFrame:
    """A load-errors frame with no rows and the stl_load_errors columns."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in LOAD_ERRORS_COLUMNS})


def ensure_load_errors_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the load-errors storage when it does not exist yet."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SYSTEM_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOAD_ERRORS_TABLE} ({LOAD_ERRORS_DDL_COLUMNS})")


def record_load_errors(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Append a load-errors frame to the storage; return the number of rows added."""
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


def stored(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether a ``sparkify_system`` table exists in the current database."""
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
            "AND database_name = current_database()",
            [SYSTEM_SCHEMA, table.split(".")[-1]],
        )
    )


def next_query_id(con: duckdb.DuckDBPyConnection) -> int:
    """A query id above any recorded (load errors, load history) and any handed out here."""
    global _last_query
    highest = 0
    for table in (LOAD_ERRORS_TABLE, f"{SYSTEM_SCHEMA}.load_history"):
        if stored(con, table):
            found = scalar(con, f"SELECT coalesce(max(query), 0) FROM {table}")
            highest = max(highest, int(found))
    with _counter_lock:
        _last_query = max(_last_query + 1, highest + 1)
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
