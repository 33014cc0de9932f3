"""The redshift target's warehouse: URL, login resolution, statements as written, COPY errors."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from sparkify_helpers import aws, config, errors, paths
from sparkify_helpers.errors import CopyError, CredentialsError, WarehouseError
from sparkify_helpers.targets import for_settings
from sparkify_helpers.warehouse.redshift import RedshiftWarehouse, redshift_url, resolve_login


@pytest.fixture
def settings(aws_env, monkeypatch):
    monkeypatch.setenv("SPARKIFY_ALLOWED_CIDR", "203.0.113.7/32")
    return config.load_settings(paths.config_dir() / "redshift.yaml")


@pytest.fixture
def target(settings):
    return for_settings(settings)


def test_url_uses_the_redshift_dialect_and_driver_and_hides_the_password():
    url = redshift_url("example.redshift.amazonaws.com", 5439, "sparkifydw", "IAM:admin", "s3cr3t")
    assert url.drivername == "redshift+redshift_connector"
    assert "s3cr3t" not in str(url)
    engine = sa.create_engine(url)  # loads sqlalchemy-redshift's dialect; no connection made
    assert engine.dialect.name == "redshift"
    assert engine.dialect.driver == "redshift_connector"


def test_login_prefers_a_password_from_the_environment(settings, monkeypatch):
    monkeypatch.setenv("SPARKIFY_DB_PASSWORD", "from-env")
    with_password = config.load_settings(settings.config_path)
    details = aws.ConnectionDetails(host="h", port=5439, db_name="d", db_user="admin")
    assert resolve_login(for_settings(with_password), details) == ("admin", "from-env")


def test_login_falls_back_to_iam_temporary_credentials(settings, mocked_aws, target):
    aws.provision(target, progress=False, poll_s=0.1)
    details = aws.connection_details(target)
    user, password = resolve_login(target, details)
    assert user.endswith(settings.cluster.db_user)
    assert password and password != "********"


@pytest.fixture
def stand_in(settings, tmp_path, target):
    """A SQLite engine stands in for the cluster: statements must reach it as written."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stand_in.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE stl_load_errors (query INT, starttime TEXT, filename TEXT, "
            "line_number INT, colname TEXT, type TEXT, col_length TEXT, raw_line TEXT, "
            "raw_field_value TEXT, err_code INT, err_reason TEXT)"
        )
    return RedshiftWarehouse(target, engine=engine)


def test_statements_run_as_written_in_one_transaction(stand_in):
    results = stand_in.run_sql("CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2);")
    assert [(r.kind, r.rows) for r in results] == [("CREATE", None), ("INSERT", 2)]
    with pytest.raises(WarehouseError, match="statement 2 failed on Redshift"):
        stand_in.run_sql("INSERT INTO t VALUES (3); INSERT INTO nowhere VALUES (4);")
    assert stand_in.row_count("t") == 2


def test_a_failing_copy_raises_copy_error_with_the_rows_from_stl_load_errors(stand_in):
    with stand_in.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO stl_load_errors VALUES (9, '2999-01-01 00:00:00', 's3://b/log.json', "
            "3, 'user_id', 'int4', '0', '{bad', 'x', 1207, 'Invalid digit')"
        )
    with pytest.raises(CopyError, match="stl_load_errors holds 1 rows") as caught:
        stand_in.run_sql("COPY staging_events FROM 's3://b/log' FORMAT AS JSON 'auto';")
    errors = caught.value.load_errors
    assert isinstance(errors, pd.DataFrame)
    assert errors.loc[0, "err_code"] == 1207


def test_no_password_anywhere_says_what_failed_and_what_to_do(
    settings, mocked_aws, monkeypatch, target
):
    def refused(_settings, *args, **kwargs):
        raise errors.AccessDeniedError("not allowed: redshift:GetClusterCredentials")

    monkeypatch.setattr(aws, "cluster_credentials", refused)
    monkeypatch.setattr(aws, "master_password_secret", lambda _settings: None)
    details = aws.ConnectionDetails(host="h", port=5439, db_name="d", db_user="admin")
    with pytest.raises(CredentialsError) as caught:
        resolve_login(target, details)
    message = str(caught.value)
    assert "redshift:GetClusterCredentials" in message and "SPARKIFY_DB_PASSWORD" in message


def test_create_engine_logs_in_fresh_and_points_at_the_cluster(settings, monkeypatch, target):
    from sparkify_helpers.warehouse import redshift

    details = aws.ConnectionDetails(host="c.example", port=5439, db_name="dw", db_user="admin")
    monkeypatch.setattr(aws, "connection_details", lambda _settings: details)
    logins = iter([("IAM:admin", "first"), ("IAM:admin", "second")])
    monkeypatch.setattr(redshift, "resolve_login", lambda _s, _d: next(logins))
    first, second = (
        redshift.create_engine(target),
        redshift.create_engine(target),
    )
    assert (first.url.host, first.url.database, first.url.username) == (
        "c.example",
        "dw",
        "IAM:admin",
    )
    assert (first.url.password, second.url.password) == ("first", "second")
