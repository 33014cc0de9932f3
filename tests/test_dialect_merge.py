"""Redshift MERGE (r_MERGE.md) translated for DuckDB's MERGE INTO, checked on both parsers.

sqlglot 30 writes Redshift's column-less ``WHEN NOT MATCHED THEN INSERT VALUES (...)`` as
``INSERT (VALUES(...))``, which DuckDB cannot parse; the dialect layer rewrites it. What
Redshift's MERGE refuses is refused locally too (r_MERGE.md: "source_table can't be a view or
a subquery", "You can't use the WITH clause in a MERGE statement").
"""

from __future__ import annotations

import duckdb
import pytest
import sqlglot
from copy_helpers import staging_connection

from sparkify_helpers.dialect import translate
from sparkify_helpers.errors import TranslationError
from sparkify_helpers.paths import sql_dir
from sparkify_helpers.sqlfiles import read_sql_folder

SCHEMA = {
    "target": {"id": "INTEGER", "name": "VARCHAR"},
    "source": {"id": "INTEGER", "name": "VARCHAR"},
}
COLUMNLESS = (
    "MERGE INTO target USING source ON target.id = source.id "
    "WHEN MATCHED THEN UPDATE SET name = source.name "
    "WHEN NOT MATCHED THEN INSERT VALUES (source.id, source.name)"
)


def test_sqlglot_alone_writes_an_insert_duckdb_cannot_parse():
    written = sqlglot.transpile(COLUMNLESS, read="redshift", write="duckdb")[0]
    assert "INSERT (VALUES(" in written
    with pytest.raises(sqlglot.errors.ParseError):
        sqlglot.parse_one(written, read="duckdb")


def test_a_columnless_insert_is_translated_and_runs_as_r_merge_says():
    sqlglot.parse_one(COLUMNLESS, read="redshift")  # Redshift's form, read by its parser
    [duck] = translate(COLUMNLESS, SCHEMA)
    assert "INSERT VALUES (source.id, source.name)" in duck
    sqlglot.parse_one(duck, read="duckdb")
    con = duckdb.connect()
    # r_MERGE.md's example: 102 and 103 updated, 104 inserted, 101 left alone
    con.execute("CREATE TABLE target (id INTEGER, name VARCHAR)")
    con.execute("CREATE TABLE source (id INTEGER, name VARCHAR)")
    con.execute("INSERT INTO target VALUES (101, 'Bob'), (102, 'John'), (103, 'Susan')")
    con.execute("INSERT INTO source VALUES (102, 'Tony'), (103, 'Alice'), (104, 'Bill')")
    con.execute(duck)
    assert con.execute("SELECT * FROM target ORDER BY id").fetchall() == [
        (101, "Bob"), (102, "Tony"), (103, "Alice"), (104, "Bill"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        (
            "MERGE INTO target USING (SELECT 1 AS id) AS s ON target.id = s.id "
            "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
            "a subquery as the source table",
        ),
        (
            "WITH s AS (SELECT 1 AS id) MERGE INTO target USING s ON target.id = s.id "
            "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (id) VALUES (s.id)",
            "a WITH clause",
        ),
        (
            "MERGE INTO target USING source ON target.id = source.id "
            "WHEN MATCHED AND source.name <> 'x' THEN DELETE "
            "WHEN NOT MATCHED THEN INSERT (id) VALUES (source.id)",
            "a condition on WHEN",
        ),
    ],
)
def test_what_redshifts_merge_refuses_is_refused_locally(statement, what):
    with pytest.raises(TranslationError, match=f"does not allow {what}.*r_MERGE.md"):
        translate(statement, SCHEMA)


def test_every_shipped_merge_reads_as_redshift_and_runs_on_duckdb():
    merges = [
        s
        for f in read_sql_folder(sql_dir() / "insert")
        for s in f.statements
        if "MERGE INTO" in s.upper()
    ]
    # users and their latest events, artists, songs, songplays and their keys
    assert len(merges) == 6
    con = staging_connection()
    for statement in merges:
        sqlglot.parse_one(statement, read="redshift")
        for duck in translate(statement):
            sqlglot.parse_one(duck, read="duckdb")
            con.execute(duck)  # on empty tables: parses, binds and runs
