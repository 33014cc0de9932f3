"""Listing S3 prefixes and manifests, and the ETag-keyed download cache."""

from __future__ import annotations

import errno
import gzip
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from copy_helpers import BUCKET, mocked_s3, put

from sparkify_helpers.copy import fetch as fetch_module
from sparkify_helpers.copy.fetch import (
    HEAD_LIMIT,
    S3Object,
    fetch,
    list_manifest,
    list_prefix,
    read_text,
)
from sparkify_helpers.errors import CopyError


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    with mocked_s3(monkeypatch) as client:
        yield client


def test_prefix_is_a_key_prefix_not_a_folder_and_skips_folder_keys(s3) -> None:
    for key in ("log_data/", "log_data/a.json", "log_data/2018/b.json", "log_data_old.json"):
        put(s3, key, "" if key.endswith("/") else "{}\n")
    put(s3, "song_data/c.json", "{}")
    keys = sorted(o.key for o in list_prefix(s3, f"s3://{BUCKET}/log_data"))
    assert keys == ["log_data/2018/b.json", "log_data/a.json", "log_data_old.json"]
    assert [o.key for o in list_prefix(s3, f"s3://{BUCKET}/log_data/")] == [
        "log_data/2018/b.json",
        "log_data/a.json",
    ]


def test_listing_pages_through_more_than_a_thousand_keys(s3) -> None:
    for i in range(1005):
        put(s3, f"many/{i:05d}.json", "{}")
    assert len(list_prefix(s3, f"s3://{BUCKET}/many/")) == 1005


def test_empty_prefix_raises_redshifts_message(s3) -> None:
    put(s3, "log_data/a.json", "{}")
    with pytest.raises(CopyError, match="The specified S3 prefix 'nothing/here' does not exist"):
        list_prefix(s3, f"s3://{BUCKET}/nothing/here")


def test_missing_bucket_raises_copy_error(s3) -> None:
    with pytest.raises(CopyError, match="The specified bucket does not exist"):
        list_prefix(s3, "s3://no-such-bucket-here/x")


def test_unchanged_objects_come_from_the_cache_and_changed_ones_are_fetched(s3, tmp_path) -> None:
    put(s3, "d/a.json", '{"a": 1}\n')
    put(s3, "d/b.json", '{"a": 2}\n')
    first = fetch(s3, list_prefix(s3, f"s3://{BUCKET}/d/"), tmp_path, gunzip=False)
    assert [f.downloaded for f in first] == [True, True]
    assert first[0].path.read_text() == '{"a": 1}\n'
    assert first[0].path.parent == tmp_path / BUCKET
    stamps = {f.path: f.path.stat().st_mtime_ns for f in first}

    second = fetch(s3, list_prefix(s3, f"s3://{BUCKET}/d/"), tmp_path, gunzip=False)
    assert [f.downloaded for f in second] == [False, False]
    assert {f.path: f.path.stat().st_mtime_ns for f in second} == stamps

    put(s3, "d/b.json", '{"a": 3}\n')
    third = fetch(s3, list_prefix(s3, f"s3://{BUCKET}/d/"), tmp_path, gunzip=False)
    assert [f.downloaded for f in third] == [False, True]
    assert third[1].path != first[1].path
    assert third[1].path.read_text() == '{"a": 3}\n'


def test_gzip_objects_are_cached_decompressed(s3, tmp_path) -> None:
    put(s3, "z/a.json.gz", gzip.compress(b'{"a": 1}\n'))
    (cached,) = fetch(s3, list_prefix(s3, f"s3://{BUCKET}/z/"), tmp_path, gunzip=True)
    assert cached.path.read_bytes() == b'{"a": 1}\n'
    assert cached.path.name.endswith(".gunzip")


def test_plain_file_with_gzip_option_raises_and_leaves_no_cache_entry(s3, tmp_path) -> None:
    put(s3, "z/plain.json", '{"a": 1}\n')
    with pytest.raises(CopyError, match="Cannot decompress s3://sparkify-test/z/plain.json"):
        fetch(s3, list_prefix(s3, f"s3://{BUCKET}/z/"), tmp_path, gunzip=True)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def _manifest(s3, entries: list[tuple[str, bool]]) -> str:
    body = {"entries": [{"url": url, "mandatory": mandatory} for url, mandatory in entries]}
    return put(s3, "manifests/load.manifest", json.dumps(body))


def test_manifest_lists_its_entries_and_skips_missing_optional_ones(s3) -> None:
    a = put(s3, "m/a.json", "{}")
    b = put(s3, "m/b.json", "{}")
    uri = _manifest(s3, [(a, True), (b, False), (f"s3://{BUCKET}/m/gone.json", False)])
    assert [o.uri for o in list_manifest(s3, uri)] == [a, b]


def test_manifest_with_missing_mandatory_file_raises(s3) -> None:
    a = put(s3, "m/a.json", "{}")
    uri = _manifest(s3, [(a, True), (f"s3://{BUCKET}/m/gone.json", True)])
    with pytest.raises(CopyError, match="mandatory file s3://sparkify-test/m/gone.json"):
        list_manifest(s3, uri)


@pytest.mark.parametrize("entries", [3, HEAD_LIMIT + 50], ids=["head each", "one listing"])
def test_a_long_manifest_is_checked_by_listing_with_the_same_outcome(s3, entries) -> None:
    # loading-data-files-using-manifest.md: every listed file loads, in the manifest's order;
    # a missing "mandatory" entry fails, a missing optional one is skipped. Past HEAD_LIMIT
    # entries the emulation lists their prefix instead of one HEAD each: same answer.
    urls = [put(s3, f"long/{n:04d}.json", "{}" * (n % 3 + 1)) for n in reversed(range(entries))]
    put(s3, "long-not-listed/x.json", "{}")
    gone = f"s3://{BUCKET}/long/gone.json"
    uri = _manifest(s3, [*((u, True) for u in urls), (gone, False)])
    listed = list_manifest(s3, uri)
    assert [o.uri for o in listed] == urls
    assert [o.size for o in listed] == [2 * (n % 3 + 1) for n in reversed(range(entries))]
    uri = _manifest(s3, [*((u, True) for u in urls), (gone, True)])
    with pytest.raises(CopyError, match="mandatory file s3://sparkify-test/long/gone.json"):
        list_manifest(s3, uri)


def test_malformed_or_missing_manifest_raises(s3) -> None:
    uri = put(s3, "manifests/bad.manifest", '{"files": []}')
    with pytest.raises(CopyError, match="not in correct json format"):
        list_manifest(s3, uri)
    with pytest.raises(CopyError, match="The specified key does not exist"):
        list_manifest(s3, f"s3://{BUCKET}/manifests/none.manifest")


def test_cache_keys_distinguish_identical_files_at_different_keys(s3, tmp_path: Path) -> None:
    put(s3, "x/1/same.json", "{}\n")
    put(s3, "x/2/same.json", "{}\n")
    files = fetch(s3, list_prefix(s3, f"s3://{BUCKET}/x/"), tmp_path, gunzip=False)
    assert len({f.path for f in files}) == 2


class _FullDisk:
    """A file opened for writing on a full disk."""

    def __init__(self, path, *args) -> None:
        self.path = str(path)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def write(self, data) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", self.path)


@pytest.mark.parametrize("gunzip", [False, True])
def test_a_full_disk_is_reported_as_such_not_as_a_gzip_problem(
    s3, tmp_path, monkeypatch, gunzip
) -> None:
    put(s3, "z/a.json.gz", gzip.compress(b'{"a": 1}\n'))
    monkeypatch.setattr(fetch_module, "open", _FullDisk, raising=False)
    with pytest.raises(CopyError, match="No space left on device") as caught:
        fetch(s3, list_prefix(s3, f"s3://{BUCKET}/z/"), tmp_path, gunzip=gunzip)
    assert "decompress" not in str(caught.value) and "GZIP" not in str(caught.value)
    assert "s3://sparkify-test/z/a.json.gz" in str(caught.value)
    assert str(tmp_path / BUCKET) in str(caught.value)


def test_an_unwritable_cache_folder_names_the_path(s3, tmp_path) -> None:
    put(s3, "d/a.json", "{}\n")
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")
    with pytest.raises(CopyError, match="Cannot save s3://sparkify-test/d/a.json to ") as caught:
        fetch(s3, list_prefix(s3, f"s3://{BUCKET}/d/"), cache, gunzip=True)
    assert "decompress" not in str(caught.value)


@pytest.fixture
def unreachable_s3(monkeypatch: pytest.MonkeyPatch):
    """An S3 client whose endpoint refuses connections (the emulator is down)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    config = Config(retries={"max_attempts": 1}, connect_timeout=2)
    return endpoint, boto3.client(
        "s3", region_name="us-east-1", endpoint_url=endpoint, config=config
    )


def test_an_unreachable_endpoint_says_so_and_how_to_start_the_emulator(
    unreachable_s3, tmp_path
) -> None:
    endpoint, client = unreachable_s3
    obj = S3Object(BUCKET, "d/a.json", 3, "etag")
    calls = [
        lambda: list_prefix(client, f"s3://{BUCKET}/d/"),
        lambda: read_text(client, f"s3://{BUCKET}/log_json_path.json", "JSONPaths file"),
        lambda: list_manifest(client, f"s3://{BUCKET}/load.manifest"),
        lambda: fetch(client, [obj], tmp_path, gunzip=True),
    ]
    for call in calls:
        with pytest.raises(CopyError, match=f"Cannot reach the S3 endpoint {endpoint}") as caught:
            call()
        assert "sparkify emulator start" in str(caught.value)
        assert "decompress" not in str(caught.value)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


class _DroppingBody:
    def read(self, *args) -> bytes:
        raise ReadTimeoutError(endpoint_url="http://127.0.0.1:5000/sparkify-test/d/a.json.gz")


def test_a_dropped_connection_is_not_reported_as_a_gzip_problem(tmp_path) -> None:
    meta = SimpleNamespace(endpoint_url="http://127.0.0.1:5000")
    closed = ConnectionClosedError(endpoint_url="http://127.0.0.1:5000/sparkify-test")

    def refuse(**kwargs):
        raise closed

    obj = S3Object(BUCKET, "d/a.json.gz", 3, "etag")
    for get_object in (refuse, lambda **kwargs: {"Body": _DroppingBody()}):
        s3 = SimpleNamespace(meta=meta, get_object=get_object)
        with pytest.raises(CopyError, match="Cannot reach the S3 endpoint http://127.0.0.1:5000"):
            fetch(s3, [obj], tmp_path, gunzip=True)
