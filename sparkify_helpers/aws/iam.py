"""The IAM role the cluster assumes to read S3: created, reused, or removed idempotently."""

from __future__ import annotations

import json
import logging

from botocore.exceptions import ClientError

from sparkify_helpers.aws.errors import aws_errors, error_code
from sparkify_helpers.aws.session import AwsAccess, client

log = logging.getLogger(__name__)

S3_READ_ONLY_POLICY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "redshift.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def role_arn(target: AwsAccess) -> str | None:
    """The role's ARN, or None when it does not exist."""
    iam = client(target, "iam")
    with aws_errors(f"read IAM role {target.settings.iam_role_name}", "iam:GetRole"):
        try:
            return iam.get_role(RoleName=target.settings.iam_role_name)["Role"]["Arn"]
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return None
            raise


def ensure_role(target: AwsAccess) -> str:
    """Create (or reuse) the role trusting Redshift, with S3 read-only attached; its ARN."""
    name = target.settings.iam_role_name
    iam = client(target, "iam")
    arn = role_arn(target)
    if arn is None:
        with aws_errors(f"create IAM role {name}", "iam:CreateRole"):
            try:
                arn = iam.create_role(
                    RoleName=name,
                    AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                    Description="Lets the Sparkify Redshift cluster read S3",
                )["Role"]["Arn"]
                log.info("created IAM role %s", name)
            except ClientError as exc:
                if error_code(exc) != "EntityAlreadyExists":
                    raise
                arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    else:
        log.info("reusing IAM role %s", name)
    with aws_errors(f"attach {S3_READ_ONLY_POLICY} to {name}", "iam:AttachRolePolicy"):
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        if S3_READ_ONLY_POLICY not in {p["PolicyArn"] for p in attached}:
            iam.attach_role_policy(RoleName=name, PolicyArn=S3_READ_ONLY_POLICY)
            log.info("attached AmazonS3ReadOnlyAccess to %s", name)
    return arn


def delete_role(target: AwsAccess) -> bool:
    """Detach the policy and delete the role; False when it was already gone."""
    name = target.settings.iam_role_name
    iam = client(target, "iam")
    with aws_errors(f"delete IAM role {name}", "iam:DeleteRole"):
        try:
            iam.detach_role_policy(RoleName=name, PolicyArn=S3_READ_ONLY_POLICY)
        except ClientError as exc:
            if error_code(exc) != "NoSuchEntity":
                raise
        try:
            iam.delete_role(RoleName=name)
        except ClientError as exc:
            if error_code(exc) == "NoSuchEntity":
                return False
            raise
    log.info("deleted IAM role %s", name)
    return True
