"""The fast path of a batch: its lines straight to converted rows, without line numbers.

Most input is newline-delimited JSON objects, one per line, that all load. For such a batch
the exact reader's extra work (numbering lines, gluing multi-line records, keeping each
record's text for stl_load_errors) is wasted, and its one-row-per-file split runs on a single
thread. The fast path converts the batch's lines (see ``BatchInput.lines``) in one parallel
query into a temp table of typed values plus a ``rejected`` flag. A line is flagged when it is
neither blank nor a '{'-led JSON object that parses, when it is over 4 MB (the exact reader
fails the COPY for it), or when any column fails to convert.

If no line is flagged, the exact reader would find the same records (every record is one
line) with the same fields and values (the SQL is shared, see ``fields``), and no error, so
the rows are inserted. Otherwise nothing is inserted and the caller reads the batch exactly.
'auto ignorecase' and JSONPaths with an array index (checked for range by the exact path)
always take the exact path.
"""

from __future__ import annotations

import contextlib
import uuid

import duckdb

from sparkify_helpers.copy.batches import BatchInput
from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.fields import (
    any_error,
    converted_sql,
    field_list,
    fixed_paths,
    value_list,
)
from sparkify_helpers.copy.jsonpaths import has_index
from sparkify_helpers.copy.records import MAX_OBJECT_BYTES, non_json_number
from sparkify_helpers.copy.sqltext import scalar
from sparkify_helpers.copy.statement import CopyCommand


def fast_sql(
    lines: str, columns: list[TargetColumn], cmd: CopyCommand, paths: list[str] | None
) -> str:
    """Converted values ``v_i`` and ``rejected`` for every non-blank line of ``lines``.

    Blank means what the exact reader skips (only whitespace); a line that does not start with
    '{' is only tested for that (the regex runs on those lines alone).
    """
    extracted = (
        f"SELECT line, CASE WHEN starts_with(line, '{{') "
        f"THEN try(json_extract_string(line, {fixed_paths(columns, paths)})) END AS f, "
        f"strlen(line) > {MAX_OBJECT_BYTES} AS oversize FROM {lines} "
        r"WHERE line <> '' AND (starts_with(line, '{') OR NOT regexp_full_match(line, '\s*'))"
    )
    fields = (
        f"SELECT {field_list(columns)}, f IS NULL OR oversize OR {non_json_number('line')} "
        f"AS unreadable FROM ({extracted})"  # NaN: the exact path rejects it
    )
    return (
        f"SELECT {value_list(columns)}, unreadable OR {any_error(columns)} AS rejected "
        f"FROM ({converted_sql(fields, columns, cmd)})"
    )


def load_batch(
    con: duckdb.DuckDBPyConnection,
    batch: BatchInput,
    cmd: CopyCommand,
    columns: list[TargetColumn],
    json_paths: list[str] | None,
    insert_into: str,
) -> int | None:
    """Insert the batch's rows with ``insert_into`` if every line loads; else insert nothing
    and return None (the batch then needs the exact path)."""
    if cmd.ignorecase or not columns or has_index(json_paths):
        return None
    lines = batch.lines()
    if lines is None:
        return None
    table = f"__copy_fast_{uuid.uuid4().hex[:12]}"
    try:
        con.execute(
            f"CREATE TEMP TABLE {table} AS {fast_sql(lines, columns, cmd, json_paths)}",
            batch.read_params,
        )
        rejected = scalar(con, f"SELECT count(*) FROM {table} WHERE rejected")
        if rejected:
            return None
        return scalar(con, f"{insert_into} SELECT {value_list(columns)} FROM {table}")
    finally:
        with contextlib.suppress(duckdb.Error):
            con.execute(f"DROP TABLE IF EXISTS {table}")
