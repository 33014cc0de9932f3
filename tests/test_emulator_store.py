"""The bucket store in process: its index of kept files, its source checksum cache, and the
lazy keys it holds in moto's backend (bytes read from the kept file on use).

Each test drives :class:`BucketStore` directly over moto's in-process S3 backend, so it can
count which files the store opens. ETags follow S3's rule for a single-part PUT: the MD5 of
the bytes (S3 API reference, PutObject / ``ETag``).
"""

from __future__ import annotations

import builtins
import hashlib
import json
import logging
import os
import pickle
import threading
from pathlib import Path

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.s3.models import FakeKey
from werkzeug.serving import make_server

from sparkify_helpers.emulator import lazykey, store, storeindex

BUCKET, REGION = "store-test", "us-west-2"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture
def world(tmp_path, aws_env, monkeypatch):
    """A source folder of 30 files, a store root, and ``open_store()`` (a fresh store over a
    reset backend, as a new server would have; loaded). Source files count as settled."""
    monkeypatch.setattr(store, "RACY_NS", 0)
    source = tmp_path / "source"
    for i in range(30):
        path = source / "song_data" / f"TR{i:03d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"song": i, "title": f"Song {i}"}))
    root = tmp_path / "store"
    opened: list[store.BucketStore] = []

    def open_store() -> store.BucketStore:
        for old in opened:
            old.close()
        backend = store.s3_backend()
        backend.reset()
        opened.append(store.BucketStore.open(root, backend))
        opened[-1].load()
        return opened[-1]

    yield source, root, open_store
    for old in opened:
        old.close()
    store.s3_backend().reset()


def _keys(source: Path) -> list[str]:
    return sorted(p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file())


def _seed(bucket_store: store.BucketStore, source: Path) -> list[dict]:
    keys = _keys(source)
    out = bucket_store.put_files(BUCKET, REGION, source, keys)
    bucket_store.prune(BUCKET, REGION, keys)
    return out


@pytest.fixture
def opened_paths(monkeypatch):
    """Every path the store and its lazy keys open, in order (but the store's lock)."""
    seen: list[str] = []

    def counting_open(path, *args, **kwargs):
        if Path(path).name != store.LOCK_FILE:
            seen.append(str(path))
        return builtins.open(path, *args, **kwargs)

    for module in (store, lazykey, storeindex):
        monkeypatch.setattr(module, "open", counting_open, raising=False)
    return seen


def _held(key: str):
    return store.s3_backend().get_object(BUCKET, key)


def test_a_second_seeding_of_unchanged_sources_reads_no_source_file(world, opened_paths):
    source, _, open_store = world
    first = _seed(open_store(), source)
    assert all(item["uploaded"] for item in first)
    read_first = [p for p in opened_paths if p.startswith(str(source))]
    assert len(read_first) == len(first)
    opened_paths.clear()
    again = open_store()  # a new server: loads the store from its index
    second = _seed(again, source)
    assert opened_paths == []  # no source file, no kept file
    assert [(i["key"], i["etag"], i["size"], i["uploaded"]) for i in second] == [
        (i["key"], i["etag"], i["size"], False) for i in first
    ]
    for item in second:
        held = _held(item["key"])
        assert isinstance(held, lazykey.LazyKey)
        assert (held.etag, held.size) == (f'"{item["etag"]}"', item["size"])
    assert opened_paths == []  # listing-like access reads nothing either
    body = (source / second[3]["key"]).read_bytes()
    assert _held(second[3]["key"]).value == body  # the bytes come from the kept file
    assert opened_paths == [second[3]["path"]]


def test_a_rewrite_of_the_same_size_that_restores_the_mtime_is_uploaded_again(world):
    """``touch -r`` / ``cp -p`` keep size and mtime: the ctime still tells it was rewritten."""
    source, root, open_store = world
    bucket_store = open_store()
    _seed(bucket_store, source)
    key = "song_data/TR007.json"
    path = source / key
    before, original = path.stat(), path.read_bytes()
    changed = original.replace(b"Song 7", b"Song X")
    path.write_bytes(changed)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    item = {i["key"]: i for i in _seed(bucket_store, source)}[key]
    assert (item["uploaded"], item["previous"], item["etag"]) == (
        True,
        _md5(original),
        _md5(changed),
    )
    assert _held(key).value == changed
    assert (root / REGION / BUCKET / key).read_bytes() == changed
    again = open_store()  # the next server holds the new bytes under the new ETag
    assert (_held(key).etag, _held(key).value) == (f'"{_md5(changed)}"', changed)
    assert not any(i["uploaded"] for i in _seed(again, source))


def test_a_source_file_written_just_before_it_was_read_is_read_again(world, monkeypatch):
    """Two writes within one tick of the file system's clock leave the same mtime and
    ctime: a file that changed less than RACY_NS before it was read is not vouched for."""
    source, _, open_store = world
    monkeypatch.setattr(store, "RACY_NS", 3600 * 10**9)  # every source file is "just written"
    bucket_store = open_store()
    _seed(bucket_store, source)
    assert (
        storeindex.read_sources(storeindex.sources_path(bucket_store.root, REGION, BUCKET))[1] == {}
    )
    seen: list[str] = []
    real_read = store._read
    monkeypatch.setattr(store, "_read", lambda path: seen.append(path) or real_read(path))
    assert not any(item["uploaded"] for item in _seed(bucket_store, source))
    assert len(seen) == len(_keys(source))  # each one read and compared by its MD5


def test_a_corrupt_index_and_source_cache_are_ignored_and_rebuilt(world, opened_paths, caplog):
    source, root, open_store = world
    first = {item["key"]: item for item in _seed(open_store(), source)}
    index = storeindex.index_path(root, REGION, BUCKET)
    sources = storeindex.sources_path(root, REGION, BUCKET)
    index.write_text('{"version": 1, "entries": {"song_data/TR001.json": [1, 2')  # cut short
    sources.write_text('["not", "an", "object"]')
    opened_paths.clear()
    with caplog.at_level(logging.WARNING):
        again = open_store()
    assert f"ignoring the store index {index}" in caplog.text
    kept = [p for p in opened_paths if p.startswith(str(root / REGION / BUCKET))]
    assert len(kept) == len(first)  # every kept file read and hashed again
    for key, item in first.items():
        assert (_held(key).etag, _held(key).size) == (f'"{item["etag"]}"', item["size"])
    assert storeindex.read_index(index).keys() == first.keys()  # rewritten by the load
    opened_paths.clear()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert not any(item["uploaded"] for item in _seed(again, source))
    assert "ignoring the source checksum cache" in caplog.text
    assert len([p for p in opened_paths if p.startswith(str(source))]) == len(first)
    assert storeindex.read_sources(sources)[1].keys() == first.keys()
    opened_paths.clear()
    _seed(open_store(), source)
    assert opened_paths == []


def test_an_index_entry_is_trusted_only_while_its_kept_file_is_unchanged(world):
    source, root, open_store = world
    _seed(open_store(), source)
    folder = root / REGION / BUCKET
    (folder / "song_data/TR002.json").write_bytes(b'{"edited": true}')  # another size
    (folder / "song_data/TR003.json").unlink()
    (folder / "song_data/extra.json").write_bytes(b"{}")  # not in the index
    (folder / "song_data" / f".TR004.json.{'a' * 32}{storeindex.TMP_SUFFIX}").write_bytes(b"{")
    (root / REGION / f".x.{'b' * 32}{storeindex.TMP_SUFFIX}").write_bytes(b"{")
    again = open_store()
    assert _held("song_data/TR002.json").etag == f'"{_md5(b"""{"edited": true}""")}"'
    assert _held("song_data/TR003.json") is None
    assert _held("song_data/extra.json").value == b"{}"
    assert [p.name for p in root.rglob(f"*{storeindex.TMP_SUFFIX}")] == []  # swept
    out = {item["key"]: item for item in _seed(again, source)}
    assert {k for k, item in out.items() if item["uploaded"]} == {
        "song_data/TR002.json",
        "song_data/TR003.json",
    }
    assert _held("song_data/extra.json") is None  # pruned: not in the source


def test_a_lazy_key_whose_kept_file_was_deleted_or_changed_says_so_and_seeding_repairs_it(world):
    source, root, open_store = world
    _seed(open_store(), source)
    again = open_store()
    folder = root / REGION / BUCKET
    (folder / "song_data/TR005.json").unlink()
    kept = folder / "song_data/TR006.json"
    stat = kept.stat()
    kept.write_bytes(kept.read_bytes().upper())  # same size, mtime put back
    os.utime(kept, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(lazykey.KeptFileError, match=r"TR005.json \(.*\) was deleted outside"):
        _ = _held("song_data/TR005.json").value
    with pytest.raises(lazykey.KeptFileError, match="TR006.json .* was changed outside"):
        _ = _held("song_data/TR006.json").value
    out = {item["key"]: item for item in _seed(again, source)}
    assert [k for k, item in out.items() if item["uploaded"]] == [  # found damaged: rewritten
        "song_data/TR005.json",
        "song_data/TR006.json",
    ]
    for key in ("song_data/TR005.json", "song_data/TR006.json"):
        assert _held(key).value == (source / key).read_bytes() == (folder / key).read_bytes()


def test_a_lazy_key_pickles_and_copies_with_its_bytes(world):
    source, _, open_store = world
    _seed(open_store(), source)
    open_store()
    key = "song_data/TR009.json"
    body = (source / key).read_bytes()
    held = _held(key)
    clone = pickle.loads(pickle.dumps(held))  # moto's __getstate__ / __setstate__
    assert (clone.value, clone.etag, clone.size) == (body, held.etag, held.size)
    assert clone.path is None  # now an in-memory key
    backend = store.s3_backend()
    backend.copy_object(held, BUCKET, "copied.json")
    copied = _held("copied.json")
    assert (copied.value, copied.etag) == (body, held.etag)
    # a key made the way the registrar clones has the attributes of moto's own FakeKey
    plain = FakeKey(name="x", value=b"", account_id=store.ACCOUNT_ID, region_name=REGION)
    assert set(vars(held)) - {"path", "kept"} == set(vars(plain))


def test_on_another_moto_version_the_store_loads_the_bytes_into_moto(world, monkeypatch):
    source, _, open_store = world
    first = {item["key"]: item for item in _seed(open_store(), source)}
    monkeypatch.setattr(lazykey, "MOTO_VERSION", "0.0.0")
    again = open_store()
    for key, item in first.items():
        held = _held(key)
        assert type(held) is FakeKey
        assert (held.etag, held.value) == (f'"{item["etag"]}"', (source / key).read_bytes())
    changed = source / "song_data/TR001.json"
    changed.write_bytes(b'{"new": 1}')
    out = {item["key"]: item for item in _seed(again, source)}
    assert [k for k, item in out.items() if item["uploaded"]] == ["song_data/TR001.json"]
    assert type(_held("song_data/TR001.json")) is FakeKey
    assert _held("song_data/TR001.json").value == b'{"new": 1}'


def test_listing_and_head_over_http_read_no_kept_file(world, opened_paths):
    """What moto answers for ListObjectsV2 and HeadObject comes from the index; only a GET
    reads the kept file."""
    source, _, open_store = world
    first = {item["key"]: item for item in _seed(open_store(), source)}
    open_store()
    http = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app))
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{http.server_port}")
        opened_paths.clear()
        listed = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
        assert {o["Key"]: (o["Size"], o["ETag"]) for o in listed} == {
            k: (i["size"], f'"{i["etag"]}"') for k, i in first.items()
        }
        key = "song_data/TR004.json"
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert (head["ContentLength"], head["ETag"]) == (
            first[key]["size"],
            f'"{first[key]["etag"]}"',
        )
        assert opened_paths == []
        assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == (source / key).read_bytes()
        assert opened_paths == [first[key]["path"]]
    finally:
        http.shutdown()
        thread.join(timeout=10)


def test_a_versioned_bucket_holds_its_objects_in_memory(world):
    """A lazy key stands for the one version a kept file holds: in a bucket that keeps
    versions the store puts the bytes into moto instead."""
    source, _, open_store = world
    bucket_store = open_store()
    store.s3_backend().create_bucket(BUCKET, REGION)
    store.s3_backend().put_bucket_versioning(BUCKET, "Enabled")
    first = {item["key"]: item for item in _seed(bucket_store, source)}
    held = _held("song_data/TR001.json")
    assert type(held) is FakeKey
    assert (held.etag, held.value) == (
        f'"{first["song_data/TR001.json"]["etag"]}"',
        (source / "song_data/TR001.json").read_bytes(),
    )


def test_a_lazy_key_whose_kept_file_cannot_be_read_says_why(world):
    source, root, open_store = world
    _seed(open_store(), source)
    open_store()
    kept = root / REGION / BUCKET / "song_data/TR008.json"
    kept.unlink()
    kept.mkdir()  # root reads any file: a folder in its place cannot be read
    with pytest.raises(lazykey.KeptFileError, match=r"TR008.json \(.*\) cannot be read \(Is a"):
        _ = _held("song_data/TR008.json").value
