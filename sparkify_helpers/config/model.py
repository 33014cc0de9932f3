"""The settings model: every key a settings file may hold, validated by pydantic.

Secrets (the database password, legacy AWS keys) are ``SecretStr`` fields filled only from
the environment or a legacy file read for this session; they never appear in a repr.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sparkify_helpers import paths
from sparkify_helpers.config.messages import config_error

RETIRED_NODE_PREFIXES = ("dc1.", "dc2.", "ds2.")
NODE_TYPES = ("ra3.large", "ra3.xlplus", "ra3.4xlarge", "ra3.16xlarge")
MULTI_NODE_ONLY = ("ra3.4xlarge", "ra3.16xlarge")

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,126}$")
_IDENTIFIER_RE = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,61}[a-z0-9]$|^[a-z]$")
_S3_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")
# The widest ingress CIDR allowed without cluster.allow_wide_ingress: true.
WIDEST_INGRESS_PREFIX = {4: 24, 6: 64}


def wide_ingress(cidr: str) -> str | None:
    """Why ``cidr`` is too wide an ingress (wider than a /24, or an IPv6 /64), else None."""
    network = ipaddress.ip_network(cidr, strict=False)
    bound = WIDEST_INGRESS_PREFIX[network.version]
    if network.prefixlen >= bound:
        return None
    if network.prefixlen == 0:
        return f"{cidr} opens the database port to the whole internet"
    return f"{cidr} is wider than a /{bound}: {network.num_addresses:,} addresses may connect"


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
    allow_wide_ingress: bool = False  # declared before allowed_cidr, whose check reads it
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

    @field_validator("allowed_cidr")
    @classmethod
    def _not_too_wide(cls, v: str | None, info: ValidationInfo) -> str | None:
        why = wide_ingress(v) if v else None
        if why and not info.data.get("allow_wide_ingress", False):
            raise ValueError(
                f"is refused: {why}; set cluster.allow_wide_ingress: true if you mean it"
            )
        return v

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


class LoadSettings(_Frozen):
    """How the load judges itself before it publishes."""

    # a star table losing more than this share of its rows since the last published load
    # is reported (check 60_row_count_fell_since_last_publish, severity warn)
    max_row_drop_share: float = Field(0.5, ge=0.0, le=1.0)
    # where the load writes its COPY manifests and file lists (s3://bucket/prefix you can
    # write); empty: a folder of the emulator's bucket on the local target, required on Redshift
    staging_prefix: str | None = None

    @field_validator("staging_prefix")
    @classmethod
    def _staging(cls, v: str | None) -> str | None:
        if not v:
            return None
        if not _S3_RE.match(v):
            raise ValueError(f"must be an s3://bucket/prefix URI (got {v!r})")
        return v.rstrip("/")


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
    load: LoadSettings = Field(default_factory=LoadSettings)
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
        sections = ("aws", "cluster", "source", "local", "load")
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


def validate_settings(
    data: Mapping[str, Any], source: Path, key_names: Mapping[str, str] | None = None
) -> Settings:
    """Validate a raw mapping into Settings, raising ConfigError that names ``source``."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, source, key_names) from None
