"""The package's own exceptions: each says what went wrong and what to do next."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class SparkifyError(Exception):
    """Base class for every error a user can cause or fix."""


class ConfigError(SparkifyError):
    """A configuration file or setting is missing or invalid."""


class CredentialsError(SparkifyError):
    """No usable AWS credentials or database password were found."""


class AwsError(SparkifyError):
    """An AWS call failed in a way the user can act on."""


class AccessDeniedError(AwsError):
    """The caller's IAM identity is not allowed to do this step."""


class QuotaExceededError(AwsError):
    """An AWS service quota blocks the step."""


class ClusterStateError(AwsError):
    """The cluster is in a state (deleting, modifying, ...) that blocks the step."""


class WaiterTimeoutError(AwsError):
    """A wait for a cluster state ran out of time."""


class EmulatorError(SparkifyError):
    """The local AWS emulator could not be started, reached or stopped."""


class WarehouseError(SparkifyError):
    """A warehouse connection or statement failed."""


class WarehouseLockedError(WarehouseError):
    """The local DuckDB file is held by another process."""


class TranslationError(WarehouseError):
    """A Redshift construct has no faithful DuckDB translation."""


class CopyError(WarehouseError):
    """A COPY failed (too many rejected rows, missing input, bad options).

    ``load_errors`` holds the ``stl_load_errors`` rows of the failed COPY (a DataFrame), or
    None when the COPY failed before reading any row.
    """

    def __init__(self, message: str, load_errors: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.load_errors = load_errors


class DataCheckError(WarehouseError):
    """An error-severity data check found offending rows."""
