"""The original project's ``dwh.cfg``: how to reach the cluster's database, read and written.

The ``dwh.cfg`` this module writes never contains a password (mode 0600).
"""

from __future__ import annotations

import configparser
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

from sparkify_helpers.config import PASSWORD_ENV
from sparkify_helpers.errors import ConfigError

log = logging.getLogger(__name__)

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
