"""The `sparkify` command: exit codes and messages a user or a scheduler sees."""

from __future__ import annotations

import json

import pytest

from sparkify_helpers import aws, cli, config, paths
from sparkify_helpers.targets import for_settings


@pytest.fixture
def state(aws_env, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


def test_a_missing_config_exits_2_naming_the_file(state, capsys):
    code = cli.main(["run", "--config", str(state / "nope.yaml"), "--out", str(state / "runs")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.startswith("error: ") and "nope.yaml" in err
    assert not (state / "runs").exists()


def test_a_source_without_the_bucket_layout_exits_2_and_says_what_is_expected(state, capsys):
    (state / "data").mkdir()
    code = cli.main(["run", "--source", str(state / "data"), "--out", str(state / "runs")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "song_data/" in err and "log_data/" in err


def test_an_s3_source_on_the_local_target_is_refused_with_the_alternative(state, capsys):
    code = cli.main(["run", "--source", "s3://udacity-dend", "--out", str(state / "runs")])
    assert code == cli.EXIT_USAGE
    assert "config/redshift.yaml" in capsys.readouterr().err


def test_generate_writes_the_public_bucket_layout(state, capsys):
    out = state / "data"
    assert cli.main(["generate", "--out", str(out), "--events", "300", "--seed", "3"]) == 0
    assert (out / "log_json_path.json").exists()
    assert list((out / "song_data").rglob("*.json"))
    events = [
        json.loads(line)
        for f in (out / "log_data").rglob("*.json")
        for line in f.read_text().splitlines()
    ]
    assert len(events) == 300


def test_emulator_start_seeds_the_bucket_then_status_and_stop(state, capsys):
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED
    assert cli.main(["emulator", "start", "--events", "300", "--seed", "5"]) == 0
    try:
        out = capsys.readouterr().out
        assert "export SPARKIFY_AWS_ENDPOINT_URL=http://127.0.0.1:" in out
        settings = config.load_settings()
        listed = aws.client(for_settings(settings), "s3").list_objects_v2(
            Bucket=settings.source.bucket
        )
        keys = [obj["Key"] for obj in listed["Contents"]]
        assert "log_json_path.json" in keys
        assert any(k.startswith("log_data/") for k in keys)
        assert any(k.startswith("song_data/") for k in keys)
        assert cli.main(["emulator", "status"]) == 0
    finally:
        assert cli.main(["emulator", "stop"]) == 0
    assert "emulator stopped" in capsys.readouterr().out
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED


def test_redshift_without_credentials_exits_2_before_any_notebook(state, capsys, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPARKIFY_ALLOWED_CIDR", "203.0.113.5/32")
    code = cli.main(
        ["run", "--config", str(paths.config_dir() / "redshift.yaml"), "--out", str(state / "r")]
    )
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "no AWS credentials" in err and "aws sso login" in err
    assert not (state / "r").exists()
