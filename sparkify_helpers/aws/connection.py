"""How to reach the cluster's database: endpoint details, dwh.cfg, and passwords kept in memory."""

from __future__ import annotations

import json
import logging
from typing import NamedTuple

from sparkify_helpers.aws.cluster import describe_cluster
from sparkify_helpers.aws.dwh_cfg import ConnectionDetails
from sparkify_helpers.aws.errors import aws_errors
from sparkify_helpers.aws.iam import role_arn
from sparkify_helpers.aws.session import AwsAccess, client
from sparkify_helpers.errors import ClusterStateError

log = logging.getLogger(__name__)


class DbCredentials(NamedTuple):
    """Temporary database credentials ``(user, password)``; the repr hides the password."""

    user: str
    password: str

    def __repr__(self) -> str:
        return f"DbCredentials(user={self.user!r}, password='**********')"


def connection_details(target: AwsAccess) -> ConnectionDetails:
    """Host, port, database, user and role ARN of the available cluster (no password)."""
    info = describe_cluster(target)
    if info is None or not info.host:
        state = "does not exist" if info is None else f"has no endpoint yet ({info.status})"
        raise ClusterStateError(
            f"cluster {target.settings.cluster.identifier} {state}; provision it and wait until it "
            "is available (aws.provision)"
        )
    return ConnectionDetails(
        host=info.host,
        port=info.port or target.settings.cluster.port,
        db_name=info.db_name or target.settings.cluster.db_name,
        db_user=info.db_user or target.settings.cluster.db_user,
        role_arn=info.role_arns[0] if info.role_arns else role_arn(target),
    )


def cluster_credentials(
    target: AwsAccess, duration_s: int = 900, auto_create: bool = False
) -> DbCredentials:
    """IAM temporary credentials (GetClusterCredentials) for ``cluster.db_user``."""
    ident, user = target.settings.cluster.identifier, target.settings.cluster.db_user
    with aws_errors(
        f"get temporary credentials for {user} on {ident}", "redshift:GetClusterCredentials"
    ):
        answer = client(target, "redshift").get_cluster_credentials(
            ClusterIdentifier=ident,
            DbUser=user,
            DbName=target.settings.cluster.db_name,
            DurationSeconds=duration_s,
            AutoCreate=auto_create,
        )
    return DbCredentials(answer["DbUser"], answer["DbPassword"])


def master_password_secret(target: AwsAccess) -> str | None:
    """The master password from Secrets Manager (ManageMasterPassword), or None if unmanaged."""
    info = describe_cluster(target)
    if info is None or not info.master_password_secret_arn:
        log.info(
            "cluster %s has no managed master password secret", target.settings.cluster.identifier
        )
        return None
    with aws_errors("read the master password secret", "secretsmanager:GetSecretValue"):
        text = client(target, "secretsmanager").get_secret_value(
            SecretId=info.master_password_secret_arn
        )["SecretString"]
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value["password"] if isinstance(value, dict) else text
