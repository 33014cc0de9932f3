"""Security-group ingress for the cluster port, from one configured or detected CIDR."""

from __future__ import annotations

import ipaddress
import logging
import urllib.request
from dataclasses import dataclass

from botocore.exceptions import ClientError

from sparkify_helpers.aws.errors import aws_errors, error_code
from sparkify_helpers.aws.session import AwsAccess, client
from sparkify_helpers.config.model import WIDEST_INGRESS_PREFIX, wide_ingress
from sparkify_helpers.errors import AwsError, ConfigError

log = logging.getLogger(__name__)

CHECKIP_URL = "https://checkip.amazonaws.com"


@dataclass(frozen=True)
class IngressRule:
    """One TCP ingress rule on a security group; ``created`` is False when it already existed."""

    group_id: str
    cidr: str
    port: int
    created: bool


def rule_description(target: AwsAccess) -> str:
    """The description that marks our rule, so teardown finds it whatever the CIDR."""
    return f"sparkify:{target.settings.cluster.identifier}"


def detect_public_cidr(timeout_s: float = 3.0, url: str = CHECKIP_URL) -> str | None:
    """The caller's public address as /32, or None when it cannot be found."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310
            address = ipaddress.ip_address(response.read(64).decode().strip())
    except (OSError, ValueError) as exc:
        log.info("could not detect the public address via %s: %s", url, exc)
        return None
    return f"{address}/{address.max_prefixlen}"


def check_ingress_cidr(target: AwsAccess, cidr: str) -> None:
    """Refuse an ingress wider than a /24 (IPv6: /64) unless the settings allow it; warn when
    they do (through logging: the CLI's stderr and the notebook's output)."""
    why = wide_ingress(cidr)
    if why is None:
        return
    if not target.settings.cluster.allow_wide_ingress:
        raise ConfigError(
            f"cluster.allowed_cidr: {why}; set it to your own address /32 (at most a "
            f"/{WIDEST_INGRESS_PREFIX[4]}, IPv6 /{WIDEST_INGRESS_PREFIX[6]}), or set "
            "cluster.allow_wide_ingress: true if you really mean it"
        )
    log.warning(
        "cluster.allowed_cidr: %s (allowed by cluster.allow_wide_ingress: true); narrow it "
        "to your own address /32 unless you really mean it",
        why,
    )


def resolve_cidr(target: AwsAccess) -> str:
    """The CIDR to allow: configured, else detected; refuses when neither works or it is
    too wide (see :func:`check_ingress_cidr`)."""
    cidr = target.settings.cluster.allowed_cidr or detect_public_cidr()
    if cidr is None:
        raise ConfigError(
            "cluster.allowed_cidr is empty and your public address could not be detected; "
            "set cluster.allowed_cidr (or SPARKIFY_ALLOWED_CIDR) to e.g. 203.0.113.7/32"
        )
    check_ingress_cidr(target, cidr)
    return cidr


def default_security_group(target: AwsAccess) -> str:
    """The default security group of the region's default VPC."""
    ec2 = client(target, "ec2")
    with aws_errors("find the default VPC security group", "ec2:DescribeSecurityGroups"):
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        if not vpcs:
            raise AwsError(
                f"no default VPC in {target.settings.aws.region}; create one with "
                "`aws ec2 create-default-vpc` or pick another region"
            )
        groups = ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [vpcs[0]["VpcId"]]},
                {"Name": "group-name", "Values": ["default"]},
            ]
        )["SecurityGroups"]
    return groups[0]["GroupId"]


def _permission(target: AwsAccess, cidr: str, described: bool) -> dict:
    ranges_key = "Ipv6Ranges" if ":" in cidr else "IpRanges"
    cidr_key = "CidrIpv6" if ":" in cidr else "CidrIp"
    entry = {cidr_key: cidr}
    if described:
        entry["Description"] = rule_description(target)
    port = target.settings.cluster.port
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, ranges_key: [entry]}


def ensure_ingress(
    target: AwsAccess, security_group_id: str | None = None, cidr: str | None = None
) -> IngressRule:
    """Allow the cluster port from one CIDR (default: resolve_cidr); an identical rule is reused."""
    if cidr:
        check_ingress_cidr(target, cidr)
    else:
        cidr = resolve_cidr(target)
    group = security_group_id or default_security_group(target)
    ec2 = client(target, "ec2")
    with aws_errors(
        f"open port {target.settings.cluster.port} on {group}", "ec2:AuthorizeSecurityGroupIngress"
    ):
        try:
            ec2.authorize_security_group_ingress(
                GroupId=group, IpPermissions=[_permission(target, cidr, described=True)]
            )
        except ClientError as exc:
            if error_code(exc) != "InvalidPermission.Duplicate":
                raise
            log.info(
                "ingress %s -> %s:%s already present", cidr, group, target.settings.cluster.port
            )
            return IngressRule(group, cidr, target.settings.cluster.port, created=False)
    log.info("allowed %s on %s port %s", cidr, group, target.settings.cluster.port)
    return IngressRule(group, cidr, target.settings.cluster.port, created=True)


def revoke_ingress(target: AwsAccess, security_group_id: str | None = None) -> list[str]:
    """Revoke our rules (found by description) on the group; the CIDRs removed."""
    group = security_group_id or default_security_group(target)
    ec2 = client(target, "ec2")
    port, mark = target.settings.cluster.port, rule_description(target)
    removed: list[str] = []
    with aws_errors(f"revoke ingress on {group}", "ec2:RevokeSecurityGroupIngress"):
        try:
            sg = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
        except ClientError as exc:
            if error_code(exc) == "InvalidGroup.NotFound":
                return removed
            raise
        for perm in sg.get("IpPermissions", []):
            if perm.get("IpProtocol") != "tcp" or perm.get("FromPort") != port:
                continue
            ranges = perm.get("IpRanges", []) + perm.get("Ipv6Ranges", [])
            for entry in ranges:
                if entry.get("Description") != mark:
                    continue
                cidr = entry.get("CidrIp") or entry["CidrIpv6"]
                try:
                    ec2.revoke_security_group_ingress(
                        GroupId=group, IpPermissions=[_permission(target, cidr, False)]
                    )
                    removed.append(cidr)
                except ClientError as exc:
                    if error_code(exc) != "InvalidPermission.NotFound":
                        raise
    return removed
