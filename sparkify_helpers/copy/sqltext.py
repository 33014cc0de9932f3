"""SQL text helpers shared by the COPY emulation's query builders."""

from __future__ import annotations

from typing import Any

import duckdb

from sparkify_helpers.errors import WarehouseError


def sql_string(text: str) -> str:
    """``text`` as a single-quoted SQL string literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """``name`` as a double-quoted SQL identifier (quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def one_row(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[Any, ...]:
    """The single row of an aggregate query (one that always returns a row)."""
    rows = con.execute(sql, params).fetchall()  # fetched to the end: no result left open
    row = rows[0] if rows else None
    if row is None:
        raise WarehouseError(f"Internal error: expected one row from {sql[:80]!r}, got none.")
    return row


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> Any:
    """The first value of :func:`one_row`."""
    return one_row(con, sql, params)[0]
