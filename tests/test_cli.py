"""The `sparkify` command: exit codes and messages a user or a scheduler sees."""

from __future__ import annotations

import json
import logging

import raw_data

from sparkify_helpers import aws, cli, config, paths
from sparkify_helpers.targets import for_settings


def test_a_missing_config_exits_2_naming_the_file(run_env, capsys):
    code = cli.main(["run", "--config", str(run_env / "nope.yaml"), "--out", str(run_env / "runs")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert err.startswith("error: ") and "nope.yaml" in err
    assert not (run_env / "runs").exists()


def test_a_source_without_the_bucket_layout_exits_2_and_says_what_is_expected(run_env, capsys):
    (run_env / "data").mkdir()
    code = cli.main(["run", "--source", str(run_env / "data"), "--out", str(run_env / "runs")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "song_data/" in err and "log_data/" in err


def test_an_s3_source_on_the_local_target_is_refused_with_the_alternative(run_env, capsys):
    code = cli.main(["run", "--source", "s3://udacity-dend", "--out", str(run_env / "runs")])
    assert code == cli.EXIT_USAGE
    assert "config/redshift.yaml" in capsys.readouterr().err


def test_generate_writes_the_public_bucket_layout(run_env, capsys):
    out = run_env / "data"
    assert cli.main(["generate", "--out", str(out), "--events", "300", "--seed", "3"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("generated 300 events (") and f"into {out} in " in printed
    assert "GenerateSummary(" not in printed and printed.count("\n") == 1
    assert (out / "log_json_path.json").exists()
    assert list((out / "song_data").rglob("*.json"))
    events = [
        json.loads(line)
        for f in (out / "log_data").rglob("*.json")
        for line in f.read_text().splitlines()
    ]
    assert len(events) == 300


def test_emulator_start_seeds_the_bucket_then_status_and_stop(run_env, capsys, caplog):
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED
    with caplog.at_level(logging.INFO, logger="sparkify_helpers"):
        assert cli.main(["emulator", "start", "--events", "300", "--seed", "5"]) == 0
    try:
        said = [r.getMessage() for r in caplog.records if r.name.endswith("targets.local")]
        folder = run_env / "state" / "generated" / "events-300-seed-5"
        files = sum(p.is_file() for p in folder.rglob("*"))
        assert [s.split(" objects (")[0] for s in said if " MB) into s3://" in s] == [
            f"seeded {files:,}"
        ]
        out = capsys.readouterr().out
        assert "export SPARKIFY_AWS_ENDPOINT_URL=http://127.0.0.1:" in out
        settings = config.load_settings()
        listed = aws.client(for_settings(settings), "s3").list_objects_v2(
            Bucket=settings.source.bucket
        )
        keys = {obj["Key"] for obj in listed["Contents"]}
        generated = run_env / "state" / "generated" / "events-300-seed-5"
        assert len(raw_data.events(generated)) == 300
        assert keys == {p.relative_to(generated).as_posix() for p in generated.rglob("*.json")}
        assert "log_json_path.json" in keys
        assert cli.main(["emulator", "status"]) == 0
    finally:
        assert cli.main(["emulator", "stop"]) == 0
    assert "emulator stopped" in capsys.readouterr().out
    assert cli.main(["emulator", "status"]) == cli.EXIT_FAILED


def test_redshift_without_credentials_exits_2_before_any_notebook(run_env, capsys, monkeypatch):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SPARKIFY_ALLOWED_CIDR", "203.0.113.5/32")
    code = cli.main(
        ["run", "--config", str(paths.config_dir() / "redshift.yaml"), "--out", str(run_env / "r")]
    )
    err = capsys.readouterr().err
    assert code == cli.EXIT_USAGE
    assert "no AWS credentials" in err and "aws sso login" in err
    assert not (run_env / "r").exists()
