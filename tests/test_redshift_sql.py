"""The SQL the load and the run lock send to Redshift parses as Redshift SQL, twice.

No cluster runs here, so what only Redshift executes is at least read by two independent
Redshift parsers: sqlglot (``read="redshift"``) and sqlfluff (dialect ``redshift``). The
load's statements are captured as the local warehouse receives them (canonical Redshift SQL,
before the DuckDB translation) during a real full refresh of the sample, so the generated
ones are included: the ``__new`` tables' CREATE statements, the transforms and checks renamed
onto them, the swap (DROP TABLE, ALTER TABLE ... RENAME TO; Developer Guide
``r_ALTER_TABLE.md``, ``r_DROP_TABLE.md``). The run lock's statements come from
``run_lock.REDSHIFT_STATEMENTS`` (``r_LOCK.md``, ``r_SET.md``).
"""

from __future__ import annotations

import re

import pytest
import sqlfluff
import sqlglot
from sqlfluff.api.simple import APIParsingError
from sqlglot import exp

from sparkify_helpers import load, run_lock
from sparkify_helpers.run_folder import RunFolder

# Statements sqlglot reads only as an opaque Command (it has no parser for them); sqlfluff
# must parse them. Anything else reaching a Command is a failure.
SQLGLOT_COMMANDS = ("COPY", "LOCK")


def parses_as_redshift(statement: str) -> None:
    tree = sqlglot.parse_one(statement, read="redshift")  # raises on a syntax error
    if isinstance(tree, exp.Command):
        assert str(tree.this).upper() in SQLGLOT_COMMANDS, f"sqlglot cannot read: {statement}"
    try:
        sqlfluff.parse(statement, dialect="redshift")
    except APIParsingError as exc:
        pytest.fail(f"sqlfluff (redshift) cannot parse:\n{statement}\n{exc}")


def _literal_binds(statement: str) -> str:
    """SQLAlchemy's ``:name`` binds as string literals (what the driver sends in their place)."""
    return re.sub(r":(\w+)", r"'\1'", statement)


@pytest.mark.parametrize("statement", run_lock.REDSHIFT_STATEMENTS)
def test_the_run_lock_sql_parses_as_redshift(statement):
    parses_as_redshift(_literal_binds(statement))


def test_a_full_refresh_sends_only_sql_that_parses_as_redshift(seeded_sample, tmp_path):
    target, _ = seeded_sample
    sent: list[str] = []
    with target.open_warehouse() as dw:
        execute, query = dw._execute, dw.query

        def recording_execute(statement: str):
            sent.append(statement)
            return execute(statement)

        def recording_query(sql: str):
            sent.append(sql)
            return query(sql)

        dw._execute, dw.query = recording_execute, recording_query
        run = RunFolder.open(tmp_path / "r-1")
        for full_refresh in (False, True):
            load.create_tables(dw, full_refresh=full_refresh)
            staged = load.copy_staging(dw, run, full_refresh=full_refresh)
            load.publish(dw, run, "r-1", full_refresh=full_refresh, staged=staged)
    generated = [s for s in sent if "__new" in s]
    assert any(s.startswith("ALTER TABLE songplays__new RENAME TO songplays") for s in sent)
    assert any("MERGE INTO songplays__new" in s for s in generated)
    assert any("ON songplays__new.songplay_id = n.songplay_id" in s for s in generated)
    assert any("FROM songplays__new AS songplays" in s for s in generated)  # a check
    for statement in dict.fromkeys(sent):  # each distinct statement once
        parses_as_redshift(statement)
