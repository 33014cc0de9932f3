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
    explicit_ids: bool = False,
) -> list[TargetColumn]:
    """The columns the COPY fills, in COPY order (the column list, else the table's order).

    IDENTITY columns (a sequence default, as the translator writes them) follow
    copy-parameters-column-mapping.md: "If no column list is specified, the command behaves as
    if a complete, in-order column list was specified, with IDENTITY columns omitted if
    EXPLICIT_IDS was also not specified"; "If an IDENTITY column is included in the column
    list, then EXPLICIT_IDS must also be specified; if an IDENTITY column is omitted, then
    EXPLICIT_IDS can't be specified"."""
    schema, name = _split_table(table)
    rows = con.execute(
        """
        SELECT column_name, data_type, is_nullable,
            coalesce(lower(column_default) LIKE 'nextval(%', false) AS is_identity
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
        for col, dtype, nullable, _ in rows
    }
    identity = [col.lower() for col, _, _, is_identity in rows if is_identity]
    if columns:
        wanted = [c.lower() for c in columns]
    else:
        wanted = [c for c in by_name if explicit_ids or c not in identity]
    missing = [c for c in wanted if c not in by_name]
    if missing:
        raise CopyError(
            f'column "{missing[0]}" of relation "{table}" does not exist: fix the COPY column list.'
        )
    listed = [c for c in identity if c in wanted]
    if listed and not explicit_ids:
        raise CopyError(
            f'IDENTITY column "{listed[0]}" of relation "{table}" is in the COPY column list: '
            "add EXPLICIT_IDS to load its values from the data, or leave it out of the list."
        )
    if explicit_ids and len(listed) < len(identity):
        omitted = next(c for c in identity if c not in listed)
        raise CopyError(
            f'EXPLICIT_IDS needs the IDENTITY column "{omitted}" of relation "{table}" in the '
            "COPY column list: add it, or drop EXPLICIT_IDS."
        )
    return [by_name[c] for c in wanted]
