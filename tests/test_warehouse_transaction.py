"""``Warehouse.transaction()``: run_* calls and queries join one open transaction; both targets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sparkify_helpers import config, paths
from sparkify_helpers.errors import DataCheckError, WarehouseError
from sparkify_helpers.targets import for_settings
from sparkify_helpers.warehouse.redshift import RedshiftWarehouse


@pytest.fixture
def stand_in(aws_env, monkeypatch, tmp_path):
    """A SQLite engine stands in for the cluster (statements reach it as written)."""
    monkeypatch.setenv("SPARKIFY_ALLOWED_CIDR", "203.0.113.7/32")
    target = for_settings(config.load_settings(paths.config_dir() / "redshift.yaml"))
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'stand_in.db'}")
    warehouse = RedshiftWarehouse(target, engine=engine)
    warehouse.run_sql("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);")
    yield warehouse
    warehouse.close()


@pytest.fixture
def local(local_target):
    with local_target.open_warehouse() as warehouse:
        warehouse.run_sql("CREATE TABLE t (id INTEGER); INSERT INTO t VALUES (1);")
        yield warehouse


@pytest.fixture(params=["local", "redshift"])
def warehouse(request):
    return request.getfixturevalue("local" if request.param == "local" else "stand_in")


def ids(warehouse) -> list[int]:
    return sorted(int(v) for v in warehouse.query("SELECT id FROM t")["id"])


def test_statements_of_several_calls_commit_together_and_queries_see_them(warehouse):
    with warehouse.transaction():
        warehouse.run_sql("INSERT INTO t VALUES (2);")
        warehouse.run_sql("DELETE FROM t WHERE id = 1;")
        assert warehouse.in_transaction
        assert ids(warehouse) == [2]  # the transaction's own rows, not yet committed
    assert not warehouse.in_transaction
    assert ids(warehouse) == [2]


def test_an_exception_in_the_block_rolls_every_call_back(warehouse):
    with pytest.raises(DataCheckError, match="a check failed"), warehouse.transaction():
        warehouse.run_sql("DELETE FROM t;")
        warehouse.run_sql("INSERT INTO t VALUES (5);")
        raise DataCheckError("a check failed")
    assert ids(warehouse) == [1]


def test_a_failing_statement_rolls_back_the_earlier_calls_and_names_itself(warehouse):
    failing = "INSERT INTO t VALUES (3); INSERT INTO missing_table VALUES (4);"
    with (
        pytest.raises(WarehouseError, match=r"sql statement 2 failed") as caught,
        warehouse.transaction(),
    ):
        warehouse.run_sql("DELETE FROM t;")
        warehouse.run_sql(failing)
    assert not isinstance(caught.value, DataCheckError)
    assert ids(warehouse) == [1]
    warehouse.run_sql("INSERT INTO t VALUES (6);")  # the connection is usable again
    assert ids(warehouse) == [1, 6]


def test_an_interrupt_rolls_back_too(warehouse):
    with pytest.raises(KeyboardInterrupt), warehouse.transaction():
        warehouse.run_sql("DELETE FROM t;")
        raise KeyboardInterrupt
    assert ids(warehouse) == [1]


def test_transactions_do_not_nest(warehouse):
    with (
        pytest.raises(WarehouseError, match="already open"),
        warehouse.transaction(),
        warehouse.transaction(),
    ):
        pass  # pragma: no cover
    assert ids(warehouse) == [1]


def test_on_redshift_other_connections_do_not_see_the_open_transaction(stand_in):
    with stand_in.transaction():
        stand_in.run_sql("INSERT INTO t VALUES (2);")
        with stand_in.engine.connect() as other:  # what an analyst's session sees
            seen = [row[0] for row in other.exec_driver_sql("SELECT id FROM t ORDER BY id")]
        assert seen == [1]
        assert ids(stand_in) == [1, 2]
    assert ids(stand_in) == [1, 2]
