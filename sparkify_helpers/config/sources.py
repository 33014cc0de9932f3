"""Where settings come from: a YAML file and the ``SPARKIFY_*`` environment overrides."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sparkify_helpers import paths
from sparkify_helpers.config.messages import display_path, yaml_error
from sparkify_helpers.errors import ConfigError

ENDPOINT_ENV = "SPARKIFY_AWS_ENDPOINT_URL"  # also how a run tells its kernels the emulator
# Environment variable -> (section, key) it overrides. SPARKIFY_DB_PASSWORD is separate.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "SPARKIFY_AWS_PROFILE": ("aws", "profile"),
    "SPARKIFY_AWS_REGION": ("aws", "region"),
    ENDPOINT_ENV: ("aws", "endpoint_url"),
    "SPARKIFY_ALLOWED_CIDR": ("cluster", "allowed_cidr"),
    "SPARKIFY_WAREHOUSE": ("local", "warehouse_path"),
}
PASSWORD_ENV = "SPARKIFY_DB_PASSWORD"
CONFIG_ENV = "SPARKIFY_CONFIG"


def apply_environment(
    data: dict[str, Any], environ: Mapping[str, str], key_names: dict[str, str]
) -> dict[str, Any]:
    """Overlay the SPARKIFY_* overrides on a raw mapping; records which variable set a key."""
    for var, (section, key) in ENV_OVERRIDES.items():
        value = environ.get(var)
        if value:
            if not isinstance(data.get(section), dict):
                data[section] = {}
            data[section][key] = value
            key_names[f"{section}.{key}"] = f"{var} (overrides {section}.{key})"
    if environ.get(PASSWORD_ENV):
        data["db_password"] = environ[PASSWORD_ENV]
    return data


def read_yaml(path: Path) -> dict[str, Any]:
    """Read a YAML mapping, or raise ConfigError naming the file and how to pick another.

    A syntax error names the file, line and key, never the line itself (it may hold a
    secret: the original setup.yaml keeps AWS keys and the database password).
    """
    if not path.is_file():
        raise ConfigError(
            f"{path}: configuration file not found; pass another one with --config PATH "
            f"or set {CONFIG_ENV}, or start from config/local.yaml or config/redshift.yaml"
        )
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise yaml_error(path, text, exc) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"{display_path(path)}: must be a mapping of keys (see config/local.yaml)"
        )
    return data


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$SPARKIFY_CONFIG`` or ``config/local.yaml`` under the project root."""
    env = os.environ if environ is None else environ
    return Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else paths.config_dir() / "local.yaml"
