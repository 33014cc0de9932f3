"""Settings: load and validate a target's YAML file (or the original ``setup.yaml``), apply
environment overrides, and say what is wrong in one line per mistake.

Every mistake becomes a ConfigError naming the file, the dotted key and the fix. Secrets
(the database password, legacy AWS keys) only come from the environment or a legacy file
read for this session, and never appear in a repr or a written file.
"""

from sparkify_helpers.config.legacy import LEGACY_KEYS, load_legacy_setup
from sparkify_helpers.config.load import is_legacy_shape, load_settings
from sparkify_helpers.config.messages import FIX_HINTS, config_error, display_path
from sparkify_helpers.config.model import (
    MULTI_NODE_ONLY,
    NODE_TYPES,
    RETIRED_NODE_PREFIXES,
    AwsKeyPair,
    AwsSettings,
    ClusterSettings,
    LocalSettings,
    Settings,
    SourceSettings,
    validate_settings,
)
from sparkify_helpers.config.sources import (
    CONFIG_ENV,
    ENDPOINT_ENV,
    ENV_OVERRIDES,
    PASSWORD_ENV,
    apply_environment,
    default_config_path,
    read_yaml,
)

__all__ = [
    "CONFIG_ENV",
    "ENDPOINT_ENV",
    "ENV_OVERRIDES",
    "FIX_HINTS",
    "LEGACY_KEYS",
    "MULTI_NODE_ONLY",
    "NODE_TYPES",
    "PASSWORD_ENV",
    "RETIRED_NODE_PREFIXES",
    "AwsKeyPair",
    "AwsSettings",
    "ClusterSettings",
    "LocalSettings",
    "Settings",
    "SourceSettings",
    "apply_environment",
    "config_error",
    "default_config_path",
    "display_path",
    "is_legacy_shape",
    "load_legacy_setup",
    "load_settings",
    "read_yaml",
    "validate_settings",
]
