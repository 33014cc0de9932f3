"""Settings: load and validate a target's YAML file, apply environment overrides.

Every mistake becomes a ConfigError naming the file, the dotted key and the fix. Secrets
(the database password, legacy AWS keys) only come from the environment or a legacy file
read for this session, and never appear in a repr or a written file.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from sparkify_helpers import paths
from sparkify_helpers.errors import ConfigError

RETIRED_NODE_PREFIXES = ("dc1.", "dc2.", "ds2.")
NODE_TYPES = ("ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge")
MULTI_NODE_ONLY = ("ra3.4xlarge", "ra3.16xlarge")

# Environment variable -> (section, key) it overrides. SPARKIFY_DB_PASSWORD is separate.
ENV_OVERRIDES: dict[str, tuple[str, str]] = {
    "SPARKIFY_AWS_PROFILE": ("aws", "profile"),
    "SPARKIFY_AWS_REGION": ("aws", "region"),
    "SPARKIFY_AWS_ENDPOINT_URL": ("aws", "endpoint_url"),
    "SPARKIFY_ALLOWED_CIDR": ("cluster", "allowed_cidr"),
    "SPARKIFY_WAREHOUSE": ("local", "warehouse_path"),
}
PASSWORD_ENV = "SPARKIFY_DB_PASSWORD"
CONFIG_ENV = "SPARKIFY_CONFIG"

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,126}$")
_IDENTIFIER_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$")
_S3_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")

# How to fix a key, shown after the problem; keys are dotted paths of the new format.
FIX_HINTS: dict[str, str] = {
    "target": "set target: local or target: redshift",
    "aws.region": "set e.g. {name}: us-west-2",
    "aws.endpoint_url": "set e.g. {name}: http://127.0.0.1:5000, or leave it empty",
    "iam_role_name": "set e.g. {name}: sparkify-redshift-s3-read",
    "cluster": "set e.g. num_nodes: 2",
    "cluster.identifier": "use lowercase letters, digits and single hyphens, e.g. sparkify-dw",
    "cluster.node_type": "set {name}: ra3.large (or ra3.xlplus)",
    "cluster.num_nodes": "set e.g. {name}: 2",
    "cluster.db_name": "use lowercase letters, digits and underscores, e.g. sparkifydw",
    "cluster.db_user": "use lowercase letters, digits and underscores, e.g. sparkify_admin",
    "cluster.port": "set e.g. {name}: 5439",
    "cluster.allowed_cidr": "set e.g. {name}: 203.0.113.7/32 (your address), or leave it empty",
    "source.log_data": "set e.g. {name}: s3://udacity-dend/log_data",
    "source.log_jsonpath": "set e.g. {name}: s3://udacity-dend/log_json_path.json",
    "source.song_data": "set e.g. {name}: s3://udacity-dend/song_data",
    "local.warehouse_path": "set e.g. {name}: .sparkify/warehouse.duckdb",
}
_TYPE_PHRASES = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "model_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
    "missing": "is required",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AwsSettings(_Frozen):
    """Region, optional named profile and optional endpoint (the local emulator)."""

    region: str = "us-west-2"
    profile: str | None = None
    endpoint_url: str | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-\d", v):
            raise ValueError(f"is not an AWS region name (got {v!r})")
        return v

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        if v and not re.match(r"^https?://", v):
            raise ValueError(f"must start with http:// or https:// (got {v!r})")
        return v or None


class ClusterSettings(_Frozen):
    """The Redshift cluster to create or reuse."""

    identifier: str = "sparkify-dw"
    node_type: str = "ra3.large"
    num_nodes: int = Field(2, ge=1, le=128)
    db_name: str = "sparkifydw"
    db_user: str = "sparkify_admin"
    port: int = Field(5439, ge=1150, le=65535)
    allowed_cidr: str | None = None
    publicly_accessible: bool = False
    manage_master_password: bool = True
    skip_final_snapshot: bool = False

    @property
    def cluster_type(self) -> str:
        """``single-node`` for one node, else ``multi-node``."""
        return "single-node" if self.num_nodes == 1 else "multi-node"

    @field_validator("identifier")
    @classmethod
    def _identifier(cls, v: str) -> str:
        if not _IDENTIFIER_RE.match(v):
            raise ValueError(f"is not a valid cluster identifier (got {v!r})")
        return v

    @field_validator("db_name", "db_user")
    @classmethod
    def _db_names(cls, v: str) -> str:
        if not _NAME_RE.match(v):
            raise ValueError(f"must start with a lowercase letter (got {v!r})")
        return v

    @field_validator("node_type")
    @classmethod
    def _node_type(cls, v: str) -> str:
        if v.startswith(RETIRED_NODE_PREFIXES):
            raise ValueError(f"is retired: AWS no longer creates {v} clusters (got {v!r})")
        if v not in NODE_TYPES:
            raise ValueError(f"must be one of {', '.join(NODE_TYPES)} (got {v!r})")
        return v

    @field_validator("allowed_cidr", mode="before")
    @classmethod
    def _cidr(cls, v: Any) -> str | None:
        if v is None or (isinstance(v, str) and not v.strip()):
            return None
        try:
            return str(ipaddress.ip_network(str(v).strip(), strict=True))
        except ValueError:
            raise ValueError(f"is not a CIDR block like 203.0.113.7/32 (got {v!r})") from None

    @model_validator(mode="after")
    def _nodes_for_type(self) -> ClusterSettings:
        if self.node_type in MULTI_NODE_ONLY and self.num_nodes < 2:
            raise ValueError(f"num_nodes must be >= 2 for {self.node_type} (got 1)")
        return self


class SourceSettings(_Frozen):
    """Where the raw data lives (s3:// URIs)."""

    log_data: str = "s3://udacity-dend/log_data"
    log_jsonpath: str = "s3://udacity-dend/log_json_path.json"
    song_data: str = "s3://udacity-dend/song_data"

    @field_validator("log_data", "log_jsonpath", "song_data")
    @classmethod
    def _s3(cls, v: str) -> str:
        if not _S3_RE.match(v):
            raise ValueError(f"must be an s3://bucket/prefix URI (got {v!r})")
        return v.rstrip("/")

    @property
    def bucket(self) -> str:
        """The bucket of ``log_data``."""
        return _S3_RE.match(self.log_data).group(1)  # type: ignore[union-attr]


class LocalSettings(_Frozen):
    """The local target's DuckDB file."""

    warehouse_path: Path = Field(default_factory=paths.default_warehouse_path)

    @field_validator("warehouse_path")
    @classmethod
    def _resolve(cls, v: Path) -> Path:
        v = v.expanduser()
        return v if v.is_absolute() else (paths.project_root() / v).resolve()


class AwsKeyPair(_Frozen):
    """Long-lived AWS keys from a legacy setup.yaml, held in memory for one session."""

    access_key_id: SecretStr
    secret_access_key: SecretStr


class Settings(_Frozen):
    """Everything a run needs; built by :func:`load_settings`."""

    target: Literal["local", "redshift"] = "local"
    config_path: Path | None = None
    aws: AwsSettings = Field(default_factory=AwsSettings)
    iam_role_name: str = "sparkify-redshift-s3-read"
    cluster: ClusterSettings = Field(default_factory=ClusterSettings)
    source: SourceSettings = Field(default_factory=SourceSettings)
    local: LocalSettings = Field(default_factory=LocalSettings)
    db_password: SecretStr | None = None
    legacy_credentials: AwsKeyPair | None = Field(default=None, repr=False, exclude=True)

    @field_validator("iam_role_name")
    @classmethod
    def _role(cls, v: str) -> str:
        if not re.fullmatch(r"[\w+=,.@-]{1,64}", v):
            raise ValueError(f"is not a valid IAM role name (got {v!r})")
        return v

    def with_overrides(self, **changes: Any) -> Settings:
        """A validated copy with fields changed; nested keys by name (``warehouse_path=...``)."""
        data = self.model_dump()
        sections = ("aws", "cluster", "source", "local")
        for key, value in changes.items():
            owners = [s for s in sections if key in type(getattr(self, s)).model_fields]
            if key in type(self).model_fields and key not in sections:
                data[key] = value
            elif key in sections and isinstance(value, Mapping):
                data[key] = {**data[key], **value}
            elif len(owners) == 1:
                data[owners[0]][key] = value
            else:
                raise TypeError(f"with_overrides: unknown or ambiguous setting {key!r}")
        data["legacy_credentials"] = self.legacy_credentials
        return validate_settings(data, self.config_path or Path("<overrides>"))


def _display(path: Path) -> str:
    """A path relative to the project root when it is inside it."""
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return str(path)


def _describe(err: Mapping[str, Any], key: str) -> str:
    """One human phrase for a pydantic error."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "extra_forbidden":
        return "is not a known setting (a typo?)"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')} (got {err.get('input')!r})"
    if kind in ("greater_than_equal", "less_than_equal"):
        op = ">=" if kind == "greater_than_equal" else "<="
        bound = ctx.get("ge", ctx.get("le"))
        return f"must be a whole number {op} {bound} (got {err.get('input')!r})"
    phrase = _TYPE_PHRASES.get(kind, err["msg"].lower())
    if kind == "int_parsing" and "num_nodes" in key:
        phrase += " >= 1"
    return phrase if kind == "missing" else f"{phrase} (got {err.get('input')!r})"


def _config_error(
    exc: ValidationError, source: Path, key_names: Mapping[str, str] | None
) -> ConfigError:
    """Turn pydantic errors into one ConfigError: file: key: problem; fix."""
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        shown = (key_names or {}).get(key, key)
        leaf = shown.split(" ")[0] if shown.startswith("SPARKIFY_") else shown.rpartition(".")[2]
        fix = FIX_HINTS.get(key, "").format(name=leaf) or None
        if err["type"] == "extra_forbidden":
            parent = key.rpartition(".")[0]
            fix = f"remove it or check its spelling under {parent or 'the top level'}"
        line = f"{_display(source)}: {shown}: {_describe(err, key)}"
        lines.append(f"{line}; {fix}" if fix else line)
    return ConfigError("\n".join(lines))


def validate_settings(
    data: Mapping[str, Any], source: Path, key_names: Mapping[str, str] | None = None
) -> Settings:
    """Validate a raw mapping into Settings, raising ConfigError that names ``source``."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, source, key_names) from None


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
    """Read a YAML mapping, or raise ConfigError naming the file and how to pick another."""
    if not path.is_file():
        raise ConfigError(
            f"{path}: configuration file not found; pass another one with --config PATH "
            f"or set {CONFIG_ENV}, or start from config/local.yaml or config/redshift.yaml"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{_display(path)}: not valid YAML ({exc}); fix the syntax") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{_display(path)}: must be a mapping of keys (see config/local.yaml)")
    return data


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$SPARKIFY_CONFIG`` or ``config/local.yaml`` under the project root."""
    env = os.environ if environ is None else environ
    return Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else paths.config_dir() / "local.yaml"


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
        from sparkify_helpers.legacy_config import load_legacy_setup

        return load_legacy_setup(source, environ=env)
    for forbidden in ("db_password", "config_path", "legacy_credentials"):
        if forbidden in data:
            raise ConfigError(
                f"{_display(source)}: {forbidden}: must not be in a file; "
                f"remove it (set {PASSWORD_ENV} in the environment for a password)"
            )
    key_names: dict[str, str] = {}
    data = apply_environment(data, env, key_names)
    data["config_path"] = source.resolve()
    return validate_settings(data, source, key_names)
