"""What the emulator does in the background once it answers: load its bucket store (requests
for those buckets wait for it) and warm moto's backends (a request during the warm-up uses the
same backend, and what it creates stays)."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import boto3
import pytest
from moto.backends import get_backend
from werkzeug.serving import make_server

from sparkify_helpers.emulator import store, warmup
from sparkify_helpers.emulator.serve import TOKEN_HEADER, TokenApp

BUCKET, OTHER, REGION = "startup-test", "startup-other", "us-west-2"
TOKEN = "e" * 32
OBJECTS = 40


@pytest.fixture
def server(tmp_path, aws_env):
    """TokenApp over moto's backend in a thread, with a store of OBJECTS persisted objects
    not yet loaded: (app, endpoint, BucketStore)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    root = tmp_path / "store"
    for i in range(OBJECTS):
        path = root / REGION / BUCKET / "song_data" / f"TR{i:03d}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"song": i}))
    bucket_store = store.BucketStore.open(root, store.s3_backend())
    app = TokenApp(DomainDispatcherApplication(create_backend_app), TOKEN, bucket_store)
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{http.server_port}", bucket_store
    http.shutdown()
    thread.join(timeout=10)
    bucket_store.backend.reset()


def _s3(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, region_name=REGION)


def _keys(endpoint: str) -> list[str]:
    page = _s3(endpoint).list_objects_v2(Bucket=BUCKET)
    return [o["Key"] for o in page.get("Contents", [])]


def _prune(endpoint: str, keep: list[str]) -> tuple[int, dict]:
    body = json.dumps({"bucket": BUCKET, "region": REGION, "keep": keep}).encode()
    request = urllib.request.Request(
        f"{endpoint}/sparkify-emulator/prune", data=body, headers={TOKEN_HEADER: TOKEN}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _in_thread(call) -> tuple[threading.Thread, list]:
    out: list = []
    thread = threading.Thread(target=lambda: out.append(call()), daemon=True)
    thread.start()
    return thread, out


def test_requests_for_a_loading_bucket_wait_and_see_it_whole(server, monkeypatch) -> None:
    app, endpoint, bucket_store = server
    half, release = threading.Event(), threading.Event()
    real_hold = store.BucketStore._hold
    puts: list[str] = []

    def hold_then_pause(self, bucket, key, *args, **kwargs):
        out = real_hold(self, bucket, key, *args, **kwargs)
        puts.append(key)
        if len(puts) == 1:  # the bucket now holds one object of OBJECTS
            half.set()
            release.wait(30)
        return out

    monkeypatch.setattr(store.BucketStore, "_hold", hold_then_pause)
    loader = app.start_loading()
    assert half.wait(10)
    listing, listed = _in_thread(lambda: _keys(endpoint))
    keep = [f"song_data/TR{i:03d}.json" for i in range(OBJECTS - 1)]  # all but the last
    seeding, seeded = _in_thread(lambda: _prune(endpoint, keep))
    # another bucket is not held back by the load
    _s3(endpoint).create_bucket(
        Bucket=OTHER, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    assert [b["Name"] for b in _s3(endpoint).list_buckets()["Buckets"]].count(OTHER) == 1
    listing.join(0.5)
    seeding.join(0.1)
    assert listing.is_alive() and seeding.is_alive()  # both wait for the load
    release.set()
    loader.join(10)
    listing.join(10)
    seeding.join(10)
    # the whole bucket (before or after the prune), never the one object loaded so far
    assert len(listed[0]) in (OBJECTS, OBJECTS - 1)
    status, answer = seeded[0]
    last = f"song_data/TR{OBJECTS - 1:03d}.json"
    assert status == 200 and [o["key"] for o in answer["objects"]] == [last]
    assert _keys(endpoint) == keep


def test_a_failed_load_answers_the_buckets_requests_with_its_reason(server, monkeypatch) -> None:
    app, endpoint, bucket_store = server

    def unreadable():
        raise PermissionError(13, "Permission denied", str(bucket_store.root))

    monkeypatch.setattr(bucket_store, "load", unreadable)
    app.start_loading().join(10)
    request = urllib.request.Request(f"{endpoint}/{BUCKET}?list-type=2")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 503
    reason = json.loads(caught.value.read())["error"]
    assert "could not load its bucket store" in reason and "Permission denied" in reason
    status, answer = _prune(endpoint, [])
    assert status == 503 and answer["error"] == reason
    # the lock is free again and other buckets work
    _s3(endpoint).create_bucket(
        Bucket=OTHER, CreateBucketConfiguration={"LocationConstraint": REGION}
    )


def test_the_store_names_the_buckets_it_loads(tmp_path) -> None:
    root = tmp_path / "store"
    for region, bucket in (("us-west-2", "one"), ("eu-west-1", "two")):
        (root / region / bucket).mkdir(parents=True)
    (root / "us-west-2" / "stray-file").write_text("x")
    assert store.BucketStore(root, None).bucket_names() == {"one", "two"}
    assert store.BucketStore(None, None).bucket_names() == set()


def test_requests_name_a_loading_bucket_path_style_or_by_virtual_host() -> None:
    """Path-style and virtual-host requests for a bucket the store is loading wait for it,
    a dotted bucket name included; other buckets' requests do not."""
    app = TokenApp(lambda environ, start_response: [], TOKEN)
    app._loading = frozenset({"seed-test", "my.dotted.bucket"})
    host = "localhost:5000"
    assert app._waits_for_load("/seed-test/key.json", {"HTTP_HOST": host})
    assert app._waits_for_load("/key.json", {"HTTP_HOST": "seed-test.s3.localhost:5000"})
    assert app._waits_for_load("/key.json", {"HTTP_HOST": "my.dotted.bucket.localhost:5000"})
    assert not app._waits_for_load("/other/key.json", {"HTTP_HOST": host})
    assert not app._waits_for_load("/key.json", {"HTTP_HOST": "my.localhost:5000"})


def test_wait_idle_waits_for_the_request_in_hand(server, monkeypatch) -> None:
    app, endpoint, bucket_store = server
    _s3(endpoint).create_bucket(
        Bucket=OTHER, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    backend_class = type(bucket_store.backend)
    real_list = backend_class.list_objects_v2
    listing_started, release = threading.Event(), threading.Event()

    def slow_list(self, *args, **kwargs):
        listing_started.set()
        release.wait(30)
        return real_list(self, *args, **kwargs)

    monkeypatch.setattr(backend_class, "list_objects_v2", slow_list)
    request, _ = _in_thread(lambda: _s3(endpoint).list_objects_v2(Bucket=OTHER))
    assert listing_started.wait(10)
    waiting, returned = _in_thread(lambda: app.wait_idle(0.05))
    waiting.join(0.5)
    assert waiting.is_alive() and returned == []  # a request is in hand
    release.set()
    request.join(10)
    waiting.join(10)
    assert returned == [None]


# -- the warm-up ----------------------------------------------------------------------------

ACCOUNT = "210987654321"  # an account of its own: the in-process backends are shared
WARMED = [service for service, _ in warmup.SERVICES]


@pytest.fixture
def own_account(aws_env):
    yield ACCOUNT
    for service in WARMED:  # IAM's backends of every partition hang under the account too
        get_backend(service).pop(ACCOUNT, None)


def test_warm_makes_the_backends_notebook_01_uses(own_account) -> None:
    done = warmup.warm(own_account, [REGION, "eu-west-1"])
    assert done == [
        "iam/global",
        "ec2/us-west-2",
        "ec2/eu-west-1",
        "redshift/us-west-2",
        "redshift/eu-west-1",
    ]
    assert {"us-west-2", "eu-west-1"} <= set(get_backend("ec2")[own_account].keys())
    assert "aws" in set(get_backend("iam")[own_account].keys())  # made, not merely known


def test_a_request_during_the_warm_up_keeps_what_it_creates(own_account, monkeypatch) -> None:
    from moto.redshift.models import RedshiftBackend

    monkeypatch.setattr(warmup, "SERVICES", (("redshift", None),))
    building, release = threading.Event(), threading.Event()
    made: list[object] = []
    real_init = RedshiftBackend.__init__

    def slow_init(self, region_name, account_id):
        made.append(self)
        building.set()
        release.wait(30)  # the warm-up is inside moto's backend creation
        real_init(self, region_name, account_id)

    monkeypatch.setattr(RedshiftBackend, "__init__", slow_init)
    warming = warmup.start(own_account, [REGION])
    assert building.wait(10)

    def request() -> None:  # as moto's RedshiftResponse does for CreateClusterSecurityGroup
        backend = get_backend("redshift")[own_account][REGION]
        backend.create_cluster_security_group("made-during-warmup", "a request's state")

    requesting, _ = _in_thread(request)
    requesting.join(0.3)
    assert requesting.is_alive()  # it waits for the backend the warm-up is making
    release.set()
    warming.join(10)
    requesting.join(10)
    backend = get_backend("redshift")[own_account][REGION]
    assert made == [backend]  # one backend, the warm-up's
    assert "made-during-warmup" in backend.security_groups


def test_each_warm_up_step_waits_for_idle(own_account, monkeypatch) -> None:
    monkeypatch.setattr(warmup, "SERVICES", (("redshift", None),))
    steps: list[int] = []

    def idle() -> None:
        steps.append(len(get_backend("redshift")[own_account].keys()))

    assert warmup.warm(own_account, [REGION, "eu-west-1"], idle) == [
        "redshift/us-west-2",
        "redshift/eu-west-1",
    ]
    # one step for the model, one per region (each made after its idle), one per partition
    from moto.utilities.utils import PARTITION_NAMES

    assert steps[:3] == [0, 0, 1] and len(steps) == 3 + len(PARTITION_NAMES)


def test_a_failing_warm_up_is_logged_not_raised(own_account, monkeypatch, caplog) -> None:
    monkeypatch.setattr(warmup, "SERVICES", (("no-such-service", None),))
    warmup.start(own_account, [REGION]).join(10)
    assert "warming moto's backends failed" in caplog.text


def test_a_started_emulator_warms_the_region_it_is_given(tmp_path, aws_env) -> None:
    from sparkify_helpers import emulator

    state = tmp_path / "state"
    info = emulator.start(state, region="eu-west-1")
    try:
        log_file = state / emulator.LOG_FILE
        deadline = time.monotonic() + 60
        while "warmed" not in log_file.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log_file.read_text()
        assert "warmed iam/global, ec2/eu-west-1, redshift/eu-west-1 in" in text
        assert "WARNING" not in text.replace("WARNING: This is a development server", "")
        ec2 = boto3.client("ec2", endpoint_url=info.endpoint_url, region_name="eu-west-1")
        assert ec2.describe_vpcs()["Vpcs"][0]["IsDefault"] is True
    finally:
        emulator.stop(state)


def test_a_stop_during_the_load_does_not_wait_for_it(server, monkeypatch) -> None:
    """A stop waits for a seeding write in hand (test_seeding), not for the store's load,
    which holds the seeding lock but writes nothing: the emulator exits at once, and the next
    load reads again what this one had not."""
    app, endpoint, bucket_store = server
    paused, release = threading.Event(), threading.Event()
    real_hold = store.BucketStore._hold

    def hold_then_pause(self, *args, **kwargs):
        out = real_hold(self, *args, **kwargs)
        paused.set()
        release.wait(60)
        return out

    saved: list[bool] = []
    monkeypatch.setattr(store.BucketStore, "_hold", hold_then_pause)
    monkeypatch.setattr(bucket_store, "save", lambda: saved.append(True))
    monkeypatch.setattr("sparkify_helpers.emulator.serve.STOP_WAIT_S", 120.0)
    loader = app.start_loading()
    try:
        assert paused.wait(10)
        settling = threading.Thread(target=app.settle_for_exit)
        settling.start()
        settling.join(30)  # a stop waiting for the lock would wait STOP_WAIT_S (120 s)
        assert not settling.is_alive() and loader.is_alive() and saved == []
    finally:
        release.set()
        loader.join(10)
