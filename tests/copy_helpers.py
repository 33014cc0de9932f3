"""Shared fixtures and helpers for the COPY emulation tests: moto S3 and staging tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import duckdb
import pytest
from moto import mock_aws

from sparkify_helpers.copy import execute_copy

BUCKET = "sparkify-test"

STAGING_EVENTS = """CREATE TABLE staging_events (
    artist VARCHAR(512), auth VARCHAR(32), first_name VARCHAR(256), gender VARCHAR(8),
    item_in_session INTEGER, last_name VARCHAR(256), length DOUBLE, level VARCHAR(16),
    location VARCHAR(512), method VARCHAR(16), page VARCHAR(64), registration BIGINT,
    session_id INTEGER, song VARCHAR(512), status INTEGER, ts TIMESTAMP,
    user_agent VARCHAR(1024), user_id INTEGER)"""
STAGING_SONGS = """CREATE TABLE staging_songs (
    num_songs INTEGER, artist_id VARCHAR(32), artist_latitude DOUBLE, artist_longitude DOUBLE,
    artist_location VARCHAR(512), artist_name VARCHAR(512), song_id VARCHAR(32),
    title VARCHAR(512), duration DOUBLE, year INTEGER)"""
LOG_JSONPATHS = [
    "$['artist']",
    "$['auth']",
    "$['firstName']",
    "$['gender']",
    "$['itemInSession']",
    "$['lastName']",
    "$['length']",
    "$['level']",
    "$['location']",
    "$['method']",
    "$['page']",
    "$['registration']",
    "$['sessionId']",
    "$['song']",
    "$['status']",
    "$['ts']",
    "$['userAgent']",
    "$['userId']",
]


@contextmanager
def mocked_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """An in-process moto S3 client with an empty test bucket (fake credentials)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def staging_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the two staging tables."""
    connection = duckdb.connect()
    connection.execute(STAGING_EVENTS)
    connection.execute(STAGING_SONGS)
    return connection


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


def copy(con, s3, tmp_path: Path, statement: str, lengths=None):
    """Run ``execute_copy`` with a cache under ``tmp_path``."""
    return execute_copy(con, statement, s3, tmp_path / "cache", column_lengths=lengths)
