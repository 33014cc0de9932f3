"""``execute_copy``: run one rendered Redshift COPY statement against a DuckDB warehouse."""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from sparkify_helpers.copy.batches import DEFAULT_TUNING, CopyTuning
from sparkify_helpers.copy.columns import TargetColumn, target_columns
from sparkify_helpers.copy.fetch import fetch, list_manifest, list_prefix, read_text
from sparkify_helpers.copy.jsonpaths import parse_jsonpaths
from sparkify_helpers.copy.load import run_load
from sparkify_helpers.copy.load_errors import empty_load_errors, next_query_id
from sparkify_helpers.copy.statement import CopyCommand, parse_copy
from sparkify_helpers.errors import CopyError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CopyResult:
    """What a successful COPY did."""

    table: str
    files: int
    bytes: int
    rows_loaded: int
    rows_rejected: int
    load_errors: pd.DataFrame
    seconds: float
    files_downloaded: int = 0
    batches: int = 0
    exact_batches: int = 0
    query: int = 0
    starttime: datetime | None = None
    source: str = ""
    sources: tuple[tuple[str, int], ...] = ()  # each file read: (uri, bytes)


def _jsonpaths(s3: Any, cmd: CopyCommand, columns: list[TargetColumn]) -> list[str] | None:
    """The DuckDB paths of the COPY's JSONPaths file, checked against the column count."""
    uri = cmd.jsonpaths_uri
    if uri is None:
        return None
    paths = parse_jsonpaths(read_text(s3, uri, "JSONPaths file"), uri)
    if paths is None:
        log.warning("%s has no \"jsonpaths\" key: COPY maps the fields as 'auto'", uri)
        return None
    if len(paths) != len(columns):
        raise CopyError(
            "Number of jsonpaths and the number of columns should match. "
            f"JSONPath size: {len(paths)}, Number of columns in table or column list: "
            f"{len(columns)}. Fix {uri} or the COPY column list."
        )
    return paths


def execute_copy(
    con: duckdb.DuckDBPyConnection,
    statement: str,
    s3_client: Any,
    cache_dir: Path,
    column_lengths: Mapping[str, int] | None = None,
    tuning: CopyTuning = DEFAULT_TUNING,
    fixed_width: Collection[str] = (),
) -> CopyResult:
    """Run a Redshift COPY with Redshift's semantics; never begins or commits a transaction.

    ``column_lengths`` maps column name to its declared VARCHAR byte length (DuckDB forgets
    lengths; see ``catalog.Catalog.lengths``); ``fixed_width`` names the CHAR columns. With
    NOLOAD the data is read, converted and checked, and nothing is inserted. Raises CopyError
    with ``.load_errors`` on failure.
    """
    started, starttime = time.perf_counter(), datetime.now(timezone.utc).replace(tzinfo=None)
    table = "?"
    try:
        cmd = parse_copy(statement)
        table = cmd.table
        columns = target_columns(
            con, cmd.table, cmd.columns, column_lengths, fixed_width, cmd.explicit_ids
        )
        json_paths = _jsonpaths(s3_client, cmd, columns)
        lister = list_manifest if cmd.manifest else list_prefix
        files = fetch(s3_client, lister(s3_client, cmd.source), Path(cache_dir), cmd.gzip)
        query = next_query_id(con)
        outcome = run_load(con, cmd, columns, files, json_paths, query, starttime, tuning)
    except CopyError as exc:
        if exc.load_errors is not None:
            raise
        raise CopyError(f"Load into table '{table}' failed. {exc}", empty_load_errors()) from exc
    result = CopyResult(
        table=cmd.table,
        files=len(files),
        bytes=sum(f.size for f in files),
        rows_loaded=outcome.rows_loaded,
        rows_rejected=outcome.rows_rejected,
        load_errors=outcome.load_errors,
        seconds=time.perf_counter() - started,
        files_downloaded=sum(f.downloaded for f in files),
        batches=outcome.batches,
        exact_batches=outcome.exact_batches,
        query=query,
        starttime=starttime,
        source=cmd.source,
        sources=tuple((f.uri, f.size) for f in files),
    )
    log.info(
        "COPY %s: %d files, %d bytes, %d rows loaded, %d rejected, %d batches (%d exact), %.2fs",
        result.table,
        result.files,
        result.bytes,
        result.rows_loaded,
        result.rows_rejected,
        result.batches,
        result.exact_batches,
        result.seconds,
    )
    return result
