"""The Redshift design of the live tables: what DuckDB forgets when the local warehouse creates one.

DuckDB keeps neither ``VARCHAR(n)`` nor ``CHAR(n)`` nor distribution and sort keys. The local
warehouse records them from each ``CREATE TABLE`` it runs (read by the catalog's parser, so
any table, not only those of ``sql/create``) in ``sparkify_system.table_design``, and drops
them with the table. The COPY takes its byte limits and CHAR columns from here, and
``svv_table_info``/``pg_table_def`` their keys (``system_views``); a table created otherwise
falls back on the catalog, then on Redshift's defaults.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import duckdb

from sparkify_helpers.catalog import Catalog, Table, dropped_tables, table_of
from sparkify_helpers.copy.columns import char_columns
from sparkify_helpers.copy.load_errors import SYSTEM_SCHEMA, stored
from sparkify_helpers.dialect.lengths import declared_lengths
from sparkify_helpers.errors import WarehouseError

log = logging.getLogger(__name__)

DESIGN_TABLE = f"{SYSTEM_SCHEMA}.table_design"
# CREATE TABLE IF NOT EXISTS at the start of a line: a no-op when the table exists
IF_NOT_EXISTS = re.compile(r"^\s*CREATE\s+(?:\w+\s+)*?TABLE\s+IF\s+NOT\s+EXISTS\b", re.I | re.M)
_COLUMNS = (
    "table_name VARCHAR, column_name VARCHAR, redshift_type VARCHAR, pg_type VARCHAR, "
    "length INTEGER, fixed BOOLEAN, is_distkey BOOLEAN, sortpos INTEGER, diststyle VARCHAR"
)


REDSHIFT_TYPES = [  # catalog (Redshift) type -> the pg_table_def name
    (r"N?VARCHAR\((\d+)\)|CHARACTER VARYING\((\d+)\)", "character varying({n})"),
    (r"N?CHAR\((\d+)\)|CHARACTER\((\d+)\)|BPCHAR\((\d+)\)", "character({n})"),
    (r"(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)", "numeric({n},{m})"),
    (r"(?:DECIMAL|NUMERIC)\((\d+)\)", "numeric({n},0)"),
    (r"DECIMAL|NUMERIC", "numeric(18,0)"),
    (r"N?VARCHAR\(MAX\)", "character varying(65535)"),
    (r"N?VARCHAR|TEXT|CHARACTER VARYING", "character varying(256)"),
    (r"N?CHAR|CHARACTER", "character(1)"),
    (r"INT|INT4|INTEGER", "integer"),
    (r"BIGINT|INT8", "bigint"),
    (r"SMALLINT|INT2", "smallint"),
    (r"DOUBLE PRECISION|DOUBLE|FLOAT8|FLOAT", "double precision"),
    (r"REAL|FLOAT4", "real"),
    (r"BOOLEAN|BOOL", "boolean"),
    (r"DATE", "date"),
    (r"TIMESTAMP|TIMESTAMP WITHOUT TIME ZONE", "timestamp without time zone"),
    (r"TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE", "timestamp with time zone"),
]


def pg_type(redshift_type: str) -> str:
    """The name pg_table_def shows for a catalog (Redshift) type, e.g. character varying(32)."""
    text = redshift_type.strip().upper()
    for pattern, shown in REDSHIFT_TYPES:
        match = re.fullmatch(pattern, text)
        if match:
            numbers = [g for g in match.groups() if g is not None]
            return shown.format(n=numbers[0] if numbers else "", m=numbers[-1] if numbers else "")
    return redshift_type.lower()


def ensure_design_table(con: duckdb.DuckDBPyConnection) -> None:
    """Create the design table when it does not exist yet."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SYSTEM_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {DESIGN_TABLE} ({_COLUMNS})")


def rows_of(table: Table) -> list[tuple]:
    """The design rows of one catalog table: table, column, Redshift type, pg_table_def type,
    length, CHAR or not, distkey or not, sort key position, diststyle."""
    fixed = char_columns({c.name: c.type for c in table.columns})
    return [
        (
            table.name,
            c.name,
            c.type,
            pg_type(c.type),
            c.length,
            c.name in fixed,
            c.name == table.distkey,
            table.sortkey.index(c.name) + 1 if c.name in table.sortkey else 0,
            table.diststyle,
        )
        for c in table.columns
    ]


def _is_recorded(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the design of ``table`` is recorded."""
    found = con.execute(f"SELECT 1 FROM {DESIGN_TABLE} WHERE table_name = ? LIMIT 1", [table])
    return found.fetchone() is not None


def record_statement(con: duckdb.DuckDBPyConnection, statement: str) -> None:
    """After a CREATE TABLE or DROP TABLE has run, record or forget the table's design.

    Best effort: a statement the catalog's parser cannot read is not recorded (the table then
    falls back on the catalog and Redshift's defaults)."""
    dropped = dropped_tables(statement)
    if dropped:
        if stored(con, DESIGN_TABLE):
            for name in dropped:  # DROP TABLE a, b
                con.execute(f"DELETE FROM {DESIGN_TABLE} WHERE table_name = ?", [name])
        return
    try:
        table = table_of(statement, Path("<statement>"))
    except WarehouseError as exc:
        log.debug("table design not recorded: %s", exc)
        return
    if table is None:
        return
    ensure_design_table(con)
    if IF_NOT_EXISTS.search(statement) and _is_recorded(con, table.name):
        return  # the table was already there: the statement changed nothing
    con.execute(f"DELETE FROM {DESIGN_TABLE} WHERE table_name = ?", [table.name])
    rows = rows_of(table)
    if rows:  # CREATE TABLE c (LIKE p) names no columns; DuckDB refuses an empty executemany
        con.executemany(f"INSERT INTO {DESIGN_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def widths(
    con: duckdb.DuckDBPyConnection, table: str, catalog: Catalog | None
) -> tuple[dict[str, int], frozenset[str]] | None:
    """``({column: byte length}, CHAR columns)`` of a live table: recorded; else the byte
    limits of its length CHECKs (the translator writes them, ``dialect.lengths``); else the
    catalog's; else None (unknown: no limits)."""
    name = table.lower().split(".")[-1]
    if stored(con, DESIGN_TABLE):
        rows = con.execute(
            f"SELECT column_name, length, fixed FROM {DESIGN_TABLE} WHERE table_name = ?", [name]
        ).fetchall()
        if rows:
            lengths = {c: int(n) for c, n, _ in rows if n is not None}
            return lengths, frozenset(c for c, _, f in rows if f)
    checks = con.execute(
        "SELECT expression FROM duckdb_constraints() WHERE constraint_type = 'CHECK' "
        "AND lower(table_name) = ? AND database_name = current_database()",
        [name],
    ).fetchall()
    from_checks = declared_lengths(expression for (expression,) in checks)
    found = catalog.table(name) if catalog is not None and name in catalog else None
    fixed = char_columns({c.name: c.type for c in found.columns}) if found else frozenset()
    if from_checks:
        return from_checks, fixed
    return (found.lengths(), fixed) if found else None
