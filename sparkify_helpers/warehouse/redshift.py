"""The redshift target's warehouse: SQLAlchemy over ``redshift_connector``.

The password never comes from a file: IAM temporary credentials
(``GetClusterCredentials``) by default, else ``SPARKIFY_DB_PASSWORD``, else the
Secrets Manager secret that ``ManageMasterPassword`` created.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL

from sparkify_helpers import aws
from sparkify_helpers.aws import AwsAccess, ConnectionDetails
from sparkify_helpers.errors import CopyError, CredentialsError, SparkifyError, WarehouseError
from sparkify_helpers.warehouse.base import (
    ROW_COUNT_KINDS,
    Warehouse,
    statement_kind,
)

log = logging.getLogger(__name__)


def redshift_url(host: str, port: int, database: str, user: str, password: str) -> URL:
    """The SQLAlchemy URL of a Redshift database (the password stays in memory)."""
    return URL.create(
        "redshift+redshift_connector",
        username=user,
        password=password,
        host=host,
        port=port,
        database=database,
    )


def resolve_login(access: AwsAccess, details: ConnectionDetails) -> tuple[str, str]:
    """(user, password) from the environment, IAM temporary credentials or Secrets Manager."""
    password = access.settings.db_password
    if password is not None:
        return details.db_user, password.get_secret_value()
    try:
        user, temporary = aws.cluster_credentials(access)
        return user, temporary
    except SparkifyError as exc:  # fall back to the managed secret before giving up
        iam_problem = str(exc)
        log.warning("IAM database credentials unavailable: %s; trying Secrets Manager", exc)
    secret = aws.master_password_secret(access)
    if secret:
        return details.db_user, secret
    raise CredentialsError(
        f"No database password. IAM temporary credentials failed ({iam_problem}) and the "
        "cluster has no Secrets Manager password. Allow `redshift:GetClusterCredentials` for "
        "your AWS identity, or set SPARKIFY_DB_PASSWORD in your environment (never in a file)."
    )


def create_engine(access: AwsAccess) -> sa.Engine:
    """An engine on the cluster with a fresh login (IAM temporary credentials expire)."""
    details = aws.connection_details(access)
    user, password = resolve_login(access, details)
    url = redshift_url(details.host, details.port, details.db_name, user, password)
    return sa.create_engine(url, pool_pre_ping=True)


class RedshiftWarehouse(Warehouse):
    """Redshift over SQLAlchemy; SQL runs as written, COPY runs on the cluster."""

    kind = "redshift"

    def __init__(self, access: AwsAccess, engine: sa.Engine | None = None) -> None:
        super().__init__(access)
        self.engine = engine if engine is not None else create_engine(access)

    def _begin(self) -> None:
        self._conn = self.engine.connect()
        self._transaction = self._conn.begin()

    def _execute(self, statement: str) -> int | None:
        cursor = self._conn.exec_driver_sql(statement)
        return cursor.rowcount if statement_kind(statement) in ROW_COUNT_KINDS else None

    def _commit(self) -> None:
        try:
            self._transaction.commit()
        finally:
            self._conn.close()

    def _rollback(self) -> None:
        try:
            self._transaction.rollback()
        finally:
            self._conn.close()

    def _map_error(
        self, exc: BaseException, where: tuple[str, int, str], started: datetime
    ) -> Exception | None:
        if not isinstance(exc, sa.exc.DBAPIError):
            return None
        source, index, statement = where
        if statement_kind(statement) == "COPY":
            errors = self.load_errors(since=started)
            return CopyError(
                f"{source}: COPY failed: {exc.orig}. stl_load_errors holds {len(errors)} rows.",
                errors,
            )
        return WarehouseError(f"{source} statement {index} failed on Redshift: {exc.orig}")

    def _after_commit(self) -> None:
        """Nothing to record: Redshift keeps ``stl_load_errors`` itself."""

    def query(self, sql: str) -> pd.DataFrame:
        started = time.perf_counter()
        try:
            if self.in_transaction:  # the open transaction's connection sees its own rows
                frame = pd.read_sql_query(sa.text(sql), self._conn)
            else:
                with self.engine.connect() as conn:
                    frame = pd.read_sql_query(sa.text(sql), conn)
        except sa.exc.DBAPIError as exc:
            raise WarehouseError(f"Query failed on Redshift: {exc.orig}\n{sql}") from exc
        log.info("query (%.2fs, %d rows)", time.perf_counter() - started, len(frame))
        return frame

    def close(self) -> None:
        self.engine.dispose()
