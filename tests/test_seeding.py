"""Seeding the emulator's bucket: compare first, mirror the source, persist between servers.

Each test starts its own emulator (a real server subprocess) with a store folder under
``tmp_path``, so mirroring a test folder never touches the session's shared bucket.
ETags are checked against S3's rule for a single-part PUT: the MD5 of the bytes
(S3 API reference, PutObject / ``ETag``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from werkzeug.serving import make_server

from sparkify_helpers import emulator
from sparkify_helpers.copy.fetch import S3Object, cache_path
from sparkify_helpers.emulator import seeding, store, storeindex
from sparkify_helpers.emulator.serve import TOKEN_HEADER, TokenApp
from sparkify_helpers.errors import EmulatorError

BUCKET, REGION = "seed-test", "us-west-2"


def _bucket_like(root: Path, songs: int) -> Path:
    (root / "log_data" / "2018" / "11").mkdir(parents=True)
    (root / "song_data" / "A").mkdir(parents=True)
    for i in range(songs):
        song = {"song_id": f"S{i:05d}", "title": f"Song {i}", "duration": 100.0 + i}
        (root / "song_data" / "A" / f"TR{i:05d}.json").write_text(json.dumps(song))
    for day in (1, 2):
        event = {"ts": 1541030400000 + day, "userId": str(day), "page": "NextSong"}
        (root / "log_data" / "2018" / "11" / f"2018-11-0{day}-events.json").write_text(
            json.dumps(event) + "\n"
        )
    (root / "log_json_path.json").write_text('{"jsonpaths": ["$.ts"]}')
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _s3(info: emulator.EmulatorInfo):
    return boto3.client(
        "s3",
        endpoint_url=info.endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _listing(info: emulator.EmulatorInfo) -> dict[str, tuple[int, str]]:
    """key -> (size, ETag without quotes), as S3 lists them."""
    pages = _s3(info).get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
    return {
        o["Key"]: (o["Size"], o["ETag"].strip('"'))
        for page in pages
        for o in page.get("Contents", [])
    }


def _temp_files(folder: Path) -> list[Path]:
    """Hidden files but the store's lock, indexes and source checksums."""
    kept = re.compile(r"\.lock|\..+\.(index|sources)\.json")
    return [p for p in folder.rglob(".*") if p.is_file() and not kept.fullmatch(p.name)]


@pytest.fixture
def world(tmp_path):
    """A bucket-like source, a store and a cache folder, and a way to start emulators on them
    (every one started is stopped after the test)."""
    source = _bucket_like(tmp_path / "source", 60)
    states: list[Path] = []

    def start(name: str = "a") -> emulator.EmulatorInfo:
        state = tmp_path / f"state-{name}"
        states.append(state)
        return emulator.start(state, store=tmp_path / "store")

    def seed(info: emulator.EmulatorInfo, **kwargs) -> emulator.SeedSummary:
        return emulator.seed_bucket(
            info, source, BUCKET, REGION, progress=False, cache_dir=tmp_path / "cache", **kwargs
        )

    yield source, start, seed, tmp_path
    for state in states:
        emulator.stop(state)


def test_a_second_seeding_uploads_nothing_and_etags_are_md5(world):
    source, start, seed, _ = world
    info = start()
    files = _files(source)
    first = seed(info)
    assert (first.objects, first.uploaded, first.removed) == (len(files), len(files), 0)
    assert first.bytes == first.uploaded_bytes == sum(len(b) for b in files.values())
    expected = {key: (len(data), _md5(data)) for key, data in files.items()}
    assert _listing(info) == expected
    # the ETag a plain PUT of the same bytes gets is the seeded one
    key, data = next(iter(files.items()))
    put = _s3(info).put_object(Bucket=BUCKET, Key="copy-of-one", Body=data)
    assert put["ETag"].strip('"') == expected[key][1]
    second = seed(info)
    assert (second.objects, second.uploaded, second.uploaded_bytes) == (len(files), 0, 0)
    assert second.removed == 1  # the extra object: the bucket mirrors the source
    assert _listing(info) == expected


def test_a_changed_file_is_uploaded_again_and_its_stale_cache_entry_dropped(world):
    source, start, seed, tmp_path = world
    info = start()
    seed(info)
    changed = source / "song_data" / "A" / "TR00007.json"
    old_etag = _md5(changed.read_bytes())
    changed.write_text('{"song_id": "S00007", "title": "Renamed"}')
    summary = seed(info)
    assert (summary.uploaded, summary.removed) == (1, 0)
    key = "song_data/A/TR00007.json"
    body = _s3(info).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == changed.read_bytes()
    new_etag = _md5(body)

    def cached(etag):
        return cache_path(tmp_path / "cache", S3Object(BUCKET, key, 0, etag), False)

    assert cached(new_etag).read_bytes() == body
    assert not cached(old_etag).exists()
    assert (tmp_path / "store" / REGION / BUCKET / key).read_bytes() == body


def test_a_removed_file_leaves_the_bucket_the_store_and_the_cache(world):
    source, start, seed, tmp_path = world
    info = start()
    seed(info)
    gone = source / "log_data" / "2018" / "11" / "2018-11-02-events.json"
    key, etag = "log_data/2018/11/2018-11-02-events.json", _md5(gone.read_bytes())
    gone.unlink()
    elsewhere = tmp_path / "store" / "us-east-1" / BUCKET / "old.json"  # region changed since
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text("{}")
    old_index = tmp_path / "store" / "us-east-1" / f".{BUCKET}.index.json"
    old_index.write_text('{"version": 1, "entries": {}}')
    summary = seed(info)
    assert (summary.uploaded, summary.removed) == (0, 1)
    assert not elsewhere.parent.exists() and not old_index.exists()
    assert key not in _listing(info)
    assert not (tmp_path / "store" / REGION / BUCKET / key).exists()
    assert not cache_path(tmp_path / "cache", S3Object(BUCKET, key, 0, etag), False).exists()
    assert set(_listing(info)) == set(_files(source))


def test_the_seeded_bucket_survives_a_restart_of_the_emulator(world):
    source, start, seed, tmp_path = world
    first = start()
    seed(first)
    emulator.stop(tmp_path / "state-a")
    again = start()
    assert again.pid != first.pid
    expected = {key: (len(data), _md5(data)) for key, data in _files(source).items()}
    assert _listing(again) == expected  # loaded before any seeding
    summary = seed(again)
    assert (summary.uploaded, summary.removed) == (0, 0)


def test_a_restarted_emulator_serves_the_stored_objects_unchanged(world):
    """After a restart the objects come from the store (read from disk only when asked for):
    GET, a ranged GET, HEAD, ListObjectsV2 and CopyObject see the seeded bytes, ETags and
    sizes; LastModified is when the object was stored."""
    source, start, seed, tmp_path = world
    seed(start())
    files = _files(source)
    emulator.stop(tmp_path / "state-a")
    info = start()
    s3 = _s3(info)
    assert _listing(info) == {k: (len(d), _md5(d)) for k, d in files.items()}
    for key, data in list(files.items())[:5]:
        got = s3.get_object(Bucket=BUCKET, Key=key)
        assert got["Body"].read() == data and got["ETag"] == f'"{_md5(data)}"'
        head = s3.head_object(Bucket=BUCKET, Key=key)
        assert (head["ContentLength"], head["ETag"]) == (len(data), f'"{_md5(data)}"')
        kept = tmp_path / "store" / REGION / BUCKET / key
        assert head["LastModified"].timestamp() == int(kept.stat().st_mtime)
        part = s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=2-9")["Body"].read()
        assert part == data[2:10]
    key, data = "song_data/A/TR00003.json", files["song_data/A/TR00003.json"]
    s3.copy_object(Bucket=BUCKET, Key="copied.json", CopySource={"Bucket": BUCKET, "Key": key})
    copied = s3.get_object(Bucket=BUCKET, Key="copied.json")
    assert copied["Body"].read() == data and copied["ETag"] == f'"{_md5(data)}"'
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"overwritten")  # a plain PUT replaces it
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"overwritten"


def test_a_stored_object_whose_file_is_gone_answers_an_error_naming_it(world):
    source, start, seed, tmp_path = world
    seed(start())
    emulator.stop(tmp_path / "state-a")
    info = start()
    key = "song_data/A/TR00011.json"
    kept = tmp_path / "store" / REGION / BUCKET / key
    kept.unlink()
    with pytest.raises(ClientError) as caught:
        _s3(info).get_object(Bucket=BUCKET, Key=key)
    error = caught.value.response["Error"]
    assert error["Code"] == "InternalError"
    assert f"s3://{BUCKET}/{key} ({kept}) was deleted outside the emulator" in error["Message"]
    summary = seed(info)  # the next seeding puts it back
    assert (summary.uploaded, summary.removed) == (1, 0)
    body = _s3(info).get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert body == kept.read_bytes() == (source / key).read_bytes()


def test_a_second_emulator_on_a_held_store_keeps_its_bucket_in_memory(world):
    source, start, seed, tmp_path = world
    seed(start("a"))
    (source / "song_data" / "A" / "TR00001.json").write_text('{"song_id": "changed"}')
    other = start("b")
    assert _s3(other).list_buckets()["Buckets"] == []  # the store is held: nothing loaded
    assert seed(other).uploaded == len(_files(source))
    kept = tmp_path / "store" / REGION / BUCKET / "song_data/A/TR00001.json"
    assert b"changed" not in kept.read_bytes()  # the held store was not written


def test_seeding_routes_refuse_a_caller_without_the_token(world):
    source, start, _, tmp_path = world
    info = start()
    request = urllib.request.Request(
        f"{info.endpoint_url}/sparkify-emulator/put-files",
        data=json.dumps(
            {"bucket": BUCKET, "region": REGION, "source": str(source), "keys": ["x"]}
        ).encode(),
        headers={TOKEN_HEADER: "0" * 32},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 403
    assert not (tmp_path / "store" / REGION).exists()


def test_kill_9_of_the_emulator_while_seeding_leaves_whole_objects_and_no_temp_file(
    world, monkeypatch
):
    """The store's index, written by the first seeding, is stale after the killed second
    one (it rewrote objects, then died before writing the index): the next server trusts
    no entry whose file changed, and sweeps the temporary files."""
    source, start, seed, tmp_path = world
    info = start()
    seed(info)  # writes the index
    for i in range(0, 4000):  # the first 60 change size, the others are new
        (source / "song_data" / "A" / f"TR{i:05d}.json").write_text(json.dumps({"n": i}) * 50)
    monkeypatch.setattr(seeding, "BATCH", 5000)  # one long request
    kept_dir = tmp_path / "store" / REGION / BUCKET
    sign = kept_dir / "song_data" / "A" / "TR00061.json"  # the changed ones are rewritten

    def kill_once_storing_new_files() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not sign.exists():
            time.sleep(0.005)
        os.kill(info.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_once_storing_new_files)
    killer.start()
    with pytest.raises(EmulatorError, match="seeding s3://seed-test"):
        seed(info)
    killer.join()
    emulator.stop(tmp_path / "state-a")
    changed = "song_data/A/TR00000.json"
    stale = storeindex.read_index(storeindex.index_path(tmp_path / "store", REGION, BUCKET))
    assert stale[changed].md5 != _md5((kept_dir / changed).read_bytes())  # the premise
    again = start()  # the next server sweeps them and loads only whole objects
    assert _temp_files(tmp_path / "store") == []
    files = _files(source)
    kept = _files(kept_dir)
    assert all(files[key] == data for key, data in kept.items())
    assert _listing(again) == {k: (len(d), _md5(d)) for k, d in kept.items()}
    assert _temp_files(tmp_path / "cache") == []
    summary = seed(again)
    assert summary.uploaded == len(files) - len(kept)


def test_sigterm_of_the_emulator_while_seeding_lets_the_batch_in_hand_finish(world, monkeypatch):
    """A stop (SIGTERM, as ``sparkify emulator stop`` sends) exits at once without the
    interpreter's teardown, but only after the seeding write in hand: the batch that was
    being stored when the signal came is stored whole, and no temporary file is left."""
    source, start, seed, tmp_path = world
    for i in range(60, 2500):
        (source / "song_data" / "A" / f"TR{i:05d}.json").write_text(json.dumps({"n": i}) * 50)
    info = start()
    monkeypatch.setattr(seeding, "BATCH", 5000)  # one long request: every file
    kept_dir = tmp_path / "store" / REGION / BUCKET

    def stop_once_storing() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(kept_dir.rglob("*.json")):
            time.sleep(0.01)
        os.kill(info.pid, signal.SIGTERM)

    stopper = threading.Thread(target=stop_once_storing)
    stopper.start()
    with contextlib.suppress(EmulatorError):  # its answer may not leave before the exit
        seed(info)
    stopper.join()
    emulator.stop(tmp_path / "state-a")
    assert _files(kept_dir) == _files(source)
    assert _temp_files(tmp_path / "store") == []


def test_ctrl_c_while_seeding_stops_before_the_next_batch_and_leaves_no_temp_file(
    world, monkeypatch
):
    source, start, seed, tmp_path = world
    info = start()
    monkeypatch.setattr(seeding, "BATCH", 10)
    warmed = []
    real_warm = seeding._warm_cache

    def warm_then_interrupt(*args):
        warmed.append(args[2])
        if len(warmed) == 15:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)  # the signal lands here
        return real_warm(*args)

    monkeypatch.setattr(seeding, "_warm_cache", warm_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        seed(info)
    assert len(_listing(info)) == 20  # two batches of ten were sent, then nothing
    assert _temp_files(tmp_path / "cache") == [] and _temp_files(tmp_path / "store") == []
    monkeypatch.setattr(seeding, "_warm_cache", real_warm)
    assert seed(info).uploaded == len(_files(source)) - 20


# -- a full disk: the server's answer, and what the seeding says ------------------------


@pytest.fixture
def in_process_server(tmp_path):
    """The serve app (token routes over moto's backend) in a thread of this process, so a
    test can fill its disk: (EmulatorInfo, store root)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    root = tmp_path / "store"
    bucket_store = store.BucketStore.open(root, store.s3_backend())
    token = "f" * 32
    app = TokenApp(DomainDispatcherApplication(create_backend_app), token, bucket_store)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_port
    yield emulator.EmulatorInfo(f"http://127.0.0.1:{port}", os.getpid(), port, token=token), root
    server.shutdown()
    thread.join(timeout=10)
    bucket_store.backend.reset()


def test_a_full_disk_while_persisting_gives_a_clear_error_and_no_half_object(
    in_process_server, tmp_path, monkeypatch
):
    info, root = in_process_server
    source = _bucket_like(tmp_path / "source", 30)
    real_replace = os.replace
    writes = []

    def full_disk(src, dst):
        writes.append(dst)
        if len(writes) >= 5:
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", full_disk)
    with pytest.raises(EmulatorError, match="No space left on device.*free disk space"):
        emulator.seed_bucket(info, source, BUCKET, REGION, progress=False)
    assert _temp_files(root) == []
    kept = _files(root / REGION / BUCKET)
    assert len(kept) == 4 and all((source / k).read_bytes() == d for k, d in kept.items())
    backend = store.s3_backend()
    assert sorted(backend.buckets[BUCKET].keys) == sorted(kept)  # nothing half-seeded


def test_a_second_run_scope_on_the_same_source_writes_nothing_and_leaves_no_process(
    local_target, run_env
):
    import psutil

    from sparkify_helpers import paths
    from sparkify_helpers.targets.local import seeded_sentence

    source = _bucket_like(run_env / "source", 25)
    seen = []
    for _ in range(2):
        with local_target.run_scope(str(source), 0, 0) as scope:
            seen.append(scope.seeded)
            pid = emulator.status_all()[0].info.pid
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
    count = len(_files(source))
    assert [(s["objects"], s["uploaded"], s["removed"]) for s in seen] == [
        (count, count, 0),
        (count, 0, 0),
    ]
    said = seeded_sentence(seen[1])
    assert said.endswith(
        f"into s3://sparkify-local from {source} in {seen[1]['seconds']:.1f} s"
        f": 0 written, {count} already there, 0 removed"
    )
    bucket = local_target.settings.source.bucket
    region = local_target.settings.aws.region
    assert _files(paths.bucket_store_dir() / region / bucket) == _files(source)
    assert emulator.status_all() == []


def test_a_full_disk_while_writing_the_index_still_seeds_and_says_so_in_the_log(
    in_process_server, tmp_path, monkeypatch, caplog
):
    """The index is a cache: when it cannot be written the seeding still succeeds (every
    object is stored), the emulator logs why, and the next load reads the files instead."""
    info, root = in_process_server
    source = _bucket_like(tmp_path / "source", 30)
    real_replace = os.replace

    def no_room_for_the_index(src, dst):
        if str(dst).endswith(".json") and Path(dst).parent == root / REGION:
            raise OSError(errno.ENOSPC, "No space left on device", str(src))
        return real_replace(src, dst)

    monkeypatch.setattr(storeindex.os, "replace", no_room_for_the_index)
    with caplog.at_level(logging.WARNING):
        summary = emulator.seed_bucket(info, source, BUCKET, REGION, progress=False)
    files = _files(source)
    assert (summary.objects, summary.uploaded) == (len(files), len(files))
    assert "could not write the index of s3://seed-test" in caplog.text
    assert "No space left on device" in caplog.text
    assert _temp_files(root) == []
    assert not storeindex.index_path(root, REGION, BUCKET).exists()
    assert _files(root / REGION / BUCKET) == files
    monkeypatch.setattr(storeindex.os, "replace", real_replace)
    backend = store.s3_backend()
    backend.reset()
    again = store.BucketStore(root, backend)
    assert again.load() == len(files)  # read and hashed: no index to trust
    assert {k: backend.get_object(BUCKET, k).etag for k in files} == {
        k: f'"{_md5(d)}"' for k, d in files.items()
    }
    assert storeindex.read_index(storeindex.index_path(root, REGION, BUCKET)).keys() == set(files)
