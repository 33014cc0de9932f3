"""Listing S3 prefixes and manifests, and the ETag-keyed download cache."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from copy_helpers import BUCKET, mocked_s3, put

from sparkify_helpers.copy.fetch import fetch, list_manifest, list_prefix
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
