"""Provisioning and teardown against moto: idempotence, role, ingress, cluster, guards."""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote

import boto3
import pytest

from sparkify_helpers import aws, paths
from sparkify_helpers.aws import network
from sparkify_helpers.config import load_settings
from sparkify_helpers.errors import (
    ClusterStateError,
    ConfigError,
    CredentialsError,
    WaiterTimeoutError,
)
from sparkify_helpers.targets import for_settings

CIDR = "203.0.113.7/32"
REDSHIFT_YAML = paths.config_dir() / "redshift.yaml"


@pytest.fixture
def settings(aws_env):
    return load_settings(REDSHIFT_YAML, environ={"SPARKIFY_ALLOWED_CIDR": CIDR})


@pytest.fixture
def target(settings):
    return for_settings(settings)


def port_rules(group_id: str, port: int) -> list[dict]:
    ec2 = boto3.client("ec2", region_name="us-west-2")
    perms = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
    return [r for p in perms if p.get("FromPort") == port for r in p["IpRanges"]]


def test_plan_needs_no_aws(settings, monkeypatch, target):
    monkeypatch.setattr(boto3, "Session", None)
    p = aws.plan(target)
    assert (p.node_type, p.num_nodes, p.region) == ("ra3.large", 2, "us-west-2")
    assert p.hourly_cost_usd == pytest.approx(1.086)
    assert p.allowed_cidr == CIDR and p.role_name == "sparkify-redshift-s3-read"


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_provision_twice_reuses_everything(mocked_aws, settings, target):
    first = aws.provision(target, progress=False, poll_s=0)
    second = aws.provision(target, progress=False, poll_s=0)
    assert first.status == second.status == "available"
    assert first.role_arns == second.role_arns == (aws.role_arn(target),)
    assert first.encrypted and not first.publicly_accessible
    assert (first.node_type, first.num_nodes) == ("ra3.large", 2)
    rs = boto3.client("redshift", region_name="us-west-2")
    assert [c["ClusterIdentifier"] for c in rs.describe_clusters()["Clusters"]] == ["sparkify-dw"]
    iam = boto3.client("iam")
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["sparkify-redshift-s3-read"]
    (group,) = first.security_group_ids
    assert group == aws.default_security_group(target)
    rules = port_rules(group, 5439)
    assert [r["CidrIp"] for r in rules] == [CIDR]


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_role_trusts_redshift_and_reads_s3(mocked_aws, settings, target):
    arn = aws.ensure_role(target)
    iam = boto3.client("iam")
    role = iam.get_role(RoleName=settings.iam_role_name)["Role"]
    assert role["Arn"] == arn
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "redshift.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    attached = iam.list_attached_role_policies(RoleName=settings.iam_role_name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [aws.S3_READ_ONLY_POLICY]


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_existing_role_gets_the_missing_policy(mocked_aws, settings, target):
    iam = boto3.client("iam")
    iam.create_role(RoleName=settings.iam_role_name, AssumeRolePolicyDocument="{}")
    aws.ensure_role(target)
    attached = iam.list_attached_role_policies(RoleName=settings.iam_role_name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [aws.S3_READ_ONLY_POLICY]


def test_ingress_has_exactly_the_cidr_and_port(mocked_aws, settings, target):
    group = aws.default_security_group(target)
    first = aws.ensure_ingress(target)
    second = aws.ensure_ingress(target)
    assert (first.created, second.created) == (True, False)
    assert (first.group_id, first.cidr, first.port) == (group, CIDR, 5439)
    ec2 = boto3.client("ec2", region_name="us-west-2")
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    ours = [p for p in perms if p.get("FromPort") == 5439]
    assert len(ours) == 1
    assert (ours[0]["IpProtocol"], ours[0]["ToPort"]) == ("tcp", 5439)
    assert [r["CidrIp"] for r in ours[0]["IpRanges"]] == [CIDR]


def _ingress_cidrs(group: str) -> list[str]:
    ec2 = boto3.client("ec2", region_name="us-west-2")
    perms = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"]
    return [
        r.get("CidrIp") or r["CidrIpv6"]
        for p in perms
        if p.get("FromPort") == 5439
        for r in p.get("IpRanges", []) + p.get("Ipv6Ranges", [])
    ]


@pytest.mark.parametrize(
    ("cidr", "why"),
    [
        ("0.0.0.0/0", "0.0.0.0/0 opens the database port to the whole internet"),
        ("::/0", "::/0 opens the database port to the whole internet"),
        ("10.0.0.0/16", "10.0.0.0/16 is wider than a /24: 65,536 addresses may connect"),
        ("198.51.100.0/23", "wider than a /24: 512 addresses"),
        ("2001:db8::/48", "2001:db8::/48 is wider than a /64"),
    ],
)
def test_a_wide_ingress_is_refused_with_the_fix(aws_env, write_config, cidr, why):
    with pytest.raises(ConfigError) as err:
        load_settings(REDSHIFT_YAML, environ={"SPARKIFY_ALLOWED_CIDR": cidr})
    message = str(err.value)
    assert message.startswith(
        "config/redshift.yaml: SPARKIFY_ALLOWED_CIDR (overrides cluster.allowed_cidr): is refused"
    )
    assert why in message
    assert "cluster.allow_wide_ingress: true" in message and "203.0.113.7/32" in message
    path = write_config(cluster={"allowed_cidr": cidr})
    with pytest.raises(ConfigError, match=f"{path}: cluster.allowed_cidr: is refused"):
        load_settings(path, environ={})


@pytest.mark.parametrize("cidr", ["198.51.100.0/24", "203.0.113.7/32", "2001:db8::/64"])
def test_an_ingress_up_to_a_24_or_64_is_accepted_without_a_warning(aws_env, cidr, caplog):
    with caplog.at_level(logging.WARNING):
        settings = load_settings(REDSHIFT_YAML, environ={"SPARKIFY_ALLOWED_CIDR": cidr})
    assert settings.cluster.allowed_cidr == cidr
    assert caplog.records == []


def test_a_wide_ingress_allowed_in_the_settings_is_warned_and_applied(
    mocked_aws, write_config, caplog
):
    path = write_config(cluster={"allow_wide_ingress": True})
    with caplog.at_level(logging.WARNING):
        settings = load_settings(path, environ={"SPARKIFY_ALLOWED_CIDR": "0.0.0.0/0"})
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(  # at load: the runner's console, not only the notebook
        f"{path}: cluster.allowed_cidr: 0.0.0.0/0 opens the database port to the whole "
        "internet (allowed by cluster.allow_wide_ingress: true)" in w
        for w in warned
    )
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        rule = aws.ensure_ingress(for_settings(settings))
    assert rule.cidr == "0.0.0.0/0" and _ingress_cidrs(rule.group_id) == ["0.0.0.0/0"]
    assert any("whole internet" in r.getMessage() for r in caplog.records)


def test_a_wide_ingress_passed_directly_is_refused_and_nothing_is_opened(mocked_aws, target):
    group = aws.default_security_group(target)
    with pytest.raises(ConfigError, match="cluster.allow_wide_ingress: true"):
        aws.ensure_ingress(target, group, "0.0.0.0/0")
    assert _ingress_cidrs(group) == []


def test_no_cidr_and_no_detection_refuses(mocked_aws, aws_env, monkeypatch):
    settings = load_settings(REDSHIFT_YAML, environ={})
    monkeypatch.setattr(network, "CHECKIP_URL", "http://127.0.0.1:9/")
    assert network.detect_public_cidr(timeout_s=0.5, url=network.CHECKIP_URL) is None
    monkeypatch.setattr(network, "detect_public_cidr", lambda: None)
    with pytest.raises(ConfigError, match="cluster.allowed_cidr.*SPARKIFY_ALLOWED_CIDR"):
        aws.provision(for_settings(settings), progress=False)
    assert aws.describe_cluster(for_settings(settings)) is None


def test_detected_address_is_used(mocked_aws, aws_env, monkeypatch):
    settings = load_settings(REDSHIFT_YAML, environ={})
    monkeypatch.setattr(network, "detect_public_cidr", lambda: "198.51.100.23/32")
    assert aws.ensure_ingress(for_settings(settings)).cidr == "198.51.100.23/32"


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_teardown_twice_succeeds(mocked_aws, settings, target):
    info = aws.provision(target, progress=False, poll_s=0)
    first = aws.teardown(target, progress=False, poll_s=0)
    assert first.removed == [
        "cluster sparkify-dw",
        f"ingress rule on {info.security_group_ids[0]} ({CIDR})",
        "IAM role sparkify-redshift-s3-read",
    ]
    assert first.already_gone == []
    assert first.final_snapshot.startswith("sparkify-dw-final-")
    rs = boto3.client("redshift", region_name="us-west-2")
    snaps = rs.describe_cluster_snapshots(SnapshotIdentifier=first.final_snapshot)
    assert len(snaps["Snapshots"]) == 1
    assert aws.describe_cluster(target) is None and aws.role_arn(target) is None
    assert port_rules(info.security_group_ids[0], 5439) == []
    second = aws.teardown(target, progress=False, poll_s=0)
    assert second.removed == [] and len(second.already_gone) == 3
    assert second.final_snapshot is None


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_teardown_can_skip_the_snapshot(mocked_aws, settings, target):
    aws.provision(target, progress=False, poll_s=0)
    report = aws.teardown(target, skip_final_snapshot=True, progress=False, poll_s=0)
    assert report.final_snapshot is None
    rs = boto3.client("redshift", region_name="us-west-2")
    assert [
        s for s in rs.describe_cluster_snapshots()["Snapshots"] if s["SnapshotType"] == "manual"
    ] == []


def test_refused_node_type_fails_before_any_aws_call(write_config, aws_env, monkeypatch):
    def no_aws(*args, **kwargs):
        raise AssertionError("an AWS session was created")

    monkeypatch.setattr(boto3, "Session", no_aws)
    monkeypatch.setattr(boto3, "client", no_aws)
    path = write_config(cluster={"node_type": "dc2.large"})
    with pytest.raises(ConfigError) as err:
        aws.provision(for_settings(load_settings(path, environ={"SPARKIFY_ALLOWED_CIDR": CIDR})))
    assert "cluster.node_type" in str(err.value) and "ra3.large" in str(err.value)


def test_missing_credentials_on_redshift_target(aws_env, monkeypatch, settings, target):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CredentialsError) as err:
        aws.provision(target, progress=False)
    message = str(err.value)
    assert "no AWS credentials found" in message
    assert "aws configure --profile" in message and "aws sso login" in message
    assert "SPARKIFY_AWS_PROFILE" in message


def test_unknown_profile_is_a_credentials_error(aws_env):
    settings = load_settings(REDSHIFT_YAML, environ={"SPARKIFY_AWS_PROFILE": "nobody"})
    with pytest.raises(CredentialsError, match="nobody.*aws configure --profile"):
        for_settings(settings).aws_session()


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_unmanaged_password_needs_the_environment(mocked_aws, write_config):
    path = write_config(cluster={"manage_master_password": False})
    settings = load_settings(path, environ={"SPARKIFY_ALLOWED_CIDR": CIDR})
    with pytest.raises(CredentialsError, match="SPARKIFY_DB_PASSWORD"):
        aws.provision(for_settings(settings), progress=False, poll_s=0)
    settings = load_settings(
        path, environ={"SPARKIFY_ALLOWED_CIDR": CIDR, "SPARKIFY_DB_PASSWORD": "Abcdef12"}
    )
    assert aws.provision(for_settings(settings), progress=False, poll_s=0).status == "available"


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_paused_cluster_is_a_state_error_with_a_next_step(mocked_aws, settings, target):
    aws.provision(target, progress=False, poll_s=0)
    boto3.client("redshift", region_name="us-west-2").pause_cluster(
        ClusterIdentifier=settings.cluster.identifier
    )
    with pytest.raises(ClusterStateError, match="'paused'; resume it"):
        aws.provision(target, progress=False, poll_s=0)
    with pytest.raises(WaiterTimeoutError, match="last status 'paused'"):
        aws.wait_available(target, timeout_s=0, progress=False, poll_s=1)


def test_waiting_for_a_missing_cluster_says_to_provision(mocked_aws, settings, target):
    with pytest.raises(ClusterStateError, match="does not exist; provision it first"):
        aws.wait_available(target, progress=False, poll_s=0)


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_connection_details_and_credentials(mocked_aws, settings, tmp_path, target):
    info = aws.provision(target, progress=False, poll_s=0)
    details = aws.connection_details(target)
    assert (details.host, details.port) == (info.host, 5439)
    assert (details.db_name, details.db_user) == ("sparkifydw", "sparkify_admin")
    assert details.role_arn == aws.role_arn(target)
    assert details.password is None
    credentials = aws.cluster_credentials(target)
    user, password = credentials
    assert user.endswith("sparkify_admin")
    assert isinstance(password, str) and len(password) >= 8
    assert password not in repr(credentials)
    written = aws.write_dwh_cfg(details, tmp_path / "dwh.cfg")
    assert aws.read_dwh_cfg(written).host == info.host


def test_connection_details_without_a_cluster(mocked_aws, settings, target):
    with pytest.raises(ClusterStateError, match="does not exist; provision it"):
        aws.connection_details(target)


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_master_password_secret(mocked_aws, settings, monkeypatch, target):
    aws.provision(target, progress=False, poll_s=0)
    assert aws.master_password_secret(target) is None  # moto does not manage the password
    sm = boto3.client("secretsmanager", region_name="us-west-2")
    arn = sm.create_secret(
        Name="redshift!sparkify-dw", SecretString=json.dumps({"username": "u", "password": "pw9"})
    )["ARN"]
    from dataclasses import replace

    from sparkify_helpers.aws import connection

    real = connection.describe_cluster
    monkeypatch.setattr(
        connection,
        "describe_cluster",
        lambda s: replace(real(s), master_password_secret_arn=arn),
    )
    assert aws.master_password_secret(target) == "pw9"


@pytest.mark.aws_managed_policies  # attaches AmazonS3ReadOnlyAccess
def test_cluster_info_shows_through_the_workbook_frame(mocked_aws, settings, target):
    from sparkify_helpers.workbook import as_frame

    info = aws.provision(target, progress=False, poll_s=0)
    frame = as_frame(info)
    assert frame.loc["status", "value"] == "available"
    assert frame.loc["hourly_cost_usd", "value"] == pytest.approx(1.086)
    assert frame.loc["role_arns", "value"] == info.role_arns[0]


def test_the_wait_bar_ends_complete_with_the_state_reached():
    import io

    from tqdm import tqdm

    from sparkify_helpers.aws.cluster import finish_bar

    out = io.StringIO()
    with tqdm(desc="sparkify-dw: cluster_available", unit="poll", file=out) as bar:
        bar.update(3)
        finish_bar(bar, "available")
    last = out.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert "4/4" in last and "available" in last and "?" not in last
