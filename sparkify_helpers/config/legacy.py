"""The original project's ``setup.yaml`` (AWS / CLUSTER / IAM_ROLE_NAME), read as input only.

Long-lived keys found there are held in memory for the session only, with a warning.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sparkify_helpers.config.model import Settings, validate_settings
from sparkify_helpers.config.sources import apply_environment, read_yaml
from sparkify_helpers.errors import ConfigError

log = logging.getLogger(__name__)

# setup.yaml key -> dotted key of the new format.
LEGACY_KEYS = {
    "AWS.REGION": "aws.region",
    "CLUSTER.NUM_NODES": "cluster.num_nodes",
    "CLUSTER.NODE_TYPE": "cluster.node_type",
    "CLUSTER.CLUSTER_IDENTIFIER": "cluster.identifier",
    "CLUSTER.CLUSTER_PORT": "cluster.port",
    "CLUSTER.CLUSTER_DB_NAME": "cluster.db_name",
    "CLUSTER.DB_USER": "cluster.db_user",
    "IAM_ROLE_NAME": "iam_role_name",
}
_OTHER_KEYS = {"AWS.KEY", "AWS.SECRET", "CLUSTER.CLUSTER_TYPE", "CLUSTER.DB_PASSWORD"}


def _flatten(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Dotted legacy keys -> values; unknown keys are ConfigErrors."""
    flat: dict[str, Any] = {}
    for section, value in data.items():
        if isinstance(value, Mapping):
            flat.update({f"{section}.{k}": v for k, v in value.items()})
        else:
            flat[section] = value
    unknown = sorted(set(flat) - set(LEGACY_KEYS) - _OTHER_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: {unknown[0]}: is not a setup.yaml key (a typo?); remove it or check its "
            f"spelling (known keys: {', '.join(sorted(set(LEGACY_KEYS) | _OTHER_KEYS))})"
        )
    return flat


def _key_pair(flat: Mapping[str, Any], path: Path) -> dict[str, str] | None:
    """The session-only key pair from AWS.KEY/SECRET, with a loud warning."""
    key, secret = flat.get("AWS.KEY"), flat.get("AWS.SECRET")
    if not key and not secret:
        return None
    if not (key and secret):
        raise ConfigError(
            f"{path}: AWS.KEY and AWS.SECRET: only one is set; remove both and use "
            "`aws configure --profile NAME` or `aws sso login` with SPARKIFY_AWS_PROFILE"
        )
    log.warning(
        "%s holds long-lived AWS access keys: they are used for this session only and never "
        "written anywhere, but keys in files are unsafe. Move to `aws configure --profile NAME` "
        "or `aws sso login`, set SPARKIFY_AWS_PROFILE, and delete AWS.KEY/AWS.SECRET from it.",
        path,
    )
    return {"access_key_id": str(key), "secret_access_key": str(secret)}


def load_legacy_setup(path: str | Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the original ``setup.yaml`` into redshift-target Settings (keys kept in memory)."""
    env = os.environ if environ is None else environ
    source = Path(path).expanduser()
    flat = _flatten(read_yaml(source), source)
    data: dict[str, Any] = {"target": "redshift", "aws": {}, "cluster": {}}
    for legacy, new in LEGACY_KEYS.items():
        if legacy in flat:
            section, _, key = new.rpartition(".")
            (data[section] if section else data)[key] = flat[legacy]
    if str(flat.get("CLUSTER.CLUSTER_TYPE", "")).lower() == "single-node":
        data["cluster"]["num_nodes"] = 1
    if flat.get("CLUSTER.DB_PASSWORD"):
        data["db_password"] = str(flat["CLUSTER.DB_PASSWORD"])
        data["cluster"]["manage_master_password"] = False
    data["legacy_credentials"] = _key_pair(flat, source)
    key_names = {new: legacy for legacy, new in LEGACY_KEYS.items()}
    key_names["cluster"] = "CLUSTER"
    data = apply_environment(data, env, key_names)
    data["config_path"] = source.resolve()
    return validate_settings(data, source, key_names)
