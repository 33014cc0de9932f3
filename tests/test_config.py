"""Settings: loading, validation messages, environment overrides, legacy setup.yaml and dwh.cfg."""

from __future__ import annotations

import logging
import stat

import pytest

from sparkify_helpers import cli, paths
from sparkify_helpers.aws.dwh_cfg import ConnectionDetails, read_dwh_cfg, write_dwh_cfg
from sparkify_helpers.config import load_legacy_setup, load_settings
from sparkify_helpers.errors import ConfigError
from sparkify_helpers.targets import for_settings

REDSHIFT_YAML = paths.config_dir() / "redshift.yaml"
NO_ENV: dict[str, str] = {}

LEGACY_SETUP = """\
AWS:
  KEY: AKIA-EXAMPLE-KEY-C2
  SECRET: YsecretEXAMPLEsecretEXAMPLEsecretEXAMPLEC
  REGION: us-west-2

CLUSTER:
    CLUSTER_TYPE: multi-node
    NUM_NODES: 2
    NODE_TYPE: {node_type}
    CLUSTER_IDENTIFIER: sparkify-redshift
    CLUSTER_PORT: 5439
    CLUSTER_DB_NAME: sparkifydw
    DB_USER: sparkifyuser
    DB_PASSWORD: Sup3rSecretPassw0rd

IAM_ROLE_NAME: AmazonS3ReadOnlyAccess
"""


def test_local_yaml_is_the_default(monkeypatch):
    monkeypatch.delenv("SPARKIFY_CONFIG", raising=False)
    settings = load_settings(environ=NO_ENV)
    assert settings.target == "local"
    assert settings.config_path == paths.config_dir() / "local.yaml"
    assert settings.source.bucket == "sparkify-local"
    assert settings.source.log_jsonpath == "s3://sparkify-local/log_json_path.json"
    assert settings.cluster.allowed_cidr == "127.0.0.1/32"
    assert settings.local.warehouse_path == paths.default_warehouse_path()


def test_redshift_yaml_targets_the_public_bucket():
    settings = load_settings(REDSHIFT_YAML, environ=NO_ENV)
    assert settings.target == "redshift"
    assert settings.aws.region == "us-west-2"
    assert settings.source.bucket == "udacity-dend"
    assert settings.source.song_data == "s3://udacity-dend/song_data"
    assert settings.cluster.node_type == "ra3.large"
    assert settings.cluster.cluster_type == "multi-node"
    assert settings.cluster.allowed_cidr is None
    assert settings.cluster.manage_master_password is True
    assert settings.db_password is None


def test_config_env_var_picks_the_file(write_config):
    path = write_config(cluster={"identifier": "from-env-file"})
    settings = load_settings(environ={"SPARKIFY_CONFIG": str(path)})
    assert settings.cluster.identifier == "from-env-file"


def test_environment_overrides():
    env = {
        "SPARKIFY_AWS_PROFILE": "analyst",
        "SPARKIFY_AWS_REGION": "eu-west-1",
        "SPARKIFY_AWS_ENDPOINT_URL": "http://127.0.0.1:5999",
        "SPARKIFY_ALLOWED_CIDR": "198.51.100.0/24",
        "SPARKIFY_DB_PASSWORD": "pw-from-env",
        "SPARKIFY_WAREHOUSE": "elsewhere/wh.duckdb",
    }
    settings = load_settings(REDSHIFT_YAML, environ=env)
    assert settings.aws.profile == "analyst"
    assert settings.aws.region == "eu-west-1"
    assert settings.aws.endpoint_url == "http://127.0.0.1:5999"
    assert settings.cluster.allowed_cidr == "198.51.100.0/24"
    assert settings.db_password.get_secret_value() == "pw-from-env"
    assert settings.local.warehouse_path == paths.project_root() / "elsewhere" / "wh.duckdb"
    assert "pw-from-env" not in repr(settings) and "pw-from-env" not in str(settings)


def test_with_overrides_revalidates():
    settings = load_settings(REDSHIFT_YAML, environ=NO_ENV)
    changed = settings.with_overrides(warehouse_path="x/y.duckdb", num_nodes=1)
    assert changed.local.warehouse_path == paths.project_root() / "x" / "y.duckdb"
    assert changed.cluster.cluster_type == "single-node"
    assert settings.cluster.num_nodes == 2
    with pytest.raises(ConfigError, match="cluster.node_type: is retired"):
        settings.with_overrides(node_type="dc2.large")


def test_the_documented_message_for_a_bad_num_nodes(write_config):
    path = write_config(cluster={"num_nodes": "two"})
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=NO_ENV)
    assert str(err.value) == (
        f"{path}: cluster.num_nodes: must be a whole number >= 1 (got 'two'); set e.g. num_nodes: 2"
    )


@pytest.mark.parametrize(
    ("sections", "expected"),
    [
        ({"cluster": {"nodetype": "ra3.large"}}, "cluster.nodetype: is not a known setting"),
        ({"top": {"targt": "local"}}, "targt: is not a known setting"),
        ({"cluster": {"num_nodes": 0}}, "cluster.num_nodes: must be a whole number >= 1 (got 0)"),
        ({"cluster": {"port": "x"}}, "cluster.port: must be a whole number (got 'x')"),
        ({"cluster": {"allowed_cidr": "10.0.0.300/32"}}, "cluster.allowed_cidr: is not a CIDR"),
        ({"cluster": {"allowed_cidr": "10.0.0.1/24"}}, "cluster.allowed_cidr: is not a CIDR"),
        ({"source": {"song_data": "udacity-dend/song_data"}}, "source.song_data: must be an s3://"),
        ({"cluster": {"node_type": "dc2.large"}}, "cluster.node_type: is retired"),
        ({"cluster": {"node_type": "ds2.xlarge"}}, "set node_type: ra3.large (or ra3.xlplus)"),
        ({"cluster": {"node_type": "ra3.4xlarge", "num_nodes": 1}}, "must be >= 2 for ra3.4xlarge"),
        ({"cluster": {"identifier": "Sparkify_DW"}}, "cluster.identifier: is not a valid"),
        ({"top": {"target": "cloud"}}, "target: must be one of 'local' or 'redshift'"),
        ({"top": {"db_password": "nope"}}, "db_password: must not be in a file"),
    ],
)
def test_bad_config_names_file_and_key(write_config, sections, expected):
    path = write_config(**sections)
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=NO_ENV)
    assert str(err.value).startswith(f"{path}: ")
    assert expected in str(err.value)


def test_bad_environment_override_names_the_variable():
    with pytest.raises(ConfigError) as err:
        load_settings(REDSHIFT_YAML, environ={"SPARKIFY_ALLOWED_CIDR": "everyone"})
    message = str(err.value)
    assert "config/redshift.yaml: SPARKIFY_ALLOWED_CIDR (overrides cluster.allowed_cidr)" in message
    assert "got 'everyone'" in message


def test_missing_file_says_how_to_pick_another(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as err:
        load_settings(missing, environ=NO_ENV)
    assert str(missing) in str(err.value)
    assert "--config" in str(err.value) and "SPARKIFY_CONFIG" in str(err.value)


def test_legacy_setup_is_read_with_a_warning_and_keys_stay_hidden(tmp_path, caplog, aws_env):
    path = tmp_path / "setup.yaml"
    path.write_text(LEGACY_SETUP.format(node_type="ra3.xlplus"))
    with caplog.at_level(logging.WARNING):
        settings = load_settings(path, environ=NO_ENV)
    assert settings.target == "redshift"
    assert settings.cluster.identifier == "sparkify-redshift"
    assert settings.cluster.node_type == "ra3.xlplus"
    assert settings.cluster.num_nodes == 2
    assert settings.cluster.db_user == "sparkifyuser"
    assert settings.cluster.manage_master_password is False
    assert settings.iam_role_name == "AmazonS3ReadOnlyAccess"
    assert settings.source.bucket == "udacity-dend"
    assert settings.db_password.get_secret_value() == "Sup3rSecretPassw0rd"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("long-lived AWS access keys" in w and "aws configure" in w for w in warnings)
    for secret in ("AKIA-EXAMPLE-KEY-C2", "YsecretEXAMPLE", "Sup3rSecretPassw0rd"):
        assert secret not in repr(settings)
        assert secret not in str(settings)
        assert secret not in settings.model_dump_json()
    credentials = for_settings(settings).aws_session().get_credentials()
    assert credentials.access_key == "AKIA-EXAMPLE-KEY-C2"


def test_legacy_dc2_node_type_is_refused_with_the_fix(tmp_path):
    path = tmp_path / "setup.yaml"
    path.write_text(LEGACY_SETUP.format(node_type="dc2.large"))
    with pytest.raises(ConfigError) as err:
        load_legacy_setup(path, environ=NO_ENV)
    message = str(err.value)
    assert message.startswith(f"{path}: CLUSTER.NODE_TYPE: is retired")
    assert "dc2.large" in message and "set NODE_TYPE: ra3.large (or ra3.xlplus)" in message


def test_legacy_setup_unknown_key_is_an_error(tmp_path):
    path = tmp_path / "setup.yaml"
    path.write_text(LEGACY_SETUP.format(node_type="ra3.large").replace("NUM_NODES", "NUM_NODE"))
    with pytest.raises(ConfigError, match="CLUSTER.NUM_NODE: is not a setup.yaml key"):
        load_legacy_setup(path, environ=NO_ENV)


def test_dwh_cfg_in_the_original_format_is_read(tmp_path):
    path = tmp_path / "dwh.cfg"
    path.write_text(
        "[CLUSTER]\nHOST= sparkify-redshift.abc123.us-west-2.redshift.amazonaws.com\n"
        "DB_NAME=sparkifydw\nDB_USER=sparkifyuser\nDB_PASSWORD=Passw0rdFromCfg\nDB_PORT=5439\n\n"
        "[IAM_ROLE]\nARN=arn:aws:iam::123456789012:role/AmazonS3ReadOnlyAccess\n"
    )
    details = read_dwh_cfg(path)
    assert details.host == "sparkify-redshift.abc123.us-west-2.redshift.amazonaws.com"
    assert (details.db_name, details.db_user, details.port) == ("sparkifydw", "sparkifyuser", 5439)
    assert details.role_arn == "arn:aws:iam::123456789012:role/AmazonS3ReadOnlyAccess"
    assert details.password.get_secret_value() == "Passw0rdFromCfg"
    assert "Passw0rdFromCfg" not in repr(details)


def test_dwh_cfg_missing_key_is_named(tmp_path):
    path = tmp_path / "dwh.cfg"
    path.write_text("[CLUSTER]\nDB_NAME=x\nDB_USER=y\nDB_PORT=5439\n")
    with pytest.raises(ConfigError, match=r"CLUSTER\.HOST: is required"):
        read_dwh_cfg(path)


def test_written_dwh_cfg_has_no_password_and_mode_0600(tmp_path):
    path = tmp_path / "dwh.cfg"
    path.write_text("old")
    path.chmod(0o644)
    details = ConnectionDetails(
        host="h.example",
        port=5439,
        db_name="sparkifydw",
        db_user="u",
        role_arn="arn:aws:iam::123456789012:role/r",
        password="never-written",
    )
    write_dwh_cfg(details, path)
    text = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "never-written" not in text
    assert "DB_PASSWORD=" not in text and "SPARKIFY_DB_PASSWORD" in text
    again = read_dwh_cfg(path)
    assert again.model_dump(exclude={"password"}) == details.model_dump(exclude={"password"})
    assert again.password is None


# -- secrets stay out of messages ---------------------------------------------------------

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DB_SECRET = "Sup3rSecretPassw0rd"


@pytest.mark.parametrize(
    ("broken", "line", "key"),
    [
        (f"  SECRET: {AWS_SECRET}: oops", 3, "AWS.SECRET"),  # a ': ' inside the value
        (f'  SECRET: "{AWS_SECRET}', 3, "AWS.SECRET"),  # an unclosed quote
        (f"  SECRET: *{AWS_SECRET}", 3, "AWS.SECRET"),  # read as an alias, echoed by pyyaml
        (f"\tSECRET: {AWS_SECRET}", 3, "AWS.SECRET"),  # a tab
    ],
)
def test_a_yaml_syntax_error_names_file_line_and_key_but_not_the_secret(
    tmp_path, capsys, broken, line, key
):
    text = LEGACY_SETUP.format(node_type="ra3.large").splitlines()
    assert text[2].startswith("  SECRET:")
    text[2] = broken
    path = tmp_path / "setup.yaml"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=NO_ENV)
    message = str(err.value)
    assert message.startswith(f"{path}: not valid YAML at line {line}")
    assert f"key {key} (value not shown)" in message
    for secret in (AWS_SECRET, "wJalr", "AKIA-EXAMPLE-KEY-C2", DB_SECRET):
        assert secret not in message
    assert cli.main(["run", "--config", str(path)]) == cli.EXIT_USAGE
    stderr = capsys.readouterr().err
    assert f"line {line}" in stderr and "wJalr" not in stderr


def test_a_yaml_syntax_error_in_a_settings_file_names_the_line_and_masks_a_password(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(f"target: redshift\ncluster:\n  db_password: '{DB_SECRET}\n  port: 5439\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=NO_ENV)
    message = str(err.value)
    assert "line 3" in message and "cluster.db_password (value not shown)" in message
    assert DB_SECRET not in message


def test_a_yaml_syntax_error_on_a_plain_key_still_names_it(tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text("target: redshift\ncluster:\n  node_type: ra3.large: x\n")
    with pytest.raises(ConfigError) as err:
        load_settings(path, environ=NO_ENV)
    assert str(err.value).startswith(f"{path}: not valid YAML at line 3, key cluster.node_type:")


@pytest.mark.parametrize(
    "data",
    [
        {"db_password": 10**12 + 2026},
        {"db_password": [DB_SECRET]},
        {"legacy_credentials": {"access_key_id": 12345, "secret_access_key": [AWS_SECRET]}},
        {"cluster": {"db_password": DB_SECRET}},
        {"aws": {"secret_access_key": AWS_SECRET, "region": "nowhere"}},
    ],
)
def test_validation_errors_never_quote_a_secret(data, tmp_path):
    from sparkify_helpers.config import validate_settings

    with pytest.raises(ConfigError) as err:
        validate_settings(data, tmp_path / "x.yaml")
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'x.yaml'}: ")
    for secret in (DB_SECRET, AWS_SECRET, "1000000002026", "12345"):
        assert secret not in message
