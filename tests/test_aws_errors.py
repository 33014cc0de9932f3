"""botocore failures become the package's exceptions, each naming what to do."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, NoCredentialsError, WaiterError

from sparkify_helpers.aws import aws_errors, hourly_cost, map_error
from sparkify_helpers.errors import (
    AccessDeniedError,
    AwsError,
    ClusterStateError,
    CredentialsError,
    QuotaExceededError,
    WaiterTimeoutError,
)


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "boom"}}, "CreateCluster")


@pytest.mark.parametrize(
    ("exc", "kind", "fix"),
    [
        (NoCredentialsError(), CredentialsError, "aws configure --profile"),
        (client_error("ExpiredToken"), CredentialsError, "aws sso login"),
        (client_error("AccessDenied"), AccessDeniedError, "grant `redshift:CreateCluster`"),
        (client_error("UnauthorizedOperation"), AccessDeniedError, "administrator"),
        (client_error("ClusterQuotaExceeded"), QuotaExceededError, "quota increase"),
        (client_error("NumberOfNodesQuotaExceeded"), QuotaExceededError, "fewer/smaller nodes"),
        (client_error("InsufficientClusterCapacity"), QuotaExceededError, "another region"),
        (client_error("InvalidClusterState"), ClusterStateError, "wait for the current operation"),
        (
            WaiterError("ClusterAvailable", "Max attempts exceeded", {}),
            WaiterTimeoutError,
            "wait again",
        ),
        (client_error("SomethingElse"), AwsError, "retry"),
    ],
)
def test_map_error(exc, kind, fix):
    mapped = map_error(exc, "create cluster x", "redshift:CreateCluster")
    assert type(mapped) is kind
    assert "create cluster x" in str(mapped) and fix in str(mapped)


def test_aws_errors_context_reraises_mapped():
    with (
        pytest.raises(AccessDeniedError, match="iam:CreateRole") as err,
        aws_errors("create IAM role r", "iam:CreateRole"),
    ):
        raise client_error("AccessDenied")
    assert isinstance(err.value.__cause__, ClientError)


def test_hourly_cost():
    assert hourly_cost("ra3.large", 2) == pytest.approx(1.086)
    assert hourly_cost("ra3.16xlarge", 2) == pytest.approx(26.08)
    assert hourly_cost("dc2.large", 2) is None
