"""AWS side of the workbook: sessions, IAM role, ingress, cluster, connections, teardown."""

from __future__ import annotations

from sparkify_helpers.aws.cluster import (
    ClusterInfo,
    delete_cluster,
    describe_cluster,
    ensure_cluster,
    final_snapshot_id,
    wait_available,
    wait_deleted,
)
from sparkify_helpers.aws.connection import (
    DbCredentials,
    cluster_credentials,
    connection_details,
    master_password_secret,
)
from sparkify_helpers.aws.dwh_cfg import ConnectionDetails, read_dwh_cfg, write_dwh_cfg
from sparkify_helpers.aws.errors import aws_errors, map_error
from sparkify_helpers.aws.iam import S3_READ_ONLY_POLICY, delete_role, ensure_role, role_arn
from sparkify_helpers.aws.network import (
    IngressRule,
    default_security_group,
    detect_public_cidr,
    ensure_ingress,
    resolve_cidr,
    revoke_ingress,
)
from sparkify_helpers.aws.pricing import HOURLY_USD, hourly_cost
from sparkify_helpers.aws.provision import ProvisionPlan, plan, provision
from sparkify_helpers.aws.session import AwsAccess, client
from sparkify_helpers.aws.teardown import TeardownReport, teardown

__all__ = [
    "AwsAccess",
    "HOURLY_USD",
    "S3_READ_ONLY_POLICY",
    "ClusterInfo",
    "ConnectionDetails",
    "DbCredentials",
    "IngressRule",
    "ProvisionPlan",
    "TeardownReport",
    "aws_errors",
    "client",
    "cluster_credentials",
    "connection_details",
    "default_security_group",
    "delete_cluster",
    "delete_role",
    "describe_cluster",
    "detect_public_cidr",
    "ensure_cluster",
    "ensure_ingress",
    "ensure_role",
    "final_snapshot_id",
    "hourly_cost",
    "map_error",
    "master_password_secret",
    "plan",
    "provision",
    "read_dwh_cfg",
    "resolve_cidr",
    "revoke_ingress",
    "role_arn",
    "teardown",
    "wait_available",
    "wait_deleted",
    "write_dwh_cfg",
]
