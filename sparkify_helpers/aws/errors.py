"""Map botocore failures to the package's exceptions, each ending with what to do next."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    TokenRetrievalError,
    WaiterError,
)

from sparkify_helpers.errors import (
    AccessDeniedError,
    AwsError,
    ClusterStateError,
    CredentialsError,
    QuotaExceededError,
    SparkifyError,
    WaiterTimeoutError,
)

CREDENTIALS_FIX = (
    "configure credentials with `aws configure --profile NAME` or `aws sso login --profile NAME`, "
    "then set SPARKIFY_AWS_PROFILE (or AWS_PROFILE) to that profile"
)
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidClientTokenId"}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure"}
_QUOTA = {"ClusterQuotaExceeded", "InsufficientClusterCapacity", "LimitExceeded"}


def error_code(exc: BaseException) -> str:
    """The AWS error code of a ClientError ('' for anything else)."""
    return exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""


def map_error(exc: BaseException, action: str, permission: str | None = None) -> SparkifyError:
    """The package exception for a botocore failure during ``action``."""
    code = error_code(exc)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError | TokenRetrievalError):
        return CredentialsError(f"no usable AWS credentials to {action}; {CREDENTIALS_FIX}")
    if isinstance(exc, ProfileNotFound):
        return CredentialsError(f"{exc} (needed to {action}); {CREDENTIALS_FIX}")
    if code in _EXPIRED:
        return CredentialsError(
            f"AWS credentials expired or invalid ({code}) while trying to "
            f"{action}; refresh them (`aws sso login`) or {CREDENTIALS_FIX}"
        )
    if code in _DENIED:
        ask = f"`{permission}`" if permission else "the permission for this call"
        return AccessDeniedError(
            f"access denied while trying to {action} ({code}); ask your AWS "
            f"administrator to grant {ask} to your IAM identity"
        )
    if code in _QUOTA or "QuotaExceeded" in code:
        return QuotaExceededError(
            f"an AWS quota blocks the step '{action}' ({code}); delete unused "
            "clusters, choose fewer/smaller nodes or another region, or ask "
            "for a quota increase in the Service Quotas console"
        )
    if code.startswith("InvalidClusterState"):
        return ClusterStateError(
            f"the cluster's state blocks the step '{action}' ({code}: "
            f"{exc}); wait for the current operation to finish "
            "(describe_cluster shows the status) and retry"
        )
    if isinstance(exc, WaiterError):
        return WaiterTimeoutError(
            f"gave up waiting to {action} ({exc}); check the cluster in the "
            "AWS console or with describe_cluster, then wait again"
        )
    return AwsError(
        f"AWS call failed while trying to {action}: {exc}; fix the cause above and retry"
    )


@contextmanager
def aws_errors(action: str, permission: str | None = None) -> Iterator[None]:
    """Re-raise botocore failures inside the block as the package's exceptions."""
    try:
        yield
    except (ClientError, BotoCoreError, WaiterError) as exc:
        raise map_error(exc, action, permission) from exc
