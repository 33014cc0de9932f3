"""The local target's emulation of Amazon Redshift's COPY from S3 (JSON), on DuckDB.

``execute_copy`` parses a rendered COPY, lists and caches its S3 objects through boto3,
and loads them with DuckDB SQL with Redshift's mapping, conversion and MAXERROR semantics;
rejected rows come back as ``stl_load_errors`` records. ``record_load_errors`` and
``record_load`` keep what a COPY did for Redshift's load views (``warehouse.system_views``).
"""

from __future__ import annotations

from sparkify_helpers.copy.batches import DEFAULT_TUNING, CopyTuning
from sparkify_helpers.copy.execute import CopyResult, execute_copy
from sparkify_helpers.copy.load_errors import (
    LOAD_ERRORS_COLUMNS,
    ensure_load_errors_table,
    record_load_errors,
)
from sparkify_helpers.copy.load_log import LoadRecord, ensure_load_log, record_load
from sparkify_helpers.copy.statement import CopyCommand, parse_copy

__all__ = [
    "DEFAULT_TUNING",
    "LOAD_ERRORS_COLUMNS",
    "CopyCommand",
    "CopyResult",
    "CopyTuning",
    "LoadRecord",
    "ensure_load_errors_table",
    "ensure_load_log",
    "execute_copy",
    "parse_copy",
    "record_load",
    "record_load_errors",
]
