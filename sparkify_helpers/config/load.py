"""``load_settings``: the one entry point that reads a settings file (new or legacy shape)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sparkify_helpers.config.legacy import load_legacy_setup
from sparkify_helpers.config.messages import display_path
from sparkify_helpers.config.model import Settings, validate_settings, wide_ingress
from sparkify_helpers.config.sources import (
    PASSWORD_ENV,
    apply_environment,
    default_config_path,
    read_yaml,
)
from sparkify_helpers.errors import ConfigError

log = logging.getLogger(__name__)


def is_legacy_shape(data: Mapping[str, Any]) -> bool:
    """True for the original project's setup.yaml (upper-case AWS/CLUSTER sections)."""
    return "CLUSTER" in data and set(data) <= {"AWS", "CLUSTER", "IAM_ROLE_NAME"}


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Load and validate settings from ``path`` (or the default), with environment overrides."""
    env = os.environ if environ is None else environ
    source = Path(path).expanduser() if path else default_config_path(env)
    data = read_yaml(source)
    if is_legacy_shape(data):
        return load_legacy_setup(source, environ=env)
    for forbidden in ("db_password", "config_path", "legacy_credentials"):
        if forbidden in data:
            raise ConfigError(
                f"{display_path(source)}: {forbidden}: must not be in a file; "
                f"remove it (set {PASSWORD_ENV} in the environment for a password)"
            )
    key_names: dict[str, str] = {}
    data = apply_environment(data, env, key_names)
    data["config_path"] = source.resolve()
    settings = validate_settings(data, source, key_names)
    warn_wide_ingress(settings)
    return settings


def warn_wide_ingress(settings: Settings) -> None:
    """A console warning (the CLI's stderr, the notebook) for an ingress allowed wide on purpose."""
    cidr = settings.cluster.allowed_cidr
    why = wide_ingress(cidr) if cidr else None
    if why:
        log.warning(
            "%s: cluster.allowed_cidr: %s (allowed by cluster.allow_wide_ingress: true); "
            "narrow it to your own address /32 unless you really mean it",
            display_path(settings.config_path or Path("<settings>")),
            why,
        )
