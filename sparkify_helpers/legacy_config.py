"""The original project's files: read ``setup.yaml`` into Settings, read and write ``dwh.cfg``.

Keys and passwords found in these files are held in memory for the session only; the
``dwh.cfg`` this module writes never contains a password.
"""

from __future__ import annotations

import configparser
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr

from sparkify_helpers.config import (
    PASSWORD_ENV,
    Settings,
    apply_environment,
    read_yaml,
    validate_settings,
)
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
_PASSWORD_LINE = (
    f"# DB_PASSWORD is never stored here: set {PASSWORD_ENV} in the environment, "
    "or use IAM temporary credentials (sparkify_helpers.aws.cluster_credentials)"
)


class ConnectionDetails(BaseModel):
    """How to reach the cluster's database (the password, if any, stays in memory)."""

    model_config = ConfigDict(frozen=True)

    host: str
    port: int
    db_name: str
    db_user: str
    role_arn: str | None = None
    password: SecretStr | None = None


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


def read_dwh_cfg(path: str | Path) -> ConnectionDetails:
    """Read the original ``dwh.cfg`` ([CLUSTER] host, db, user, password, port; [IAM_ROLE] ARN)."""
    source = Path(path).expanduser()
    if not source.is_file():
        raise ConfigError(f"{source}: dwh.cfg not found; pass the path of an existing dwh.cfg")
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str.upper  # type: ignore[assignment,method-assign]
    try:
        parser.read(source, encoding="utf-8")
    except configparser.Error as exc:
        raise ConfigError(f"{source}: not a valid .cfg file ({exc}); fix its syntax") from None

    def get(section: str, key: str, required: bool = True) -> str | None:
        value = parser.get(section, key, fallback="").strip()
        if required and not value:
            raise ConfigError(
                f"{source}: {section}.{key}: is required; add {key}=... under [{section}]"
            )
        return value or None

    port = get("CLUSTER", "DB_PORT") or ""
    if not port.isdigit():
        raise ConfigError(
            f"{source}: CLUSTER.DB_PORT: must be a whole number (got {port!r}); "
            "set e.g. DB_PORT=5439"
        )
    password = get("CLUSTER", "DB_PASSWORD", required=False)
    return ConnectionDetails(
        host=get("CLUSTER", "HOST") or "",
        port=int(port),
        db_name=get("CLUSTER", "DB_NAME") or "",
        db_user=get("CLUSTER", "DB_USER") or "",
        role_arn=get("IAM_ROLE", "ARN", required=False),
        password=SecretStr(password) if password else None,
    )


def write_dwh_cfg(details: ConnectionDetails, path: str | Path) -> Path:
    """Write ``dwh.cfg`` for the original scripts: no password, file mode 0600."""
    target = Path(path).expanduser()
    text = "\n".join(
        [
            "[CLUSTER]",
            f"HOST={details.host}",
            f"DB_NAME={details.db_name}",
            f"DB_USER={details.db_user}",
            _PASSWORD_LINE,
            f"DB_PORT={details.port}",
            "",
            "[IAM_ROLE]",
            f"ARN={details.role_arn or ''}",
            "",
        ]
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("wrote %s (no password; mode 0600)", target)
    return target
