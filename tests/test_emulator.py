"""The local AWS emulator as a real subprocess: start, reuse, provision against it, seed, stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from sparkify_helpers import aws, cli, emulator, paths
from sparkify_helpers.config import load_settings
from sparkify_helpers.errors import ConfigError, EmulatorError
from sparkify_helpers.targets import for_settings

LOCAL_YAML = paths.config_dir() / "local.yaml"


@pytest.fixture
def server(emulator_server):
    """The session's emulator: (state dir, EmulatorInfo)."""
    return emulator_server


@pytest.fixture
def local_settings(emulator_endpoint):
    return load_settings(
        LOCAL_YAML, environ={"SPARKIFY_AWS_ENDPOINT_URL": emulator_endpoint.endpoint_url}
    )


@pytest.fixture
def local_target(local_settings):
    return for_settings(local_settings)


def seed(target, info, source):
    """Seed the target's bucket from ``source`` as the runner does (no cache)."""
    bucket, region = target.settings.source.bucket, target.settings.aws.region
    return emulator.seed_bucket(info, source, bucket, region, progress=False)


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


def test_seed_bucket_uploads_every_file_and_byte(local_settings, sample_dir, local_target, server):
    files = [p for p in sample_dir.rglob("*") if p.is_file()]
    summary = seed(local_target, server[1], sample_dir)
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
    again = seed(local_target, server[1], sample_dir)
    assert (again.objects, again.uploaded, again.removed) == (len(files), 0, 0)


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


# -- the emulator dies with its run; status/stop see every server; identity by token ------


def _gone_within(pid: int, seconds: float) -> bool:
    """True when the process ends (or is a zombie) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def _dead_pid() -> int:
    """The pid of a process that has already ended."""
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    return finished.pid


OWNER_SCRIPT = """
import json, sys, time
from sparkify_helpers import emulator
with emulator.running(sys.argv[1] if len(sys.argv) > 1 else None) as info:
    print(json.dumps({"pid": info.pid, "port": info.port}), flush=True)
    time.sleep(600)
"""


def _start_owner(env: dict[str, str], *args: str) -> tuple[subprocess.Popen, dict]:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER_SCRIPT, *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = owner.stdout.readline()  # type: ignore[union-attr]
    assert line, "the owner process exited before its emulator started"
    return owner, json.loads(line)


def test_kill_9_of_the_run_ends_its_private_emulator(tmp_path):
    owner, started = _start_owner(dict(os.environ), str(tmp_path))
    server = psutil.Process(started["pid"])
    assert server.is_running() and server.ppid() == owner.pid
    owner.send_signal(signal.SIGKILL)
    owner.wait(timeout=10)
    assert _gone_within(started["pid"], 5.0), "the emulator outlived kill -9 of its run"
    assert emulator.status(tmp_path) is None
    assert not (tmp_path / "emulator.json").exists()


def test_kill_9_leaves_nothing_that_status_lists(tmp_path):
    env = {**os.environ, "SPARKIFY_STATE_DIR": str(tmp_path)}
    owner, started = _start_owner(env)
    assert [e.info.pid for e in emulator.status_all(tmp_path)] == [started["pid"]]
    owner.kill()
    owner.wait(timeout=10)
    assert _gone_within(started["pid"], 5.0)
    assert emulator.status_all(tmp_path) == []
    assert list(tmp_path.glob("emulator-*")) == []  # the run's folder is swept


def test_an_orphan_without_the_parent_death_signal_is_stopped_by_the_next_start(tmp_path):
    private = tmp_path / "emulator-orphan"
    private.mkdir()
    info = emulator.start(private)  # untied, as on a system without PR_SET_PDEATHSIG
    state = json.loads((private / "emulator.json").read_text())
    state["owner"] = _dead_pid()
    (private / "emulator.json").write_text(json.dumps(state))
    assert emulator.reap_orphans(tmp_path) == [info.pid]
    assert _gone_within(info.pid, 5.0)
    assert not private.exists()


def test_the_interactive_emulator_outlives_the_cli_and_status_stop_cover_every_server(
    tmp_path, monkeypatch, capsys
):
    state = tmp_path / "state"
    env = {**os.environ, "SPARKIFY_STATE_DIR": str(state)}
    cli_run = subprocess.run(
        [sys.executable, "-m", "sparkify_helpers.cli", "emulator", "start", "--no-data"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli_run.returncode == 0, cli_run.stderr
    interactive = emulator.status(state)
    assert interactive is not None and interactive.owner is None
    assert psutil.pid_exists(interactive.pid)  # the CLI is gone, its emulator is not
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(state))
    with emulator.running() as private:
        assert cli.main(["emulator", "status"]) == 0
        out = capsys.readouterr().out
        assert f"(pid {interactive.pid}, interactive)" in out
        assert f"(pid {private.pid}, private to run pid {os.getpid()})" in out
        assert cli.main(["emulator", "stop"]) == 0
        out = capsys.readouterr().out
        assert out.count("emulator stopped: ") == 2
        assert _gone_within(interactive.pid, 5.0) and _gone_within(private.pid, 5.0)
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED
    assert "emulator not running" in capsys.readouterr().out


@pytest.fixture
def foreign_server():
    """A plain http.server on a free port (it answers any GET): (pid, port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            break
        time.sleep(0.05)
    yield proc.pid, port
    proc.terminate()
    proc.wait(timeout=10)


def test_a_foreign_server_on_the_recorded_port_is_not_the_emulator(
    tmp_path, foreign_server, server, capsys, monkeypatch
):
    pid, port = foreign_server
    url = f"http://127.0.0.1:{port}"
    assert urllib.request.urlopen(url, timeout=2).status == 200  # it does answer
    # a state file naming the foreign process
    for token in ("", "0" * 32):
        recorded = {"endpoint_url": url, "pid": pid, "port": port, "token": token}
        (tmp_path / "emulator.json").write_text(json.dumps(recorded))
        assert emulator.status(tmp_path) is None
        assert not (tmp_path / "emulator.json").exists()
        assert emulator.stop(tmp_path) is False
        assert psutil.Process(pid).is_running()  # a foreign process is never signalled
    # our emulator's pid and token, but the foreign server's port
    _, real = server
    moved = {**json.loads((server[0] / "emulator.json").read_text()), "port": port}
    moved["endpoint_url"] = url
    (tmp_path / "emulator.json").write_text(json.dumps(moved))
    assert emulator.status(tmp_path) is None
    assert not emulator.answers_token(emulator.EmulatorInfo(**moved))
    assert emulator.answers_token(real)
    (tmp_path / "emulator.json").unlink()
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path))
    recorded = {"endpoint_url": url, "pid": pid, "port": port, "token": "0" * 32}
    (tmp_path / "emulator.json").write_text(json.dumps(recorded))
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED
    assert "emulator not running" in capsys.readouterr().out
    assert psutil.Process(real.pid).is_running()
