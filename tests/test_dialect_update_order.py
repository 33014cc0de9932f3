"""UPDATE ... FROM (subquery): the translation sorts the subquery by the join key, and the
UPDATE changes exactly the rows and values it changes unsorted (an UPDATE's outcome does not
depend on the order of its source rows; r_UPDATE.md)."""

from __future__ import annotations

import random

import duckdb
import pytest
import sqlglot

from sparkify_helpers.dialect import translate
from sparkify_helpers.paths import sql_dir
from sparkify_helpers.sqlfiles import split_statements

SCHEMA = {
    "target": {"id": "INTEGER", "name": "VARCHAR", "score": "INTEGER"},
    "source": {"id": "INTEGER", "name": "VARCHAR", "score": "INTEGER"},
}
UPDATE = (
    "UPDATE target SET name = best.name, score = best.score "
    "FROM (SELECT s.id, s.name, s.score FROM source AS s WHERE s.score > 10) AS best "
    "WHERE target.id = best.id"
)


def _ordered_by(statement: str) -> list[str]:
    """The ORDER BY keys of the UPDATE's FROM subquery, as DuckDB reads the translation."""
    tree = sqlglot.parse_one(statement, read="duckdb")
    select = tree.args["from_"].this.this
    order = select.args.get("order")
    return [key.this.sql() for key in order.expressions] if order else []


def test_the_from_subquery_is_sorted_by_the_column_the_where_joins_on():
    (translated,) = translate(UPDATE, SCHEMA)
    assert _ordered_by(translated) == ["s.id"]


@pytest.mark.parametrize(
    "statement",
    [
        # already ordered, or limited: ORDER BY would change which rows come
        UPDATE.replace("s.score > 10)", "s.score > 10 ORDER BY s.score)"),
        UPDATE.replace("s.score > 10)", "s.score > 10 LIMIT 3)"),
        # no equality between the target and the subquery
        UPDATE.replace("target.id = best.id", "target.score < best.score"),
        # a table, not a subquery
        "UPDATE target SET name = source.name FROM source WHERE target.id = source.id",
        # the key is not a column the subquery projects
        UPDATE.replace("SELECT s.id, s.name", "SELECT s.id AS key, s.name").replace(
            "best.id", "best.ident"
        ),
    ],
)
def test_other_updates_are_left_as_written(statement):
    (translated,) = translate(statement, SCHEMA)
    assert _ordered_by(translated) == _ordered_by(
        sqlglot.transpile(statement, read="redshift", write="duckdb")[0]
    )


def test_the_sorted_update_changes_the_same_rows_to_the_same_values():
    rng = random.Random(7)
    ids = list(range(5000))
    rng.shuffle(ids)
    evens = [i for i in ids if i % 2 == 0]
    results = []
    for statement in (
        sqlglot.transpile(UPDATE, read="redshift", write="duckdb")[0],
        *translate(UPDATE, SCHEMA),
    ):
        con = duckdb.connect()
        con.execute("CREATE TABLE target (id INTEGER, name VARCHAR, score INTEGER)")
        con.execute("CREATE TABLE source (id INTEGER, name VARCHAR, score INTEGER)")
        con.executemany("INSERT INTO target VALUES (?, 'old', 0)", [[i] for i in ids])
        con.executemany(
            "INSERT INTO source VALUES (?, ?, ?)", [[i, f"n{i}", i % 20] for i in evens]
        )
        changed = con.execute(statement).fetchone()[0]
        results.append((changed, con.execute("SELECT * FROM target ORDER BY id").fetchall()))
    (plain_changed, plain), (sorted_changed, rows) = results
    assert sorted_changed == plain_changed == sum(1 for i in evens if i % 20 > 10)
    assert rows == plain
    assert rows[13] == (13, "old", 0)  # only even ids are in source: 13 kept its values
    assert rows[12] == (12, "n12", 12)
    assert rows[8] == (8, "old", 0)  # its score (8) is not above 10


def test_the_songplays_rematch_update_is_sorted_by_songplay_id():
    text = (sql_dir() / "insert" / "50_songplays.sql").read_text()
    updates = [s for s in split_statements(text) if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1
    (translated,) = translate(updates[0])
    assert _ordered_by(translated) == ["ranked.songplay_id"]
