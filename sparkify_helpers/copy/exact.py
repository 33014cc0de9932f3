"""The exact path of a batch: every record with its line number, every rejection recorded.

Three set-based steps over temp tables: records (one per JSON object, see ``records``),
converted values with a Redshift error code per column (see ``fields`` and ``convert``), then
the rejected rows appended to the COPY's errors table and the good rows to the target table.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import duckdb

from sparkify_helpers.copy.batches import BatchInput
from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.convert import conversion
from sparkify_helpers.copy.fields import (
    converted_sql,
    field_list,
    fixed_paths,
    ignorecase_fields,
    value_list,
)
from sparkify_helpers.copy.jsonpaths import index_checks
from sparkify_helpers.copy.records import load_records, raw_line_sql
from sparkify_helpers.copy.sqltext import scalar, sql_string
from sparkify_helpers.copy.statement import CopyCommand
from sparkify_helpers.errors import CopyError


def _fields_sql(
    records: str, columns: list[TargetColumn], cmd: CopyCommand, paths: list[str] | None
) -> str:
    """Readable records with each column's field as text ``r_i``.

    Fixed paths are read with one ``json_extract_string`` call (one parse per record);
    'auto ignorecase' looks each column up among the record's keys.
    """
    readable = f"FROM {records} WHERE status_code IS NULL"
    if cmd.ignorecase:
        return f"SELECT rec_id, {ignorecase_fields(columns)} {readable}"
    return (
        f"SELECT rec_id, {field_list(columns)} FROM "
        f"(SELECT rec_id, json_extract_string(text, {fixed_paths(columns, paths)}) AS f {readable})"
    )


def _converted_sql(
    records: str, columns: list[TargetColumn], cmd: CopyCommand, paths: list[str] | None
) -> str:
    """Per readable record: value ``v_i``, error code ``e_i`` and raw text ``r_i`` (on error)."""
    kept = ", ".join(
        f"v_{i}, e_{i}, CASE WHEN e_{i} IS NOT NULL THEN r_{i} END AS r_{i}"
        for i in range(len(columns))
    )
    source = _fields_sql(records, columns, cmd, paths)
    return f"SELECT rec_id, {kept} FROM ({converted_sql(source, columns, cmd)})"


def _errors_sql(records: str, converted: str, columns: list[TargetColumn], cmd: CopyCommand) -> str:
    """stl_load_errors rows: unreadable records plus the first bad column of converted ones."""
    convs = [conversion(c, cmd, f"r_{i}") for i, c in enumerate(columns)]
    idx = range(len(columns))

    def pick(parts: list[str]) -> str:
        return "CASE k " + " ".join(f"WHEN {i} THEN {p}" for i, p in enumerate(parts)) + " END"

    names = [sql_string(c.name) for c in columns]
    types = [sql_string(c.redshift_type) for c in columns]
    lengths = [sql_string(str(c.length)) if c.length else "NULL" for c in columns]
    first_bad = "CASE " + " ".join(f"WHEN e_{i} IS NOT NULL THEN {i}" for i in idx) + " END"
    return f"""
SELECT $query::BIGINT AS query, $starttime::TIMESTAMP AS starttime, $tbl AS tbl,
    filename, line_number, NULL AS colname, NULL AS type, NULL AS col_length,
    coalesce(raw_line, {raw_line_sql("text")}),
    NULL AS raw_field_value, status_code AS err_code, status_reason AS err_reason
FROM {records} WHERE status_code IS NOT NULL
UNION ALL
SELECT $query::BIGINT, $starttime::TIMESTAMP, $tbl, r.filename, r.line_number,
    {pick(names)}, {pick(types)}, {pick(lengths)}, coalesce(r.raw_line, {raw_line_sql("r.text")}),
    left({pick([f"r_{i}" for i in idx])}, 1024),
    {pick([f"e_{i}" for i in idx])},
    {pick([convs[i].reason_sql(f"e_{i}") for i in idx])}
FROM (SELECT *, {first_bad} AS k FROM {converted}) c JOIN {records} r USING (rec_id)
WHERE k IS NOT NULL
"""


def _check_indexes(con: duckdb.DuckDBPyConnection, records: str, paths: list[str] | None) -> None:
    """Fail the COPY when a JSONPaths array index has no element in a readable record
    (copy-parameters-data-format.md: "COPY fails with the following error: Invalid JSONPath
    format: Not an array or index out of range.")."""
    for path in paths or []:
        for prefix, index in index_checks(path):
            kind = f"json_type(text, {sql_string(prefix)})"
            found = con.execute(
                f"SELECT filename, line_number FROM {records} WHERE status_code IS NULL "
                f"AND {kind} IS NOT NULL AND ({kind} <> 'ARRAY' "
                f"OR json_array_length(text, {sql_string(prefix)}) <= {index}) "
                "ORDER BY filename, line_number LIMIT 1"
            ).fetchone()
            if found is not None:
                raise CopyError(
                    "Invalid JSONPath format: Not an array or index out of range. "
                    f"{path} at line {found[1]} of {found[0]}: remove the array element from "
                    "the JSONPaths file or fix the arrays in the data."
                )


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: BatchInput,
    cmd: CopyCommand,
    columns: list[TargetColumn],
    json_paths: list[str] | None,
    insert_into: str,
    errors_table: str,
    error_params: dict[str, Any],
) -> int:
    """Load one batch exactly: append its rejections to ``errors_table``, insert the good rows
    with ``insert_into`` (``INSERT INTO target (cols)``); return the number inserted."""
    suffix = uuid.uuid4().hex[:12]
    records, converted = f"__copy_records_{suffix}", f"__copy_converted_{suffix}"
    try:
        load_records(
            con, records, batch.contents(), cmd.acceptinvchars, json_objects_only=json_paths is None
        )
        _check_indexes(con, records, json_paths)
        con.execute(
            f"CREATE TEMP TABLE {converted} AS {_converted_sql(records, columns, cmd, json_paths)}"
        )
        con.execute(
            f"INSERT INTO {errors_table} {_errors_sql(records, converted, columns, cmd)}",
            error_params,
        )
        good = " AND ".join(f"e_{i} IS NULL" for i in range(len(columns))) or "TRUE"
        return scalar(
            con, f"{insert_into} SELECT {value_list(columns)} FROM {converted} WHERE {good}"
        )
    finally:
        for name in (converted, records):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {name}")
