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
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import pytest
from werkzeug.serving import make_server

from sparkify_helpers import emulator
from sparkify_helpers.copy.fetch import S3Object, cache_path
from sparkify_helpers.emulator import seeding, store
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
    return [p for p in folder.rglob(".*") if p.is_file() and p.name != store.LOCK_FILE]


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
    summary = seed(info)
    assert (summary.uploaded, summary.removed) == (0, 1)
    assert not elsewhere.parent.exists()
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
    source, start, seed, tmp_path = world
    for i in range(60, 2500):
        (source / "song_data" / "A" / f"TR{i:05d}.json").write_text(json.dumps({"n": i}) * 50)
    info = start()
    monkeypatch.setattr(seeding, "BATCH", 2500)  # one long request
    killer = threading.Timer(0.5, os.kill, (info.pid, signal.SIGKILL))
    killer.start()
    with pytest.raises(EmulatorError, match="seeding s3://seed-test"):
        seed(info)
    killer.join()
    emulator.stop(tmp_path / "state-a")
    kept_dir = tmp_path / "store" / REGION / BUCKET
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
