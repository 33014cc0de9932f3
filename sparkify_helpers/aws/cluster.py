"""The Redshift cluster: describe, create or reuse, wait for a state, delete."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError, WaiterError
from tqdm.std import tqdm

from sparkify_helpers.aws.errors import aws_errors, error_code, map_error
from sparkify_helpers.aws.pricing import hourly_cost
from sparkify_helpers.aws.session import AwsAccess, client
from sparkify_helpers.errors import ClusterStateError, CredentialsError, WaiterTimeoutError
from sparkify_helpers.progress import bar as progress_bar

log = logging.getLogger(__name__)

REUSABLE = {"available", "creating"}
BLOCKED_NEXT_STEP = {
    "deleting": "wait until the deletion finishes (describe_cluster returns None), then provision",
    "final-snapshot": "wait until the deletion finishes, then provision again",
    "paused": "resume it (`aws redshift resume-cluster --cluster-identifier {id}`) and retry",
}


@dataclass(frozen=True)
class ClusterInfo:
    """What the notebook shows about a cluster."""

    identifier: str
    status: str
    host: str | None
    port: int | None
    db_name: str
    db_user: str
    node_type: str
    num_nodes: int
    role_arns: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    encrypted: bool = False
    publicly_accessible: bool = False
    hourly_cost_usd: float | None = None
    master_password_secret_arn: str | None = field(default=None, repr=False)

    @classmethod
    def from_api(cls, cluster: dict[str, Any]) -> ClusterInfo:
        """Build from one DescribeClusters entry."""
        endpoint = cluster.get("Endpoint") or {}
        nodes = int(cluster.get("NumberOfNodes", 1))
        return cls(
            identifier=cluster["ClusterIdentifier"],
            status=cluster["ClusterStatus"],
            host=endpoint.get("Address"),
            port=endpoint.get("Port"),
            db_name=cluster.get("DBName", ""),
            db_user=cluster.get("MasterUsername", ""),
            node_type=cluster["NodeType"],
            num_nodes=nodes,
            role_arns=tuple(r["IamRoleArn"] for r in cluster.get("IamRoles", [])),
            security_group_ids=tuple(
                g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", [])
            ),
            encrypted=bool(cluster.get("Encrypted")),
            publicly_accessible=bool(cluster.get("PubliclyAccessible")),
            hourly_cost_usd=hourly_cost(cluster["NodeType"], nodes),
            master_password_secret_arn=cluster.get("MasterPasswordSecretArn"),
        )


def describe_cluster(target: AwsAccess) -> ClusterInfo | None:
    """The cluster's current description, or None when it does not exist."""
    ident = target.settings.cluster.identifier
    with aws_errors(f"describe cluster {ident}", "redshift:DescribeClusters"):
        try:
            clusters = client(target, "redshift").describe_clusters(ClusterIdentifier=ident)
        except ClientError as exc:
            if error_code(exc) == "ClusterNotFound":
                return None
            raise
    return ClusterInfo.from_api(clusters["Clusters"][0])


def _check_reusable(target: AwsAccess, info: ClusterInfo) -> ClusterInfo:
    """Raise ClusterStateError when the existing cluster cannot be used now."""
    if info.status in REUSABLE:
        if (info.node_type, info.num_nodes) != (
            target.settings.cluster.node_type,
            target.settings.cluster.num_nodes,
        ):
            log.warning(
                "reusing cluster %s with %s x %s (configuration asks for %s x %s); resize it "
                "in the console or tear it down to change it",
                info.identifier,
                info.num_nodes,
                info.node_type,
                target.settings.cluster.num_nodes,
                target.settings.cluster.node_type,
            )
        return info
    step = BLOCKED_NEXT_STEP.get(
        info.status, "wait until it is available again (describe_cluster shows the status)"
    ).format(id=info.identifier)
    raise ClusterStateError(f"cluster {info.identifier} is {info.status!r}; {step}")


def _password_args(target: AwsAccess) -> dict[str, Any]:
    if target.settings.cluster.manage_master_password:
        return {"ManageMasterPassword": True}
    if target.settings.db_password is None:
        raise CredentialsError(
            "cluster.manage_master_password is false but SPARKIFY_DB_PASSWORD is not set; "
            "set it in the environment, or set manage_master_password: true"
        )
    return {"MasterUserPassword": target.settings.db_password.get_secret_value()}


def ensure_cluster(
    target: AwsAccess, role_arn: str, security_group_id: str | None = None
) -> ClusterInfo:
    """Create the encrypted cluster (or reuse the existing one); returns it without waiting."""
    existing = describe_cluster(target)
    if existing is not None:
        log.info("reusing cluster %s (%s)", existing.identifier, existing.status)
        return _check_reusable(target, existing)
    c = target.settings.cluster
    kwargs: dict[str, Any] = {
        "ClusterIdentifier": c.identifier,
        "ClusterType": c.cluster_type,
        "NodeType": c.node_type,
        "DBName": c.db_name,
        "MasterUsername": c.db_user,
        "Port": c.port,
        "Encrypted": True,
        "PubliclyAccessible": c.publicly_accessible,
        "IamRoles": [role_arn],
        **_password_args(target),
    }
    if c.num_nodes > 1:
        kwargs["NumberOfNodes"] = c.num_nodes
    if security_group_id:
        kwargs["VpcSecurityGroupIds"] = [security_group_id]
    with aws_errors(f"create cluster {c.identifier}", "redshift:CreateCluster"):
        try:
            created = client(target, "redshift").create_cluster(**kwargs)["Cluster"]
        except ClientError as exc:
            if error_code(exc) != "ClusterAlreadyExists":
                raise
            return _check_reusable(target, describe_cluster(target))  # type: ignore[arg-type]
    log.info("creating cluster %s (%s x %s)", c.identifier, c.num_nodes, c.node_type)
    return ClusterInfo.from_api(created)


def _poll_once(waiter: Any, ident: str, waiter_name: str) -> str | None:
    """One waiter attempt: None when done, else the current status; raises on a dead end."""
    try:
        waiter.wait(ClusterIdentifier=ident, WaiterConfig={"Delay": 1, "MaxAttempts": 1})
        return None
    except WaiterError as exc:
        last = exc.last_response or {}
        code = last.get("Error", {}).get("Code")
        status = code or (last.get("Clusters") or [{}])[0].get("ClusterStatus", "unknown")
        if code == "ClusterNotFound":
            raise ClusterStateError(
                f"cluster {ident} does not exist; provision it first (aws.provision)"
            ) from exc
        if code:
            raise map_error(
                ClientError(last, "DescribeClusters"),
                f"wait for {ident}",
                "redshift:DescribeClusters",
            ) from exc
        if "Max attempts exceeded" not in str(exc):
            raise ClusterStateError(
                f"cluster {ident} reached state {status!r} while waiting for {waiter_name}; "
                "check it with describe_cluster and retry the step"
            ) from exc
        return str(status)


def _wait(
    target: AwsAccess, waiter_name: str, timeout_s: float, poll_s: float, progress: bool
) -> None:
    """Poll a redshift waiter one attempt at a time, updating a tqdm bar, until done."""
    waiter = client(target, "redshift").get_waiter(waiter_name)
    ident = target.settings.cluster.identifier
    deadline = time.monotonic() + timeout_s
    with progress_bar(desc=f"{ident}: {waiter_name}", unit="poll", disable=not progress) as bar:
        while (status := _poll_once(waiter, ident, waiter_name)) is not None:
            bar.set_postfix_str(status)
            bar.update(1)
            if time.monotonic() + poll_s > deadline:
                raise WaiterTimeoutError(
                    f"cluster {ident} did not reach {waiter_name} within {timeout_s:.0f} s "
                    f"(last status {status!r}); check it with describe_cluster and wait again"
                )
            time.sleep(poll_s)
        finish_bar(bar, waiter_name.removeprefix("cluster_"))


def finish_bar(bar: tqdm, state: str) -> None:
    """Close a bar of unknown length as complete (``n/n``), its postfix the state reached."""
    bar.update(1)
    bar.total = bar.n
    bar.set_postfix_str(state)
    bar.refresh()


def wait_available(
    target: AwsAccess, timeout_s: float = 1800, progress: bool = True, poll_s: float = 15
) -> ClusterInfo:
    """Wait until the cluster is available (tqdm progress); its description."""
    _wait(target, "cluster_available", timeout_s, poll_s, progress)
    return describe_cluster(target)  # type: ignore[return-value]


def wait_deleted(
    target: AwsAccess, timeout_s: float = 1800, progress: bool = True, poll_s: float = 15
) -> None:
    """Wait until the cluster is gone."""
    _wait(target, "cluster_deleted", timeout_s, poll_s, progress)


def final_snapshot_id(identifier: str, now: datetime | None = None) -> str:
    """``<identifier>-final-<YYYYMMDDHHMMSS>`` (UTC)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d%H%M%S")
    return f"{identifier}-final-{stamp}"


def delete_cluster(target: AwsAccess, skip_final_snapshot: bool) -> tuple[bool, str | None]:
    """Start deleting the cluster; (True, snapshot id) or (False, None) when already gone."""
    ident = target.settings.cluster.identifier
    info = describe_cluster(target)
    if info is None:
        return False, None
    if info.status == "deleting":
        return True, None
    snapshot = None if skip_final_snapshot else final_snapshot_id(ident)
    kwargs: dict[str, Any] = {
        "ClusterIdentifier": ident,
        "SkipFinalClusterSnapshot": snapshot is None,
    }
    if snapshot:
        kwargs["FinalClusterSnapshotIdentifier"] = snapshot
    with aws_errors(f"delete cluster {ident}", "redshift:DeleteCluster"):
        try:
            client(target, "redshift").delete_cluster(**kwargs)
        except ClientError as exc:
            if error_code(exc) == "ClusterNotFound":
                return False, None
            raise
    log.info("deleting cluster %s (final snapshot: %s)", ident, snapshot or "skipped")
    return True, snapshot
