"""The COPY target's columns: DuckDB types and nullability, plus declared VARCHAR lengths.

DuckDB keeps no VARCHAR(n) length in its catalog, so byte limits come from the caller
(``column_lengths``), typically the catalog of the canonical Redshift DDL
(``catalog.read_catalog().lengths(table)``), and so do the CHAR columns (``fixed_width``),
which DuckDB stores as VARCHAR.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import duckdb

from sparkify_helpers.errors import CopyError


@dataclass(frozen=True)
class TargetColumn:
    """One column a COPY fills."""

    name: str
    type: str
    nullable: bool
    length: int | None = None
    fixed: bool = False  # a CHAR column: single-byte characters only (r_Character_types.md)

    @property
    def family(self) -> str:
        """The conversion family: text, integer, float, decimal, boolean, timestamp, date, other."""
        base = self.type.split("(")[0].upper()
        families = {
            "VARCHAR": "text",
            "TINYINT": "integer",
            "SMALLINT": "integer",
            "INTEGER": "integer",
            "BIGINT": "integer",
            "HUGEINT": "integer",
            "DOUBLE": "float",
            "FLOAT": "float",
            "DECIMAL": "decimal",
            "BOOLEAN": "boolean",
            "TIMESTAMP": "timestamp",
            "TIMESTAMP WITH TIME ZONE": "timestamp",
            "DATE": "date",
        }
        return families.get(base, "other")

    @property
    def redshift_type(self) -> str:
        """The type name Redshift shows in ``stl_load_errors.type``."""
        base = self.type.split("(")[0].upper()
        names = {
            "VARCHAR": "varchar",
            "SMALLINT": "int2",
            "INTEGER": "int4",
            "BIGINT": "int8",
            "DOUBLE": "float8",
            "FLOAT": "float4",
            "DECIMAL": "numeric",
            "BOOLEAN": "bool",
            "TIMESTAMP": "timestamp",
            "TIMESTAMP WITH TIME ZONE": "timestamptz",
            "DATE": "date",
        }
        return names.get(base, base.lower())


_FIXED = re.compile(r"(N?CHAR|BPCHAR|CHARACTER)\b(?!\s+VARYING)", re.IGNORECASE)


def char_columns(types: Mapping[str, str]) -> frozenset[str]:
    """The CHAR columns of ``{column: Redshift type}`` (e.g. a catalog table's)."""
    return frozenset(name for name, kind in types.items() if _FIXED.match(kind.strip()))


def _split_table(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return (schema or None), name


def target_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[str] | None,
    lengths: Mapping[str, int] | None,
    fixed_width: Collection[str] = (),
) -> list[TargetColumn]:
    """The columns the COPY fills, in COPY order (the column list, else the table's order)."""
    schema, name = _split_table(table)
    rows = con.execute(
        """
        SELECT column_name, data_type, is_nullable
        FROM duckdb_columns()
        WHERE lower(table_name) = lower(?)
          AND database_name = current_database()
          AND lower(schema_name) = lower(coalesce(?, current_schema()))
        ORDER BY column_index
        """,
        [name, schema],
    ).fetchall()
    if not rows:
        raise CopyError(
            f'relation "{table}" does not exist: create the table before running its COPY.'
        )
    lowered = {k.lower(): v for k, v in (lengths or {}).items()}
    fixed = {c.lower() for c in fixed_width}
    by_name = {
        col.lower(): TargetColumn(
            col, dtype, bool(nullable), lowered.get(col.lower()), col.lower() in fixed
        )
        for col, dtype, nullable in rows
    }
    wanted = [c.lower() for c in columns] if columns else list(by_name)
    missing = [c for c in wanted if c not in by_name]
    if missing:
        raise CopyError(
            f'column "{missing[0]}" of relation "{table}" does not exist: fix the COPY column list.'
        )
    return [by_name[c] for c in wanted]
