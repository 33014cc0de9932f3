"""Redshift's system views that analysts query, on the local warehouse, read-only.

``install(con, catalog)`` creates them as temporary views on a DuckDB connection (so they
are there on read-only connections too, and nothing can be inserted into them), with the
columns of the Developer Guide's pages:

- ``stl_load_errors`` (r_STL_LOAD_ERRORS.md) and ``sys_load_error_detail``
  (SYS_LOAD_ERROR_DETAIL.md): the local COPY's rejected rows;
- ``stl_load_commits`` (r_STL_LOAD_COMMITS.md): one row per file a COPY read;
  ``sys_load_history`` (SYS_LOAD_HISTORY.md): one row per COPY;
- ``stv_tbl_perm`` (r_STV_TBL_PERM.md), ``svv_table_info`` (r_SVV_TABLE_INFO.md) and
  ``pg_table_def`` (r_PG_TABLE_DEF.md): the live tables, with distribution and sort keys from
  the catalog (``sql/create``) where it declares the table;
- ``pg_last_copy_id()`` (PG_LAST_COPY_ID.md): the query id of the latest COPY.

Table ids (``tbl``, ``id``, ``table_id``) are derived from the table's name, so they join
across the views and stay the same between sessions. The load views read
``sparkify_system.*``, which ``copy.load_errors`` and ``copy.load_log`` fill; what no local
table can know (slices, blocks, encodings, skew) is constant and listed in
docs/redshift-fidelity.md.
"""

from __future__ import annotations

import duckdb

from sparkify_helpers.catalog import Catalog
from sparkify_helpers.copy.load_errors import (
    LOAD_ERRORS_DDL_COLUMNS,
    LOAD_ERRORS_TABLE,
    SYSTEM_SCHEMA,
    stored,
)
from sparkify_helpers.copy.load_log import (
    COMMITS_COLUMNS,
    HISTORY_COLUMNS,
    LOAD_COMMITS_TABLE,
    LOAD_HISTORY_TABLE,
    ensure_load_log,
)
from sparkify_helpers.copy.sqltext import sql_string
from sparkify_helpers.warehouse.table_design import DESIGN_TABLE, ensure_design_table, rows_of

USER_ID = 100  # the first user id Redshift gives a database user
VIEWS = (
    "stl_load_errors",
    "sys_load_error_detail",
    "stl_load_commits",
    "sys_load_history",
    "stv_tbl_perm",
    "svv_table_info",
    "pg_table_def",
)
_EMPTY = {  # the stored tables' columns, for the placeholder a fresh warehouse reads
    LOAD_ERRORS_TABLE: LOAD_ERRORS_DDL_COLUMNS,
    LOAD_HISTORY_TABLE: HISTORY_COLUMNS,
    LOAD_COMMITS_TABLE: COMMITS_COLUMNS,
}
# r_STV_TBL_PERM.md dist_style, as "Viewing distribution styles" numbers them
_DIST_CODES = {"EVEN": 0, "KEY": 1, "ALL": 8, "AUTO": 11}
_PG_TYPES = [  # DuckDB type (regex) -> the type name pg_table_def shows
    (r"VARCHAR", "character varying(256)"),
    (r"INTEGER", "integer"),
    (r"BIGINT", "bigint"),
    (r"SMALLINT", "smallint"),
    (r"DOUBLE", "double precision"),
    (r"FLOAT", "real"),
    (r"BOOLEAN", "boolean"),
    (r"DATE", "date"),
    (r"TIMESTAMP", "timestamp without time zone"),
    (r"TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
    (r"TIME", "time without time zone"),
]


def table_id(name_sql: str) -> str:
    """SQL for the id of the table named by ``name_sql`` (stable, in Redshift's id range)."""
    return f"CAST(hash(lower({name_sql})) % 900000 + 100000 AS INTEGER)"


def _empty(table: str) -> str:
    casts = ", ".join(
        f"CAST(NULL AS {kind}) AS {name}"
        for name, kind in (c.strip().split(" ", 1) for c in _EMPTY[table].split(","))
    )
    return f"SELECT {casts} WHERE false"


def _relation(con: duckdb.DuckDBPyConnection, table: str) -> str:
    if stored(con, table):
        return f"{_database(con)}.{table}"
    return f"({_empty(table)})"


def _database(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_database()").fetchone()
    return '"' + str(row[0] if row else "memory").replace('"', '""') + '"'


def _design_values(con: duckdb.DuckDBPyConnection, catalog: Catalog | None) -> str:
    """A relation of the tables' physical design: table, column, type, distkey, sort position,
    diststyle, length. Recorded designs (``table_design``) first, then the catalog's tables that
    have none."""
    columns = "tablename, colname, pgtype, is_distkey, sortpos, diststyle, max_length"
    rows = [
        "(" + ", ".join(_literal(row[i]) for i in (0, 1, 3, 6, 7, 8, 4)) + ")"
        for table in (catalog.tables if catalog is not None else ())
        for row in rows_of(table)
    ] or ["(NULL, NULL, NULL, false, 0, NULL, NULL)"]
    from_catalog = (
        f"SELECT * FROM (VALUES {', '.join(rows)}) AS d({columns}) WHERE tablename IS NOT NULL"
    )
    if not stored(con, DESIGN_TABLE):
        return f"({from_catalog})"
    recorded = f"{_database(con)}.{DESIGN_TABLE}"
    return (
        "(SELECT table_name AS tablename, column_name AS colname, pg_type AS pgtype, is_distkey, "
        f"sortpos, diststyle, length AS max_length FROM {recorded} "
        f"UNION ALL SELECT * FROM ({from_catalog}) "
        f"WHERE tablename NOT IN (SELECT table_name FROM {recorded}))"
    )


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return sql_string(str(value))


def _user_tables(con: duckdb.DuckDBPyConnection) -> str:
    return (
        "(SELECT schema_name, table_name, estimated_size, temporary, database_oid FROM "
        "duckdb_tables() WHERE database_name = current_database() "
        f"AND schema_name <> {sql_string(SYSTEM_SCHEMA)} "
        "AND NOT starts_with(table_name, '__'))"
    )


def _pg_type_sql(column: str) -> str:
    cases = " ".join(
        f"WHEN {column} = {sql_string(duck)} THEN {sql_string(shown)}" for duck, shown in _PG_TYPES
    )
    numeric = f"WHEN {column} LIKE 'DECIMAL(%' THEN 'numeric' || substr({column}, 8)"
    return f"CASE {cases} {numeric} ELSE lower({column}) END"


def _view_sql(con: duckdb.DuckDBPyConnection, catalog: Catalog | None) -> dict[str, str]:
    errors = _relation(con, LOAD_ERRORS_TABLE)
    history = _relation(con, LOAD_HISTORY_TABLE)
    commits = _relation(con, LOAD_COMMITS_TABLE)
    design = _design_values(con, catalog)
    tables = _user_tables(con)
    dist = (
        "CASE upper(coalesce(dt.diststyle, 'AUTO')) "
        + " ".join(f"WHEN '{k}' THEN {v}" for k, v in _DIST_CODES.items())
        + " ELSE 11 END"
    )
    table_design = (
        f"(SELECT tablename, max(diststyle) AS diststyle, "
        "max(CASE WHEN is_distkey THEN colname END) AS distkey, "
        "max(CASE WHEN sortpos = 1 THEN colname END) AS sortkey1, "
        "count(*) FILTER (WHERE sortpos > 0) AS sortkey_num, "
        f"max(max_length) AS max_varchar FROM {design} GROUP BY tablename)"
    )
    return {
        "stl_load_errors": f"""
SELECT {USER_ID} AS userid, 0 AS slice, {table_id("e.tbl")} AS tbl, e.starttime,
    CAST(coalesce(h.session, 0) AS INTEGER) AS session, CAST(e.query AS INTEGER) AS query,
    e.filename, e.line_number, e.colname, e.type, e.col_length, 0 AS position, e.raw_line,
    e.raw_field_value, e.err_code, e.err_reason, 0 AS is_partial, CAST(0 AS BIGINT) AS start_offset,
    CAST(0 AS BIGINT) AS copy_job_id
FROM {errors} e LEFT JOIN {history} h USING (query)""",
        "sys_load_error_detail": f"""
SELECT {USER_ID} AS user_id, e.query AS query_id, CAST(NULL AS BIGINT) AS transaction_id,
    CAST(coalesce(h.session, 0) AS INTEGER) AS session_id, current_database() AS database_name,
    {table_id("e.tbl")} AS table_id, e.starttime AS start_time, e.filename AS file_name,
    e.line_number, e.colname AS column_name, e.type AS column_type,
    e.col_length AS column_length, 0 AS position, e.err_code AS error_code,
    e.err_reason AS error_message
FROM {errors} e LEFT JOIN {history} h USING (query)""",
        "stl_load_commits": f"""
SELECT {USER_ID} AS userid, CAST(c.query AS INTEGER) AS query, 0 AS slice,
    c.table_name AS name, c.filename, 0 AS byte_offset, CAST(NULL AS INTEGER) AS lines_scanned,
    0 AS errors, c.curtime, 0 AS status, 'Json' AS file_format, 0 AS is_partial,
    CAST(0 AS BIGINT) AS start_offset, CAST(0 AS BIGINT) AS copy_job_id
FROM {commits} c""",
        "sys_load_history": f"""
SELECT {USER_ID} AS user_id, h.query AS query_id, CAST(NULL AS BIGINT) AS transaction_id,
    CAST(h.session AS INTEGER) AS session_id, current_database() AS database_name, h.status,
    h.table_name, h.starttime AS start_time, h.endtime AS end_time,
    CAST(epoch_us(h.endtime) - epoch_us(h.starttime) AS BIGINT) AS duration, h.data_source,
    'json' AS file_format, h.loaded_rows, h.loaded_bytes, h.source_file_count,
    h.source_file_bytes, h.source_file_count AS file_count_scanned,
    h.source_file_bytes AS file_bytes_scanned, h.error_count, CAST(0 AS BIGINT) AS copy_job_id
FROM {history} h""",
        "stv_tbl_perm": f"""
SELECT 0 AS slice, {table_id("t.table_name")} AS id, t.table_name AS name,
    CAST(t.estimated_size AS BIGINT) AS rows, CAST(t.estimated_size AS BIGINT) AS sorted_rows,
    CAST(t.temporary AS INTEGER) AS temp, CAST(t.database_oid AS INTEGER) AS db_id,
    0 AS insert_pristine, 0 AS delete_pristine, 1 AS backup, {dist} AS dist_style,
    -1 AS block_count
FROM {tables} t LEFT JOIN {table_design} dt ON dt.tablename = lower(t.table_name)""",
        "svv_table_info": f"""
SELECT current_database() AS database, t.schema_name AS schema,
    {table_id("t.table_name")} AS table_id, t.table_name AS "table", 'N' AS encoded,
    CASE upper(coalesce(dt.diststyle, 'AUTO'))
        WHEN 'KEY' THEN 'KEY(' || dt.distkey || ')' WHEN 'ALL' THEN 'ALL'
        WHEN 'EVEN' THEN 'EVEN' ELSE 'AUTO(EVEN)' END AS diststyle,
    dt.sortkey1, CAST(coalesce(dt.max_varchar, vc.widest) AS INTEGER) AS max_varchar,
    CASE WHEN dt.sortkey1 IS NOT NULL THEN 'none' END AS sortkey1_enc,
    CAST(coalesce(dt.sortkey_num, 0) AS INTEGER) AS sortkey_num, CAST(NULL AS BIGINT) AS size,
    CAST(NULL AS DECIMAL(10, 4)) AS pct_used, CAST(0 AS BIGINT) AS empty,
    CAST(NULL AS DECIMAL(5, 2)) AS unsorted, CAST(0 AS DECIMAL(5, 2)) AS stats_off,
    CAST(t.estimated_size AS DECIMAL(38, 0)) AS tbl_rows,
    CAST(NULL AS DECIMAL(19, 2)) AS skew_sortkey1, CAST(NULL AS DECIMAL(19, 2)) AS skew_rows,
    CAST(t.estimated_size AS DECIMAL(38, 0)) AS estimated_visible_rows
FROM {tables} t
LEFT JOIN {table_design} dt ON dt.tablename = lower(t.table_name)
LEFT JOIN (SELECT table_name, CASE WHEN bool_or(data_type = 'VARCHAR') THEN 256 END AS widest
    FROM duckdb_columns() WHERE database_name = current_database() GROUP BY table_name) vc
    ON vc.table_name = t.table_name
WHERE t.estimated_size > 0""",
        "pg_table_def": f"""
SELECT c.schema_name AS schemaname, c.table_name AS tablename, c.column_name AS "column",
    coalesce(d.pgtype, {_pg_type_sql("c.data_type")}) AS type, 'none' AS encoding,
    coalesce(d.is_distkey, false) AS distkey, CAST(coalesce(d.sortpos, 0) AS INTEGER) AS sortkey,
    NOT c.is_nullable AS notnull
FROM duckdb_columns() c
JOIN {tables} t ON t.table_name = c.table_name AND t.schema_name = c.schema_name
LEFT JOIN {design} d ON d.tablename = lower(c.table_name) AND d.colname = lower(c.column_name)
WHERE c.database_name = current_database() AND c.schema_name = 'main'
ORDER BY c.table_name, c.column_index""",
    }


def install(
    con: duckdb.DuckDBPyConnection, catalog: Catalog | None, *, writable: bool = True
) -> None:
    """Create (or refresh) the system views on ``con``; on a writable connection, create the
    load log's storage first and move an old ``stl_load_errors`` table into it."""
    if writable:
        ensure_load_log(con)
        ensure_design_table(con)
        _migrate_old_table(con)
    for name, sql in _view_sql(con, catalog).items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    history = _relation(con, LOAD_HISTORY_TABLE)
    con.execute(
        "CREATE OR REPLACE TEMP MACRO pg_last_copy_id() AS "
        f"(SELECT CAST(coalesce(max(query), -1) AS INTEGER) FROM {history})"
    )


def _migrate_old_table(con: duckdb.DuckDBPyConnection) -> None:
    """Earlier versions kept load errors in a table ``main.stl_load_errors``: move its rows."""
    database = _database(con)
    old = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = 'stl_load_errors'"
    ).fetchone()
    if not old or not old[0]:
        return
    con.begin()  # both or neither: a kill between them must not copy the rows twice
    try:
        con.execute(
            f"INSERT INTO {LOAD_ERRORS_TABLE} SELECT * FROM {database}.main.stl_load_errors"
        )
        con.execute(f"DROP TABLE {database}.main.stl_load_errors")
    except BaseException:
        con.rollback()
        raise
    con.commit()
