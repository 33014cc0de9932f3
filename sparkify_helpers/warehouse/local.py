"""The local target's warehouse: an embedded DuckDB file fed with translated Redshift SQL."""

from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from sparkify_helpers import copy as redshift_copy
from sparkify_helpers import dialect, paths
from sparkify_helpers.aws import AwsAccess
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.copy.fetch import MAX_WORKERS
from sparkify_helpers.copy.sqltext import scalar
from sparkify_helpers.duckdb_file import open_duckdb
from sparkify_helpers.errors import CopyError, WarehouseError
from sparkify_helpers.warehouse import system_views, table_design
from sparkify_helpers.warehouse.base import (
    ROW_COUNT_KINDS,
    Warehouse,
    statement_kind,
)

log = logging.getLogger(__name__)

SCHEMA_CHANGING_KINDS = frozenset({"CREATE", "DROP", "ALTER"})
MEMORY_LIMIT_ENV = "SPARKIFY_DUCKDB_MEMORY_LIMIT"
MEMORY_LIMIT_CAP = 4 << 30


def catalog_or_none():
    """The catalog of ``sql/create``, or None when this checkout has none."""
    try:
        return read_catalog()
    except WarehouseError:
        return None


def memory_limit() -> str:
    """DuckDB's memory_limit: ``$SPARKIFY_DUCKDB_MEMORY_LIMIT``, else 4 GiB or a quarter of RAM.

    DuckDB's own default (80% of RAM) lets one load take the machine; with a limit it spills
    to ``temp_directory`` instead.
    """
    configured = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
    if configured:
        return configured
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        ram = 0
    limit = min(MEMORY_LIMIT_CAP, ram // 4) if ram > 0 else MEMORY_LIMIT_CAP
    return f"{limit >> 20}MiB"


def apply_memory_settings(con: duckdb.DuckDBPyConnection) -> None:
    """Set the memory limit and a temp directory under the state folder for spilled data."""
    limit = memory_limit()
    spill = paths.state_dir() / "duckdb-tmp"
    try:
        spill.mkdir(parents=True, exist_ok=True)
        con.execute("SET memory_limit = ?", [limit])
    except duckdb.Error as exc:
        raise WarehouseError(
            f"Cannot set DuckDB's memory limit to {limit!r} ({MEMORY_LIMIT_ENV}): {exc}. "
            "Use a size such as '4GB' or '512MiB', or unset the variable."
        ) from exc
    except OSError as exc:
        raise WarehouseError(
            f"Cannot create DuckDB's spill folder {spill}: {exc.strerror or exc}. "
            "Check the permissions of the state folder (SPARKIFY_STATE_DIR)."
        ) from exc
    current = scalar(con, "SELECT current_setting('temp_directory')")
    if current != str(spill):  # DuckDB refuses to change it once it has spilled there
        try:
            con.execute("SET temp_directory = ?", [str(spill)])
        except duckdb.Error as exc:
            log.warning("keeping DuckDB's spill folder %s (%s)", current, exc)


def live_schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Column types of the catalog's tables, overlaid with the live tables of the connection's
    schema (the translator's view of types, for the integer arithmetic)."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ).fetchall()
    live: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        live.setdefault(table, {})[column] = kind
    return {**read_catalog().column_types(), **live}


class LocalWarehouse(Warehouse):
    """DuckDB file + translated SQL + emulated COPY."""

    kind = "local"

    def __init__(
        self,
        access: AwsAccess,
        *,
        read_only: bool = False,
        copy_tuning: redshift_copy.CopyTuning = redshift_copy.DEFAULT_TUNING,
    ) -> None:
        super().__init__(access)
        self.copy_tuning = copy_tuning
        self.path = Path(self.settings.local.warehouse_path)
        self.read_only = read_only
        self.con = open_duckdb(self.path, read_only=read_only)
        try:
            apply_memory_settings(self.con)
            system_views.install(self.con, catalog_or_none(), writable=not read_only)
        except (WarehouseError, duckdb.Error) as exc:
            self.con.close()
            if isinstance(exc, duckdb.Error):
                raise WarehouseError(f"Cannot set up Redshift's system views: {exc}") from exc
            raise
        self.copy_results: list = []  # the open transaction's COPYs (for the load log)
        self.copies: list = []  # every COPY this connection ran, in order
        self._s3 = None
        self._schema: dict[str, dict[str, str]] | None = None

    def schema(self) -> dict[str, dict[str, str]]:
        """Column types of the live tables over the catalog's (for the integer arithmetic)."""
        if self._schema is None:
            self._schema = live_schema(self.con)
        return self._schema

    def _table_ddl(self, name: str) -> str:
        """An existing table's DuckDB definition (for CREATE TABLE ... LIKE)."""
        table = name.split(".")[-1].strip('"')
        found = self.con.execute(
            "SELECT sql FROM duckdb_tables() WHERE lower(table_name) = lower(?)", [table]
        ).fetchone()
        if not found:
            raise WarehouseError(f"CREATE TABLE ... LIKE {name}: no table {name} to copy.")
        return str(found[0])

    # -- COPY ----------------------------------------------------------------
    def _s3_client(self):
        if self._s3 is None:
            self._s3 = self.access.aws_client("s3", max_pool_connections=MAX_WORKERS)
        return self._s3

    def _copy(self, statement: str) -> int:
        table = redshift_copy.parse_copy(statement).table.lower().split(".")[-1]
        # DuckDB keeps no VARCHAR(n) nor CHAR: the widths come from the recorded CREATE TABLE
        # (table_design), else from sql/create
        known = table_design.widths(self.con, table, catalog_or_none())
        result = redshift_copy.execute_copy(
            self.con,
            statement,
            self._s3_client(),
            paths.copy_cache_dir(),
            column_lengths=known[0] if known else None,
            tuning=self.copy_tuning,
            fixed_width=known[1] if known else (),
        )
        self.copy_results.append(result)
        self.copies.append(result)
        return result.rows_loaded

    # -- statements ---------------------------------------------------------
    def _execute(self, statement: str) -> int | None:
        if dialect.is_copy(statement):
            return self._copy(statement)
        rows = None
        for translated in dialect.translate(statement, self.schema(), self._table_ddl):
            kind = statement_kind(translated)
            cursor = self.con.execute(translated)
            if kind in ROW_COUNT_KINDS:
                fetched = cursor.fetchone()
                rows = int(fetched[0]) if fetched else 0
            elif kind in SCHEMA_CHANGING_KINDS:
                self._schema = None
        if statement_kind(statement) in ("CREATE", "DROP"):
            table_design.record_statement(self.con, statement)
        return rows

    def _begin(self) -> None:
        self._require_writable()
        self.copy_results = []
        self.con.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self.con.execute("ROLLBACK")
        self._schema = None

    def _map_error(
        self, exc: BaseException, where: tuple[str, int, str], started: datetime
    ) -> Exception | None:
        if isinstance(exc, CopyError):
            self._record_loads()
            self._record_load_errors(exc.load_errors)
            self._record_aborted(exc.load_errors)
            return None
        if isinstance(exc, duckdb.Error):
            source, index, _ = where
            reason = dialect.redshift_error(str(exc)) or str(exc)
            return WarehouseError(f"{source} statement {index} failed: {reason}")
        return None

    def _after_commit(self) -> None:
        self._record_loads()
        for copy_result in self.copy_results:
            self._record_load_errors(copy_result.load_errors)

    def _record_loads(self) -> None:
        """Each COPY of the transaction into the load log (stl_load_commits, sys_load_history)."""
        for result in self.copy_results:
            redshift_copy.record_load(
                self.con,
                redshift_copy.LoadRecord(
                    query=result.query,
                    session=os.getpid(),
                    table=result.table,
                    status="completed",
                    starttime=result.starttime or datetime.now(timezone.utc).replace(tzinfo=None),
                    data_source=result.source,
                    files=result.sources,
                    loaded_rows=result.rows_loaded,
                    error_count=result.rows_rejected,
                ),
            )

    def _record_aborted(self, frame) -> None:
        """A COPY that failed on its rows, into sys_load_history as aborted."""
        if frame is None or not len(frame):
            return
        first = frame.iloc[0]
        files = sorted(set(frame["filename"]))
        redshift_copy.record_load(
            self.con,
            redshift_copy.LoadRecord(
                query=int(first["query"]),
                session=os.getpid(),
                table=str(first["tbl"]),
                status="aborted",
                starttime=first["starttime"],
                data_source=files[0] if len(files) == 1 else "",
                files=[],
                loaded_rows=0,
                error_count=len(frame),
            ),
        )

    def _record_load_errors(self, frame) -> None:
        redshift_copy.ensure_load_errors_table(self.con)
        if frame is not None and len(frame):
            redshift_copy.record_load_errors(self.con, frame)

    def _require_writable(self) -> None:
        if self.read_only:
            raise WarehouseError(
                f"{self.path} is open read-only; connect with read_only=False to change it."
            )

    # -- queries --------------------------------------------------------------
    def query(self, sql: str) -> pd.DataFrame:
        translated = dialect.translate(sql, self.schema())
        if len(translated) != 1:
            raise WarehouseError(f"Expected one query, got {len(translated)} statements: {sql}")
        try:
            return self.con.execute(translated[0]).df()
        except duckdb.Error as exc:
            raise WarehouseError(f"Query failed: {exc}\n{translated[0]}") from exc

    def close(self) -> None:
        self.con.close()
