"""``%sql`` speaks Redshift on the local target: jupysql for real, on the engine that
``Target.sql_connection`` builds (a read-only DuckDB file behind the translator)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from sparkify_helpers import dialect
from sparkify_helpers.warehouse.sql_engine import local_engine

DDL = """
CREATE TABLE songplays (songplay_id BIGINT IDENTITY(0,1), start_time TIMESTAMP, user_id INT,
  level VARCHAR(10), song_id VARCHAR(18), artist_id VARCHAR(18), session_id INT,
  location VARCHAR(256), user_agent VARCHAR(512));
CREATE TABLE staging_events (ts BIGINT, userid INT, page VARCHAR(32));
"""
ROWS = (
    "INSERT INTO songplays (start_time, user_id, level, session_id) VALUES "
    "('2018-11-01 21:01:46', 8, 'free', 139), ('2018-11-02 10:00:00', 8, 'paid', 140), "
    "('2018-11-03 10:00:00', NULL, 'free', 141), ('2018-11-04 11:00:00', 26, 'paid', 142)",
    "INSERT INTO staging_events VALUES (1541106106796, 8, 'NextSong')",
)


@pytest.fixture
def shell(tmp_path: Path):
    """An IPython shell with jupysql loaded and ``%sql`` on the translating engine."""
    from IPython.testing.globalipapp import get_ipython

    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    for statement in dialect.translate_script(DDL, {}):
        con.execute(statement)
    for row in ROWS:
        con.execute(row)
    con.close()
    ip = get_ipython()
    ip.run_line_magic("load_ext", "sql")
    ip.run_line_magic("config", "SqlMagic.autopandas = True")
    ip.user_ns["engine"] = local_engine(path)
    ip.run_line_magic("sql", "engine --alias warehouse")
    yield ip
    ip.run_line_magic("sql", "--close warehouse")


def rows(ip, sql: str) -> list[tuple]:
    frame = ip.run_line_magic("sql", sql)
    return [tuple(r) for r in frame.itertuples(index=False)]


def test_top_and_null_functions(shell) -> None:
    # r_TOP_clause (SELECT TOP n), r_NVL_function.md, r_DECODE_expression.md
    got = rows(
        shell,
        "SELECT TOP 3 NVL(user_id, -1) AS u, DECODE(level, 'free', 0, 1) AS paid "
        "FROM songplays ORDER BY session_id",
    )
    assert got == [(8, 0), (8, 1), (-1, 0)]


def test_integer_division_and_integer_avg(shell) -> None:
    # r_numeric_computations201.md: integer / truncates; AVG of integers is an integer
    assert rows(shell, "SELECT 7/2 AS q, AVG(user_id) AS a FROM songplays") == [(3, 14)]


def test_nulls_first_in_descending_order(shell) -> None:
    # r_ORDER_BY_clause.md: "NULL values are sorted and ranked ... first in DESC ordering"
    got = rows(shell, "SELECT user_id FROM songplays ORDER BY user_id DESC")
    assert got[0][0] is None or got[0][0] != got[0][0]  # None or NaN
    assert [r[0] for r in got[1:]] == [26, 8, 8]


def test_epoch_idiom_and_dates(shell) -> None:
    got = rows(
        shell,
        "SELECT TIMESTAMP 'epoch' + ts/1000 * INTERVAL '1 second' AS t, "
        "DATEADD(day, 1, '2018-11-01') AS d, DATEDIFF(day, '2018-11-01', '2018-11-03') AS n, "
        "TO_CHAR(TIMESTAMP '2018-11-01 21:01:46', 'YYYY-MM-DD') AS c FROM staging_events",
    )
    assert got[0][0] == datetime(2018, 11, 1, 21, 1, 46)
    assert got[0][1] == datetime(2018, 11, 2)
    assert got[0][2:] == (2, "2018-11-01")


def test_getdate_is_utc_to_the_second(shell) -> None:
    # r_GETDATE.md: the current date and time in UTC, to the second; SYSDATE keeps fractions
    now, sysdate = rows(shell, "SELECT GETDATE() AS now, SYSDATE AS s")[0]
    assert now.microsecond == 0 and now.tzinfo is None and sysdate.tzinfo is None


def test_listagg_timezone_and_approximate_count(shell) -> None:
    got = rows(
        shell,
        "SELECT LISTAGG(level, ',') WITHIN GROUP (ORDER BY session_id) AS l, "
        "APPROXIMATE COUNT(DISTINCT user_id) AS n, "
        "CONVERT_TIMEZONE('UTC', 'America/New_York', TIMESTAMP '2018-11-01 21:00:00') AS ny "
        "FROM songplays",
    )
    assert got == [("free,paid,free,paid", 2, datetime(2018, 11, 1, 17, 0))]


def one_line_error(shell, sql: str) -> str:
    from IPython.core.error import UsageError

    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("sql", sql)
    message = str(caught.value)
    assert "Traceback" not in message and "[SQL:" not in message
    return message


def test_division_by_zero_is_an_error(shell) -> None:
    # r_numeric_computations201.md: "divide-by-zero conditions return errors"
    assert "division by zero" in one_line_error(shell, "SELECT session_id / 0 FROM songplays")
    assert rows(shell, "SELECT COUNT(*) AS n FROM songplays") == [(4,)]  # the session recovers


def test_untranslatable_construct_is_one_clear_line(shell) -> None:
    message = one_line_error(shell, "SELECT DATEDIFF(week, start_time, GETDATE()) FROM songplays")
    assert "week boundaries" in message and "DATEDIFF(day" in message
    assert len(message.strip().splitlines()) == 1


def test_read_only(shell) -> None:
    message = one_line_error(shell, "INSERT INTO songplays (user_id) VALUES (1)")
    assert message.startswith("%sql is read-only: INSERT")
    assert rows(shell, "SELECT COUNT(*) AS n FROM songplays") == [(4,)]


def test_show_points_to_sqlcmd(shell) -> None:
    assert "%sqlcmd tables" in one_line_error(shell, "SHOW TABLES")


def test_sqlcmd_tables_and_columns(shell) -> None:
    tables = str(shell.run_line_magic("sqlcmd", "tables"))
    assert "songplays" in tables and "staging_events" in tables
    columns = str(shell.run_line_magic("sqlcmd", "columns -t songplays"))
    assert "session_id" in columns and "user_agent" in columns


def test_system_view_names_pass_through_untouched() -> None:
    # built by the COPY/system-view work; the translator must leave their names alone
    for view in ("pg_table_def", "svv_table_info", "stl_load_errors"):
        (out,) = dialect.translate(f"SELECT * FROM {view}", {})
        assert out == f"SELECT * FROM {view}"


def test_no_second_vaguer_line_before_a_refusal(capsys, caplog) -> None:
    with pytest.raises(dialect.TranslationError, match="SHOW"):
        dialect.translate("SHOW TABLES", {})
    assert "Falling back" not in capsys.readouterr().err + caplog.text
