"""Provisioning as one step: the plan shown beforehand, then role, cluster, ingress, wait."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sparkify_helpers.aws.cluster import ClusterInfo, ensure_cluster, wait_available
from sparkify_helpers.aws.iam import ensure_role
from sparkify_helpers.aws.network import default_security_group, ensure_ingress, resolve_cidr
from sparkify_helpers.aws.pricing import hourly_cost
from sparkify_helpers.aws.session import AwsAccess

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProvisionPlan:
    """What provisioning will create, with an on-demand cost estimate (USD/hour)."""

    target: str
    region: str
    identifier: str
    node_type: str
    num_nodes: int
    hourly_cost_usd: float | None
    role_name: str
    allowed_cidr: str


def plan(target: AwsAccess) -> ProvisionPlan:
    """The provisioning plan, without any AWS call."""
    c = target.settings.cluster
    return ProvisionPlan(
        target=target.settings.target,
        region=target.settings.aws.region,
        identifier=c.identifier,
        node_type=c.node_type,
        num_nodes=c.num_nodes,
        hourly_cost_usd=hourly_cost(c.node_type, c.num_nodes),
        role_name=target.settings.iam_role_name,
        allowed_cidr=c.allowed_cidr or "your public address /32 (detected at provisioning)",
    )


def provision(
    target: AwsAccess, progress: bool = True, timeout_s: float = 1800, poll_s: float = 15
) -> ClusterInfo:
    """Role, cluster (in the default VPC security group), ingress, then wait until available.

    The CIDR is settled first, so a refusal leaves nothing behind.
    """
    cidr = resolve_cidr(target)
    arn = ensure_role(target)
    default_group = default_security_group(target)
    info = ensure_cluster(target, arn, default_group)
    for group in info.security_group_ids or (default_group,):
        ensure_ingress(target, group, cidr)
    return wait_available(target, timeout_s=timeout_s, progress=progress, poll_s=poll_s)
