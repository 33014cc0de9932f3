"""What each COPY did, kept for Redshift's load views: one row per COPY, one per file read.

``sparkify_system.load_history`` (one row per COPY: table, source, rows, bytes, errors, status)
feeds ``sys_load_history``; ``sparkify_system.load_commits`` (one row per file) feeds
``stl_load_commits`` (see ``warehouse.system_views``). As on Redshift, a record is written
whether or not the COPY's transaction commits (r_STL_LOAD_COMMITS.md: "The fact that a record
is written ... does not mean that the load committed successfully").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb

from sparkify_helpers.copy.load_errors import SYSTEM_SCHEMA, ensure_load_errors_table

LOAD_HISTORY_TABLE = f"{SYSTEM_SCHEMA}.load_history"
LOAD_COMMITS_TABLE = f"{SYSTEM_SCHEMA}.load_commits"
HISTORY_COLUMNS = (  # sys_load_history's stored columns
    "query BIGINT, session BIGINT, table_name VARCHAR, status VARCHAR, starttime TIMESTAMP, "
    "endtime TIMESTAMP, data_source VARCHAR, loaded_rows BIGINT, loaded_bytes BIGINT, "
    "source_file_count INTEGER, source_file_bytes BIGINT, error_count BIGINT"
)
COMMITS_COLUMNS = (  # stl_load_commits' stored columns
    "query BIGINT, table_name VARCHAR, filename VARCHAR, bytes BIGINT, curtime TIMESTAMP"
)


@dataclass(frozen=True)
class LoadRecord:
    """One COPY for the log: its query id, table, source, files and outcome."""

    query: int
    session: int
    table: str
    status: str  # completed | aborted
    starttime: datetime
    data_source: str
    files: Sequence[tuple[str, int]]  # (uri, bytes)
    loaded_rows: int
    error_count: int


def ensure_load_log(con: duckdb.DuckDBPyConnection) -> None:
    """Create the load log's tables (and the load-errors storage) when they do not exist."""
    ensure_load_errors_table(con)
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOAD_HISTORY_TABLE} ({HISTORY_COLUMNS})")
    con.execute(f"CREATE TABLE IF NOT EXISTS {LOAD_COMMITS_TABLE} ({COMMITS_COLUMNS})")


def record_load(con: duckdb.DuckDBPyConnection, load: LoadRecord) -> None:
    """Append one COPY to the load history and its files to the load commits."""
    ensure_load_log(con)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    size = sum(b for _, b in load.files)
    con.execute(
        f"INSERT INTO {LOAD_HISTORY_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            load.query,
            load.session,
            load.table,
            load.status,
            load.starttime,
            now,
            load.data_source,
            load.loaded_rows,
            size if load.status == "completed" else 0,
            len(load.files),
            size,
            load.error_count,
        ],
    )
    if load.files:  # one statement for all files (a COPY of songs reads tens of thousands)
        con.execute(
            f"INSERT INTO {LOAD_COMMITS_TABLE} SELECT ?, ?, unnest(?), unnest(?), ?",
            [
                load.query,
                load.table,
                [uri for uri, _ in load.files],
                [size_ for _, size_ in load.files],
                now,
            ],
        )
