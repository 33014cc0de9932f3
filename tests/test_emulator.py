"""The local AWS emulator as a real subprocess: start, reuse, provision against it, seed, stop."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import psutil
import pytest

from sparkify_helpers import aws, emulator, paths
from sparkify_helpers.config import load_settings
from sparkify_helpers.errors import ConfigError, EmulatorError
from sparkify_helpers.targets import for_settings

LOCAL_YAML = paths.config_dir() / "local.yaml"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    state = tmp_path_factory.mktemp("emulator-state")
    info = emulator.start(state)
    yield state, info
    emulator.stop(state)


@pytest.fixture
def local_settings(aws_env, server):
    _, info = server
    return load_settings(LOCAL_YAML, environ={"SPARKIFY_AWS_ENDPOINT_URL": info.endpoint_url})


@pytest.fixture
def local_target(local_settings):
    return for_settings(local_settings)


def seed(target, source):
    """Seed the target's bucket from ``source`` as the runner does (no cache)."""
    s3 = target.aws_client("s3", max_pool_connections=emulator.SEED_WORKERS)
    bucket, region = target.settings.source.bucket, target.settings.aws.region
    return emulator.seed_bucket(s3, source, bucket, region, progress=False)


def test_start_records_state_and_reuses_the_server(server):
    state, info = server
    assert info.endpoint_url == f"http://127.0.0.1:{info.port}"
    assert psutil.Process(info.pid).is_running()
    assert emulator.status(state) == info
    assert emulator.start(state) == info
    assert (state / "emulator.json").is_file()
    assert (state / "emulator.log").is_file()


def test_provisioning_the_local_target_goes_through_the_emulator(local_settings, local_target):
    info = aws.provision(local_target, progress=False, poll_s=0)
    assert info.status == "available" and info.identifier == "sparkify-local"
    rule_cidrs = [
        r["CidrIp"]
        for p in aws.client(local_target, "ec2").describe_security_groups(
            GroupIds=list(info.security_group_ids)
        )["SecurityGroups"][0]["IpPermissions"]
        if p.get("FromPort") == 5439
        for r in p["IpRanges"]
    ]
    assert rule_cidrs == ["127.0.0.1/32"]
    report = aws.teardown(local_target, progress=False, poll_s=0)
    assert report.final_snapshot is None  # local.yaml skips it
    assert len(report.removed) == 3 and report.already_gone == []


def test_seed_bucket_uploads_every_file_and_byte(local_settings, sample_dir, local_target):
    files = [p for p in sample_dir.rglob("*") if p.is_file()]
    summary = seed(local_target, sample_dir)
    assert summary.bucket == "sparkify-local"
    assert summary.objects == len(files)
    assert summary.bytes == sum(p.stat().st_size for p in files)
    s3 = aws.client(local_target, "s3")
    listed = {
        obj["Key"]: obj["Size"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="sparkify-local")
        for obj in page.get("Contents", [])
    }
    expected = {p.relative_to(sample_dir).as_posix(): p.stat().st_size for p in files}
    assert listed == expected
    assert "log_json_path.json" in listed
    assert seed(local_target, sample_dir).objects == len(files)


@pytest.mark.parametrize("layout", ["missing", "empty", "no-data-folders"])
def test_seed_bucket_refuses_a_bad_source(tmp_path, layout, aws_env):
    source = tmp_path / "src"
    if layout != "missing":
        source.mkdir()
    if layout == "no-data-folders":
        (source / "x.json").write_text("{}")
    with pytest.raises(ConfigError, match="song_data/, log_data/ and log_json_path.json"):
        emulator.seed_bucket(None, source, "sparkify-local", "us-west-2")


def test_local_target_without_an_emulator_says_how_to_start_one(aws_env, tmp_path, monkeypatch):
    settings = load_settings(LOCAL_YAML, environ={})
    monkeypatch.setenv("SPARKIFY_HOME", str(tmp_path))  # an empty state dir
    with pytest.raises(EmulatorError, match="sparkify emulator start"):
        aws.client(for_settings(settings), "s3")


def test_running_starts_its_own_and_leaves_the_environment_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKIFY_AWS_ENDPOINT_URL", "http://previous:1")
    with emulator.running(tmp_path) as info:
        assert os.environ["SPARKIFY_AWS_ENDPOINT_URL"] == "http://previous:1"
        assert emulator.status(tmp_path) == info
        with pytest.raises(EmulatorError, match="already runs"), emulator.running(tmp_path):
            pass
    assert os.environ["SPARKIFY_AWS_ENDPOINT_URL"] == "http://previous:1"
    assert not psutil.pid_exists(info.pid)
    assert emulator.status(tmp_path) is None


def test_stop_leaves_no_process_and_stale_state_is_cleaned(tmp_path):
    info = emulator.start(tmp_path)
    assert emulator.stop(tmp_path) is True
    assert not psutil.pid_exists(info.pid)
    assert not (tmp_path / "emulator.json").exists()
    assert emulator.stop(tmp_path) is False
    stale = {"endpoint_url": "http://127.0.0.1:9", "pid": info.pid, "port": 9}
    (tmp_path / "emulator.json").write_text(json.dumps(stale))
    assert emulator.status(tmp_path) is None
    assert not (tmp_path / "emulator.json").exists()


def test_status_keeps_a_live_emulator_that_is_slow_or_not_accepting(server, monkeypatch):
    state, info = server

    def slow_probe(*args, **kwargs):
        time.sleep(1.5)
        raise TimeoutError("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", slow_probe)  # e.g. a large state dump
    began = time.monotonic()
    assert emulator.status(state) == info
    assert time.monotonic() - began < 1.0
    monkeypatch.setattr(emulator.process, "_listening", lambda *args, **kwargs: False)
    assert emulator.status(state) == info
    assert (state / "emulator.json").is_file()
    assert psutil.Process(info.pid).is_running()


def test_state_of_a_pid_that_is_not_moto_is_removed(tmp_path):
    stale = {"endpoint_url": "http://127.0.0.1:9", "pid": os.getpid(), "port": 9}
    (tmp_path / "emulator.json").write_text(json.dumps(stale))
    assert emulator.status(tmp_path) is None
    assert not (tmp_path / "emulator.json").exists()


def test_endpoint_url_comes_from_the_state_file_when_settings_have_none(
    aws_env, server, monkeypatch
):
    state, info = server
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(state))
    settings = load_settings(LOCAL_YAML, environ={})
    assert settings.aws.endpoint_url is None
    assert for_settings(settings).endpoint_url() == info.endpoint_url
    configured = load_settings(LOCAL_YAML, environ={"SPARKIFY_AWS_ENDPOINT_URL": "http://h:1"})
    assert for_settings(configured).endpoint_url() == "http://h:1"
