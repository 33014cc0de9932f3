"""Shared fixtures and helpers for the COPY emulation tests: moto S3 and staging tables.

The staging tables are the project's own: the statements of ``sql/create`` translated for
DuckDB, and the COPY statements of ``sql/copy`` rendered for the test bucket.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws

from sparkify_helpers import sqlfiles
from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.copy import DEFAULT_TUNING, execute_copy, parse_copy
from sparkify_helpers.dialect import is_copy, translate
from sparkify_helpers.errors import CopyError
from sparkify_helpers.paths import sql_dir

BUCKET = "sparkify-test"

# Values for the {{placeholders}} of sql/copy, pointing into the test bucket.
COPY_PARAMETERS = {
    "role_arn": "arn:aws:iam::123456789012:role/sparkify-test",
    "region": "us-east-1",
    "log_data": f"s3://{BUCKET}/log_data",
    "log_jsonpath": f"s3://{BUCKET}/log_json_path.json",
    "song_data": f"s3://{BUCKET}/song_data",
    "log_manifest": f"s3://{BUCKET}/manifests/log.manifest",
    "song_manifest": f"s3://{BUCKET}/manifests/song.manifest",
    "load_files": f"s3://{BUCKET}/manifests/load_files.json",
}


@functools.cache
def _boto3_session() -> boto3.session.Session:
    """One session for every test client: a new one reloads the S3 model (about 0.5 s)."""
    return boto3.session.Session()


@contextmanager
def mocked_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """An in-process moto S3 client with an empty test bucket (fake credentials)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = _boto3_session().client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@functools.cache
def _created_tables() -> tuple[str, ...]:
    """The DuckDB translation of every statement of ``sql/create`` (translated once)."""
    files = sqlfiles.read_sql_folder(create_dir())
    return tuple(duck for f in files for statement in f.statements for duck in translate(statement))


def staging_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the project's tables, created by its own ``sql/create``."""
    connection = duckdb.connect()
    for statement in _created_tables():
        connection.execute(statement)
    return connection


def shipped_copy(table: str, **parameters: str) -> str:
    """The project's COPY into ``table`` from ``sql/copy``, rendered with test parameters.

    ``parameters`` override ``COPY_PARAMETERS`` (e.g. ``log_data`` for one file). The load
    COPYs FROM a manifest (``MANIFEST``); this is the same statement reading the prefix
    ``log_data`` / ``song_data`` instead, every other option as shipped.
    """
    values = {**COPY_PARAMETERS, **parameters}
    values["log_manifest"], values["song_manifest"] = values["log_data"], values["song_data"]
    for sql_file in sqlfiles.read_sql_folder(sql_dir() / "copy"):
        for statement in sql_file.statements:
            if is_copy(statement):
                rendered = re.sub(r"\nMANIFEST\b", "", sqlfiles.render(statement, values))
                if parse_copy(rendered).table == table:
                    return rendered
    raise AssertionError(f"sql/copy has no COPY into {table}")


def staging_connection_with_t() -> duckdb.DuckDBPyConnection:
    """The staging tables plus a small table ``t`` of each column kind the COPY converts."""
    connection = staging_connection()
    connection.execute("CREATE TABLE t (id INTEGER, name VARCHAR, big BIGINT, seen_at TIMESTAMP)")
    return connection


def put(s3: object, key: str, body: str | bytes) -> str:
    """Upload ``body`` to the test bucket; return its s3:// URI."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    s3.put_object(Bucket=BUCKET, Key=key, Body=data)  # type: ignore[attr-defined]
    return f"s3://{BUCKET}/{key}"


def ndjson(*records: dict) -> str:
    """Newline-delimited JSON text of the records."""
    return "".join(json.dumps(r) + "\n" for r in records)


def copy(con, s3, tmp_path: Path, statement: str, lengths=None, tuning=DEFAULT_TUNING, fixed=()):
    """Run ``execute_copy`` with a cache under ``tmp_path``.

    Without ``lengths``, a table of ``sql/create`` gets its declared VARCHAR lengths from the
    catalog, as the local warehouse passes them.
    """
    if lengths is None:
        try:
            table = parse_copy(statement).table
        except CopyError:  # execute_copy reports it, with its load_errors
            table = ""
        catalog = read_catalog()
        lengths = catalog.lengths(table) if table in catalog else None
    return execute_copy(
        con,
        statement,
        s3,
        tmp_path / "cache",
        column_lengths=lengths,
        tuning=tuning,
        fixed_width=fixed,
    )
