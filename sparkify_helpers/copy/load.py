"""Load cached files into the target table in batches of bounded size, with MAXERROR over all.

Files are taken in batches (``batches``, ``CopyTuning.batch_bytes`` each) so memory does not
grow with the input. Each batch tries the fast path (``fast``) and falls back to the exact one
(``exact``), which appends its rejections to a temp errors table; both insert the good rows
into the target table straight away. At the end, more rejections than MAXERROR fail the
COPY and undo what it inserted: it rolls back its own transaction when the connection had
none open, and otherwise deletes the rows it appended (DuckDB numbers appended rows upwards,
so they are the rows above the highest ``rowid`` seen before the first batch).
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from sparkify_helpers.copy import exact, fast
from sparkify_helpers.copy.batches import BatchInput, CopyTuning, plan_batches
from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.fetch import CachedFile
from sparkify_helpers.copy.load_errors import (
    LOAD_ERRORS_COLUMNS,
    LOAD_ERRORS_TYPES,
    failure_message,
)
from sparkify_helpers.copy.sqltext import scalar, sql_ident
from sparkify_helpers.copy.statement import CopyCommand
from sparkify_helpers.errors import CopyError

log = logging.getLogger(__name__)

_NOT_STARTED = object()  # no rowid read yet: nothing of this COPY to remove


@dataclass(frozen=True)
class LoadOutcome:
    """What one load did: rows inserted, rows rejected and their stl_load_errors records."""

    rows_loaded: int
    rows_rejected: int
    load_errors: pd.DataFrame
    batches: int = 0
    exact_batches: int = 0


def _in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection has a transaction open (autocommit gives each query a new id)."""
    first = scalar(con, "SELECT txid_current()")
    return scalar(con, "SELECT txid_current()") == first


def _load_batches(
    con: duckdb.DuckDBPyConnection,
    target: str,
    cmd: CopyCommand,
    columns: list[TargetColumn],
    files: list[CachedFile],
    json_paths: list[str] | None,
    errors_table: str,
    error_params: dict,
    tuning: CopyTuning,
) -> tuple[int, int, int]:
    """Load every batch into ``target``, fast path first; return rows inserted, batches,
    exact batches."""
    names = ", ".join(sql_ident(c.name) for c in columns)
    insert_into = f"INSERT INTO {target} ({names})"
    inserted = exact_batches = 0
    planned = plan_batches(files, tuning.batch_bytes, gunzipped=cmd.gzip)
    for number, files_of_batch in enumerate(planned, start=1):
        with BatchInput(con, files_of_batch, tuning.small_file_bytes) as batch:
            rows = None
            if tuning.fast_path:
                rows = fast.load_batch(con, batch, cmd, columns, json_paths, insert_into)
            if rows is None:
                exact_batches += 1
                log.debug(
                    "COPY %s: batch %d/%d takes the exact path", cmd.table, number, len(planned)
                )
                rows = exact.load_batch(
                    con, batch, cmd, columns, json_paths, insert_into, errors_table, error_params
                )
        inserted += int(rows)
    return inserted, len(planned), exact_batches


def run_load(
    con: duckdb.DuckDBPyConnection,
    cmd: CopyCommand,
    columns: list[TargetColumn],
    files: list[CachedFile],
    json_paths: list[str] | None,
    query_id: int,
    starttime: datetime,
    tuning: CopyTuning,
) -> LoadOutcome:
    """Read, convert and insert; raise CopyError (with ``.load_errors``) past MAXERROR.

    Runs in the caller's transaction, or in one of its own when the connection has none.
    """
    target = ".".join(sql_ident(p) for p in cmd.table.split("."))
    errors_table = f"__copy_errors_{uuid.uuid4().hex[:12]}"
    error_params = {"query": query_id, "starttime": starttime, "tbl": cmd.table}
    own, before = False, _NOT_STARTED
    try:
        own = not _in_transaction(con)
        if own:
            con.execute("BEGIN TRANSACTION")
        before = None if own else scalar(con, f"SELECT max(rowid) FROM {target}")
        columns_sql = ", ".join(f"{n} {t}" for n, t in LOAD_ERRORS_TYPES.items())
        con.execute(f"CREATE TEMP TABLE {errors_table} ({columns_sql})")
        into = target
        if cmd.noload:  # NOLOAD: read and check everything, insert into a throw-away copy
            into = f"__copy_noload_{errors_table[-12:]}"
            con.execute(f"CREATE TEMP TABLE {into} AS SELECT * FROM {target} LIMIT 0")
        inserted, batches, exact_batches = _load_batches(
            con, into, cmd, columns, files, json_paths, errors_table, error_params, tuning
        )
        if cmd.noload:
            con.execute(f"DROP TABLE {into}")
            inserted = 0
        errors = con.execute(f"SELECT * FROM {errors_table} ORDER BY filename, line_number").df()[
            list(LOAD_ERRORS_COLUMNS)
        ]
        con.execute(f"DROP TABLE {errors_table}")
        if len(errors) > cmd.maxerror:
            failure = CopyError(failure_message(cmd.table, errors, cmd.maxerror), errors)
            raise failure
        if own:
            con.execute("COMMIT")
    except duckdb.Error as exc:
        _abandon(con, own, errors_table, target, before)
        raise CopyError(f"Reading or inserting the data failed: {exc}") from exc
    except BaseException:
        _abandon(con, own, errors_table, target, before)
        raise
    return LoadOutcome(inserted, len(errors), errors, batches, exact_batches)


def _abandon(
    con: duckdb.DuckDBPyConnection, own: bool, errors_table: str, target: str, before
) -> None:
    """After any failure, leave nothing of this COPY behind.

    Our own transaction is rolled back; in the caller's, the rows this COPY appended (above
    the highest ``rowid`` seen before it) are deleted and the errors table dropped.
    """
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS __copy_noload_{errors_table[-12:]}")
        if own:
            con.execute("ROLLBACK")
            return
        if before is not _NOT_STARTED:
            since = "" if before is None else f" WHERE rowid > {int(before)}"
            con.execute(f"DELETE FROM {target}{since}")
        con.execute(f"DROP TABLE IF EXISTS {errors_table}")
