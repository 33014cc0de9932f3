"""Shared fixtures: a clean AWS/SPARKIFY environment, moto, and the real sample data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from sparkify_helpers import paths

_SPARKIFY_VARS = (
    "SPARKIFY_CONFIG",
    "SPARKIFY_AWS_PROFILE",
    "SPARKIFY_AWS_REGION",
    "SPARKIFY_AWS_ENDPOINT_URL",
    "SPARKIFY_ALLOWED_CIDR",
    "SPARKIFY_DB_PASSWORD",
    "SPARKIFY_WAREHOUSE",
)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No real AWS: clears AWS_* and SPARKIFY_* overrides, sets dummy credentials."""
    for var in list(os.environ):
        if var.startswith("AWS_") or var in _SPARKIFY_VARS:
            monkeypatch.delenv(var)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # faster; no AMIs needed


@pytest.fixture
def mocked_aws(aws_env: None):
    """In-process moto for every AWS service."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def sample_dir() -> Path:
    """The real Udacity sample; skips when it is absent."""
    path = paths.sample_dataset_dir()
    if not (path / "song_data").is_dir():
        pytest.skip(f"real sample data not found at {path} (set SPARKIFY_SAMPLE_DIR)")
    return path


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a copy of a shipped config with keys changed: ``write_config(cluster={...})``.

    Sections are top-level mappings; ``top={...}`` changes top-level keys; None deletes a key.
    """

    def write(base: str = "redshift.yaml", **sections: dict) -> Path:
        data = yaml.safe_load((paths.config_dir() / base).read_text())
        for section, changes in sections.items():
            target = data if section == "top" else data[section]
            for key, value in changes.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
        path = tmp_path / f"test-{base}"
        path.write_text(yaml.safe_dump(data))
        return path

    return write
