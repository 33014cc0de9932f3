"""The ``redshift`` target: your AWS account, a real cluster, SQL run as written."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from sparkify_helpers import paths, run_lock
from sparkify_helpers.aws.session import chain_session, key_pair_session
from sparkify_helpers.errors import ClusterStateError, ConfigError
from sparkify_helpers.targets.base import RunScope, Target, no_scope

if TYPE_CHECKING:  # loaded when a warehouse or engine is made, not to choose the target
    import sqlalchemy as sa

    from sparkify_helpers.warehouse.redshift import RedshiftWarehouse

log = logging.getLogger(__name__)


class RedshiftTarget(Target):
    """AWS through the standard credential chain; the warehouse through SQLAlchemy."""

    kind = "redshift"

    def describe(self) -> str:
        aws = self.settings.aws
        return (
            f"**Redshift target.** AWS calls go to your account in `{aws.region}`"
            f" (profile `{aws.profile or 'default chain'}`). Provisioning "
            "creates billable resources: run `05_teardown` when you are done."
        )

    def endpoint_url(self) -> str | None:
        return self.settings.aws.endpoint_url

    def aws_session(self) -> boto3.Session:
        settings = self.settings
        if settings.legacy_credentials is not None:
            return key_pair_session(settings.aws.region, settings.legacy_credentials)
        return chain_session(settings.aws.region, settings.aws.profile)

    def open_warehouse(self, *, read_only: bool = False) -> RedshiftWarehouse:
        from sparkify_helpers.warehouse.redshift import RedshiftWarehouse

        return RedshiftWarehouse(self)

    def sql_connection(self, *, headless: bool = False) -> sa.Engine | None:
        if headless:
            log.info("Headless run on Redshift: the ad hoc %%sql cells are skipped.")
            return None
        from sparkify_helpers.warehouse.redshift import create_engine

        return create_engine(self)

    def check_source(self, source: str | None) -> str | None:
        if source is None or source.startswith("s3://"):
            return source.rstrip("/") if source else None
        raise ConfigError(
            f"--source {source}: the redshift target loads from S3; upload the folder to a "
            "bucket and pass --source s3://bucket/prefix."
        )

    def check_ready(self) -> None:
        self.aws_session()  # no credentials: say so now, before any notebook runs

    def run_lock(self, run_id: str) -> AbstractContextManager[dict[str, Any]]:
        """``LOCK sparkify_run_lock`` held by a session open for the run (across machines)."""
        return self._run_lock(run_id)

    @contextmanager
    def _run_lock(self, run_id: str) -> Iterator[dict[str, Any]]:
        from sparkify_helpers.warehouse.redshift import create_engine

        what = f"the Redshift warehouse of cluster {self.settings.cluster.identifier}"
        try:
            engine = create_engine(self)
        except ClusterStateError as exc:  # the first run provisions it: nothing to lock yet
            log.warning("run %s starts without the run lock: %s", run_id, exc)
            yield {"run_id": run_id}
            return
        try:
            with run_lock.held_on_redshift(engine, run_id, what) as holder:
                yield holder
        finally:
            engine.dispose()

    def run_scope(
        self, source: str | None, events: int, seed: int
    ) -> AbstractContextManager[RunScope]:
        return contextmanager(no_scope)()

    @property
    def dwh_cfg_path(self) -> Path:
        return paths.project_root() / "dwh.cfg"

    def __repr__(self) -> str:
        return f"RedshiftTarget({self.settings.cluster.identifier!r})"


__all__ = ["RedshiftTarget"]
