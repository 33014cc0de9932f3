"""dialect rewrites: the failure paths and building blocks behind the corpus cases."""

from __future__ import annotations

import duckdb
import pytest
from corpus_runner import run_case

from sparkify_helpers.dialect import TranslationError, translate
from sparkify_helpers.dialect.strings import similar_to_regex
from sparkify_helpers.dialect.timezones import zone_offset

SCHEMA = {"t": {"i": "INTEGER", "z": "VARCHAR", "ts": "TIMESTAMP", "s": "VARCHAR"}}


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE t (i INTEGER, z VARCHAR, ts TIMESTAMP, s VARCHAR)")
    connection.execute("INSERT INTO t VALUES (0, 'PST', TIMESTAMP '2008-08-24 09:36:12', 'a')")
    yield connection
    connection.close()


def run(con, sql: str):
    rows = None
    for statement in translate(sql, SCHEMA):
        rows = con.execute(statement).fetchall()
    return rows


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT CONVERT_TIMEZONE(z, ts) FROM t", "zone that is not a literal"),
        ("SELECT s SIMILAR TO z FROM t", "pattern that is not a literal"),
        ("SELECT TRUNC(mystery) FROM t", "truncates a number or a timestamp"),
        ("SELECT REGEXP_REPLACE(s, 'a', 'b', 2) FROM t", "start position other than 1"),
        ("SELECT INTERVAL_CMP('3 days', '1 year')", "INTERVAL_CMP has no local"),
        ("SELECT SUM(i) OVER (ORDER BY ts) FROM t", "require a frame clause"),
        ("SELECT FIRST_VALUE(i) OVER (ORDER BY ts) FROM t", "require a frame clause"),
        ("SELECT MAX(i) FILTER (WHERE i > 0) FROM t", "FILTER (WHERE ...) is not Redshift"),
        ("SELECT CONCAT('a', 'b', 'c')", "CONCAT takes two arguments"),
        ("SELECT TO_CHAR(ts, 'YYYY Q') FROM t", "TO_CHAR format"),
        ("SELECT TO_CHAR(-125.8, '999D99S')", "TO_CHAR of a number with format '999D99S'"),
        ("SELECT TO_DATE('20010631', 'YYYYMMDD', FALSE)", "(..., FALSE)"),
    ],
)
def test_refusals_are_one_line_naming_the_construct(sql, message):
    with pytest.raises(TranslationError, match=None) as caught:
        translate(sql, SCHEMA)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_framed_aggregate_windows_and_ranking_functions_still_translate(con):
    sql = "SELECT SUM(i) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING), RANK() OVER (ORDER BY ts)"
    assert run(con, f"{sql} FROM t") == [(0, 1)]


def test_division_by_zero_raises_for_columns_and_not_for_other_rows(con):
    with pytest.raises(duckdb.Error, match="division by zero"):
        run(con, "SELECT 10 / i FROM t")
    con.execute("INSERT INTO t VALUES (4, 'x', NULL, 'b')")
    assert run(con, "SELECT 10 / i FROM t WHERE i <> 0") == [(2,)]
    assert run(con, "SELECT 10 / NULLIF(i, 0) FROM t ORDER BY i") == [(None,), (2,)]
    guarded = "SELECT CASE WHEN i = 0 THEN -1 ELSE 10 / i END FROM t ORDER BY i"
    assert run(con, guarded) == [(-1,), (2,)]  # the error is raised only for a zero it divides by


def test_windowed_integer_average_truncates(con):
    con.execute("INSERT INTO t VALUES (1, 'x', NULL, 'b')")
    sql = "SELECT AVG(i) OVER (ORDER BY i ROWS UNBOUNDED PRECEDING) FROM t ORDER BY i"
    assert run(con, sql) == [(0,), (0,)]  # 0, then (0 + 1) / 2 = 0.5 truncated


def test_fixed_zone_from_a_column_of_the_schema(con):
    assert run(con, "SELECT CONVERT_TIMEZONE('UTC', 'PST', ts) FROM t")[0][0].hour == 1


@pytest.mark.parametrize(
    ("zone", "minutes"),
    [
        ("PST", -480),
        ("pdt", -420),
        ("UTC", 0),
        ("GMT+2", -120),
        ("NEWZONE -2:15", 135),
        ("America/Los_Angeles+2", -120),
        ("America/New_York", None),
        ("America/Port-au-Prince", None),
    ],
)
def test_zone_offsets_follow_redshift(zone, minutes):
    assert zone_offset(zone) == minutes


@pytest.mark.parametrize(
    ("pattern", "regex"),
    [
        ("%E%|%H%", ".*E.*|.*H.*"),
        ("_b_", ".b."),
        ("$[0-9]+(.[0-9][0-9])?", r"\$[0-9]+(\.[0-9][0-9])?"),
        ("[%_]x", "[%_]x"),
        ("100\\%", "100%"),
    ],
)
def test_similar_to_patterns_become_posix_regexes(pattern, regex):
    assert similar_to_regex(pattern) == regex


def test_the_corpus_runner_reports_different_answers_and_bare_errors():
    wrong = {"id": "x", "page": "p.md", "sql": "select 7/2;", "value": 3.5}
    assert run_case(wrong).kind == "different"
    bare = {"id": "y", "page": "p.md", "sql": "select cast('x' as integer);", "value": 1}
    assert run_case(bare).kind == "error"
    error = {"id": "z", "page": "p.md", "sql": "select 1/0;", "error": "division by zero"}
    assert run_case(error).kind == "match"
    silent = {"id": "w", "page": "p.md", "sql": "select 1/1;", "error": "division by zero"}
    assert run_case(silent).kind == "different"
