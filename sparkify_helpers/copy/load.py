"""Load cached files into the target table in DuckDB SQL: map fields, convert, reject, insert.

Three set-based steps over temp tables: records (one per JSON object, see ``records``),
converted values with a Redshift error code per column (see ``convert``), then either a
failure (more rejected rows than MAXERROR, nothing inserted) or one INSERT of the good rows.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.convert import conversion
from sparkify_helpers.copy.fetch import CachedFile
from sparkify_helpers.copy.load_errors import LOAD_ERRORS_COLUMNS, failure_message
from sparkify_helpers.copy.records import load_records
from sparkify_helpers.copy.sqltext import sql_ident, sql_string
from sparkify_helpers.copy.statement import CopyCommand
from sparkify_helpers.errors import CopyError


@dataclass(frozen=True)
class LoadOutcome:
    """What one load did: rows inserted, rows rejected and their stl_load_errors records."""

    rows_loaded: int
    rows_rejected: int
    load_errors: pd.DataFrame


def _fields_sql(
    records: str, columns: list[TargetColumn], cmd: CopyCommand, paths: list[str] | None
) -> str:
    """Readable records with each column's field as text ``r_i`` (NULL when absent or null).

    Fixed paths are read with one ``json_extract_string`` call (one parse per record);
    'auto ignorecase' looks each column up among the record's keys.
    """
    readable = f"FROM {records} WHERE status_code IS NULL"
    if not cmd.ignorecase:
        fixed = paths or [f'$."{c.name.lower()}"' for c in columns]
        listed = ", ".join(sql_string(p) for p in fixed)
        fields = ", ".join(f"f[{i + 1}] AS r_{i}" for i in range(len(columns)))
        return (
            f"SELECT rec_id, {fields} "
            f"FROM (SELECT rec_id, json_extract_string(text, [{listed}]) AS f {readable})"
        )
    keys = [
        f"list_filter(json_keys(text), lambda k: lower(k) = {sql_string(c.name.lower())})[1]"
        for c in columns
    ]
    fields = ", ".join(
        f"json_extract_string(text, '$.\"' || {key} || '\"') AS r_{i}" for i, key in enumerate(keys)
    )
    return f"SELECT rec_id, {fields} {readable}"


def _converted_sql(
    records: str, columns: list[TargetColumn], cmd: CopyCommand, paths: list[str] | None
) -> str:
    """Per readable record: value ``v_i``, error code ``e_i`` and raw text ``r_i`` (on error)."""
    convs = [conversion(c, cmd, f"r_{i}") for i, c in enumerate(columns)]
    idx = range(len(columns))
    values = ", ".join(f"{convs[i].value} AS v_{i}" for i in idx)
    errors = ", ".join(f"{convs[i].error_sql(f'v_{i}')} AS e_{i}" for i in idx)
    kept = ", ".join(
        f"v_{i}, e_{i}, CASE WHEN e_{i} IS NOT NULL THEN r_{i} END AS r_{i}" for i in idx
    )
    return f"""
SELECT rec_id, {kept} FROM (
    SELECT *, {errors} FROM (
        SELECT *, {values} FROM ({_fields_sql(records, columns, cmd, paths)})
    )
)
"""


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
    filename, line_number, NULL AS colname, NULL AS type, NULL AS col_length, raw_line,
    NULL AS raw_field_value, status_code AS err_code, status_reason AS err_reason
FROM {records} WHERE status_code IS NOT NULL
UNION ALL
SELECT $query::BIGINT, $starttime::TIMESTAMP, $tbl, r.filename, r.line_number,
    {pick(names)}, {pick(types)}, {pick(lengths)}, r.raw_line,
    left({pick([f"r_{i}" for i in idx])}, 1024),
    {pick([f"e_{i}" for i in idx])},
    {pick([convs[i].reason_sql(f"e_{i}") for i in idx])}
FROM (SELECT *, {first_bad} AS k FROM {converted}) c JOIN {records} r USING (rec_id)
WHERE k IS NOT NULL
ORDER BY filename, line_number
"""


def run_load(
    con: duckdb.DuckDBPyConnection,
    cmd: CopyCommand,
    columns: list[TargetColumn],
    files: list[CachedFile],
    json_paths: list[str] | None,
    query_id: int,
    starttime: datetime,
) -> LoadOutcome:
    """Read, convert and insert; raise CopyError (with ``.load_errors``) past MAXERROR."""
    suffix = uuid.uuid4().hex[:12]
    records, converted = f"__copy_records_{suffix}", f"__copy_converted_{suffix}"
    try:
        load_records(
            con,
            records,
            [str(f.path) for f in files],
            [f.uri for f in files],
            cmd.acceptinvchars,
            json_objects_only=json_paths is None,
        )
        con.execute(
            f"CREATE TEMP TABLE {converted} AS {_converted_sql(records, columns, cmd, json_paths)}"
        )
        params = {"query": query_id, "starttime": starttime, "tbl": cmd.table}
        errors = con.execute(_errors_sql(records, converted, columns, cmd), params).df()
        errors = errors[list(LOAD_ERRORS_COLUMNS)]
        if len(errors) > cmd.maxerror:
            failure = CopyError(failure_message(cmd.table, errors, cmd.maxerror))
            failure.load_errors = errors  # type: ignore[attr-defined]
            raise failure
        target = ".".join(sql_ident(p) for p in cmd.table.split("."))
        names = ", ".join(sql_ident(c.name) for c in columns)
        good = " AND ".join(f"e_{i} IS NULL" for i in range(len(columns))) or "TRUE"
        values = ", ".join(f"v_{i}" for i in range(len(columns)))
        inserted = con.execute(
            f"INSERT INTO {target} ({names}) SELECT {values} FROM {converted} WHERE {good}"
        ).fetchone()[0]
    except duckdb.Error as exc:
        raise CopyError(
            f"Load into table '{cmd.table}' failed while reading or inserting the data: {exc}"
        ) from exc
    finally:
        for name in (converted, records):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS {name}")
    return LoadOutcome(int(inserted), len(errors), errors)
