"""One place decides the target: ``targets.for_settings``; the rest asks the Target."""

from __future__ import annotations

import re

import pytest

from sparkify_helpers import paths, targets
from sparkify_helpers.config import load_settings
from sparkify_helpers.errors import ConfigError, CredentialsError
from sparkify_helpers.targets import LocalTarget, RedshiftTarget

PACKAGE = paths.project_root() / "sparkify_helpers"
# Comparing the target kind, or testing a target's class, anywhere but targets/ would be a
# second place deciding the target.
BRANCH = re.compile(
    r"\btarget\s*(==|!=|\bin\b|\bnot in\b)"
    r"|\bkind\s*(==|!=|\bin\b)\s*[(\[{]?\s*[\"'](local|redshift)"
    r"|isinstance\([^)]*(Local|Redshift)(Target|Warehouse)"
)


def test_no_module_outside_targets_branches_on_the_target_kind():
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if "targets" not in path.relative_to(PACKAGE).parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BRANCH.search(line.split("#")[0])
    ]
    assert offenders == []


def test_the_grep_above_catches_a_branch(tmp_path):
    assert BRANCH.search('if settings.target == "local":')
    assert BRANCH.search("if wb.target != 'redshift':")
    assert BRANCH.search("if warehouse.kind in ('local',):")
    assert BRANCH.search("if isinstance(dw, LocalWarehouse):")
    assert not BRANCH.search("return self.target.describe()")


@pytest.mark.parametrize(
    ("config", "kind"), [("local.yaml", LocalTarget), ("redshift.yaml", RedshiftTarget)]
)
def test_for_settings_builds_the_target_the_settings_name(aws_env, config, kind):
    target = targets.for_settings(load_settings(paths.config_dir() / config, environ={}))
    assert type(target) is kind
    assert target.kind == target.settings.target


def test_local_target_refuses_s3_and_a_folder_without_the_layout(aws_env, tmp_path):
    local = targets.for_settings(load_settings(paths.config_dir() / "local.yaml", environ={}))
    with pytest.raises(ConfigError, match="local target reads its emulator's bucket"):
        local.check_source("s3://bucket/prefix")
    with pytest.raises(ConfigError, match="song_data/, log_data/ and log_json_path.json"):
        local.check_source(str(tmp_path))
    (tmp_path / "song_data").mkdir()
    (tmp_path / "log_data").mkdir()
    assert local.check_source(str(tmp_path)) == str(tmp_path.resolve())
    assert local.check_source(None) is None


def test_redshift_target_takes_s3_only_and_checks_credentials_first(aws_env, tmp_path):
    redshift = targets.for_settings(
        load_settings(paths.config_dir() / "redshift.yaml", environ={"SPARKIFY_AWS_PROFILE": "x"})
    )
    assert redshift.check_source("s3://bucket/prefix/") == "s3://bucket/prefix"
    with pytest.raises(ConfigError, match="redshift target loads from S3"):
        redshift.check_source(str(tmp_path))
    with pytest.raises(CredentialsError, match="aws configure --profile"):
        redshift.check_ready()


def test_local_target_pins_its_aws_calls_to_the_given_endpoint(aws_env):
    local = targets.for_settings(load_settings(paths.config_dir() / "local.yaml", environ={}))
    pinned = local.with_endpoint("http://127.0.0.1:9")
    client = pinned.aws_client("s3")
    assert client.meta.endpoint_url == "http://127.0.0.1:9"
    assert client._request_signer._credentials.access_key == "testing"
    assert "http://127.0.0.1:9" in pinned.describe()
