"""Remove everything provisioning made; anything already gone counts as success."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sparkify_helpers.aws.cluster import delete_cluster, describe_cluster, wait_deleted
from sparkify_helpers.aws.iam import delete_role
from sparkify_helpers.aws.network import revoke_ingress
from sparkify_helpers.aws.session import AwsAccess

log = logging.getLogger(__name__)


@dataclass
class TeardownReport:
    """What teardown removed and what was already gone."""

    removed: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    final_snapshot: str | None = None

    def note(self, what: str, removed: bool) -> None:
        """Record one step's outcome."""
        (self.removed if removed else self.already_gone).append(what)
        log.info("%s: %s", what, "removed" if removed else "already gone")


def teardown(
    target: AwsAccess,
    skip_final_snapshot: bool | None = None,
    progress: bool = True,
    timeout_s: float = 1800,
    poll_s: float = 15,
) -> TeardownReport:
    """Delete the cluster (final snapshot unless skipped), its ingress rule and the IAM role."""
    skip = (
        target.settings.cluster.skip_final_snapshot
        if skip_final_snapshot is None
        else skip_final_snapshot
    )
    report = TeardownReport()
    ident = target.settings.cluster.identifier
    info = describe_cluster(target)
    groups = list(info.security_group_ids) if info else []
    deleted, report.final_snapshot = delete_cluster(target, skip)
    if deleted:
        wait_deleted(target, timeout_s=timeout_s, progress=progress, poll_s=poll_s)
    report.note(f"cluster {ident}", deleted)
    for group in groups or [None]:
        cidrs = revoke_ingress(target, group)
        report.note(
            f"ingress rule on {group or 'default security group'}"
            + (f" ({', '.join(cidrs)})" if cidrs else ""),
            bool(cidrs),
        )
    report.note(f"IAM role {target.settings.iam_role_name}", delete_role(target))
    return report
