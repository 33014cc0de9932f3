"""Redshift's system views on the local warehouse, queried with Redshift SQL (the translator).

Columns are the Developer Guide's (r_STL_LOAD_ERRORS.md, SYS_LOAD_ERROR_DETAIL.md,
r_STL_LOAD_COMMITS.md, SYS_LOAD_HISTORY.md, r_STV_TBL_PERM.md, r_SVV_TABLE_INFO.md,
r_PG_TABLE_DEF.md); the queries are the pages' own sample queries, unchanged.
"""

from __future__ import annotations

import pytest
from copy_helpers import mocked_s3, ndjson, put, shipped_copy

from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.errors import CopyError, WarehouseError
from sparkify_helpers.warehouse.system_views import VIEWS
from sparkify_helpers.warehouse.table_design import pg_type

COLUMNS = {
    "stl_load_errors": "userid slice tbl starttime session query filename line_number colname "
    "type col_length position raw_line raw_field_value err_code err_reason is_partial "
    "start_offset copy_job_id",
    "sys_load_error_detail": "user_id query_id transaction_id session_id database_name table_id "
    "start_time file_name line_number column_name column_type column_length position error_code "
    "error_message",
    "stl_load_commits": "userid query slice name filename byte_offset lines_scanned errors "
    "curtime status file_format is_partial start_offset copy_job_id",
    "sys_load_history": "user_id query_id transaction_id session_id database_name status "
    "table_name start_time end_time duration data_source file_format loaded_rows loaded_bytes "
    "source_file_count source_file_bytes file_count_scanned file_bytes_scanned error_count "
    "copy_job_id",
    "stv_tbl_perm": "slice id name rows sorted_rows temp db_id insert_pristine delete_pristine "
    "backup dist_style block_count",
    "svv_table_info": "database schema table_id table encoded diststyle sortkey1 max_varchar "
    "sortkey1_enc sortkey_num size pct_used empty unsorted stats_off tbl_rows skew_sortkey1 "
    "skew_rows estimated_visible_rows",
    "pg_table_def": "schemaname tablename column type encoding distkey sortkey notnull",
}
SONG = {"song_id": "S1", "artist_id": "A1", "title": "t", "year": 2000, "duration": 1.5}


@pytest.fixture
def loaded(local_target, monkeypatch):
    """A local warehouse with the tables of sql/create, one good COPY and one that failed."""
    with mocked_s3(monkeypatch) as s3, local_target.open_warehouse() as dw:
        monkeypatch.setattr(local_target, "aws_client", lambda *args, **kwargs: s3)
        dw.run_folder(create_dir())
        put(s3, "song_data/a.json", ndjson(SONG, {**SONG, "song_id": "S2", "year": "soon"}))
        with pytest.raises(CopyError, match="1 row rejected"):
            dw.run_statements([("copy", [shipped_copy("staging_songs")])])
        put(s3, "song_data/a.json", ndjson(SONG, {**SONG, "song_id": "S2"}))
        put(s3, "song_data/b.json", ndjson({**SONG, "song_id": "S3"}))
        dw.run_statements([("copy", [shipped_copy("staging_songs")])])
        yield dw


def test_every_view_has_the_documented_columns(loaded):
    for view in VIEWS:
        frame = loaded.query(f"SELECT * FROM {view} LIMIT 0")
        assert list(frame.columns) == COLUMNS[view].split(), view


def test_stl_load_errors_joins_stv_tbl_perm_as_the_guides_loadview(loaded):
    """r_STL_LOAD_ERRORS.md: the loadview of stl_load_errors and stv_tbl_perm, then "which
    table did my COPY fail on"."""
    loaded.run_sql(
        "create view loadview as\n"
        "(select distinct tbl, trim(name) as table_name, query, starttime,\n"
        "trim(filename) as input, line_number, colname, err_code,\n"
        "trim(err_reason) as reason\n"
        "from stl_load_errors sl, stv_tbl_perm sp\n"
        "where sl.tbl = sp.id);"
    )
    last = loaded.query(
        "select table_name, query, line_number, colname, starttime,\n"
        "trim(reason) as error\nfrom loadview\nwhere table_name ='staging_songs'\n"
        "order by line_number limit 1;"
    )
    assert last[["table_name", "line_number", "colname"]].values.tolist() == [
        ["staging_songs", 2, "year"]
    ]
    assert last["error"].iloc[0].startswith("Invalid digit, Value 's'")
    detail = loaded.query(
        "SELECT query_id, table_id, trim(file_name) AS file_name, trim(column_name) AS column_name,"
        " trim(column_type) AS column_type, error_code FROM sys_load_error_detail"
    )
    errors = loaded.query("SELECT query, tbl FROM stl_load_errors")
    assert detail[["query_id", "table_id"]].values.tolist() == errors.values.tolist()
    assert detail[["file_name", "column_name", "column_type", "error_code"]].values.tolist() == [
        ["s3://sparkify-test/song_data/a.json", "year", "int4", 1207]
    ]


def test_load_commits_and_history_record_each_copy_and_its_files(loaded):
    """r_STL_LOAD_COMMITS.md: "details for the last COPY operation" with pg_last_copy_id()."""
    last = loaded.query(
        "select query, trim(filename) as file, curtime as updated\n"
        "from stl_load_commits\nwhere query = pg_last_copy_id();"
    )
    assert sorted(last["file"]) == [
        "s3://sparkify-test/song_data/a.json",
        "s3://sparkify-test/song_data/b.json",
    ]
    history = loaded.query(
        "SELECT query_id, table_name, status, data_source, loaded_rows, error_count, "
        "source_file_count FROM sys_load_history ORDER BY query_id"
    )
    assert history.drop(columns="query_id").values.tolist() == [
        ["staging_songs", "aborted", "s3://sparkify-test/song_data/a.json", 0, 1, 0],
        ["staging_songs", "completed", "s3://sparkify-test/song_data", 3, 0, 2],
    ]
    assert history["query_id"].iloc[-1] == last["query"].iloc[0]


def test_svv_table_info_shows_the_catalogs_design_for_tables_with_rows(loaded):
    """r_SVV_TABLE_INFO.md: its sample query; "doesn't return any information for empty
    tables" (only staging_songs has rows here)."""
    info = loaded.query(
        'select "table", encoded, diststyle, sortkey1, skew_sortkey1, skew_rows\n'
        "from svv_table_info\norder by 1;"
    )
    assert info["table"].tolist() == ["staging_songs"]
    assert info[["encoded", "diststyle"]].values.tolist() == [["N", "EVEN"]]
    loaded.run_sql(
        "INSERT INTO songplays (songplay_id, start_time, user_id, level) "
        "VALUES (1, '2018-11-01 00:00:00', 7, 'free')"
    )
    row = loaded.query(
        "SELECT diststyle, sortkey1, sortkey_num, tbl_rows, max_varchar FROM svv_table_info "
        "WHERE \"table\" = 'songplays'"
    ).iloc[0]
    songplays = read_catalog().table("songplays")
    assert row["diststyle"] == f"KEY({songplays.distkey})"
    assert (row["sortkey1"], row["sortkey_num"]) == (songplays.sortkey[0], len(songplays.sortkey))
    assert (int(row["tbl_rows"]), int(row["max_varchar"])) == (1, max(songplays.lengths().values()))
    perm = loaded.query("select distinct id, name, dist_style from stv_tbl_perm order by name;")
    assert set(perm["name"]) >= set(read_catalog().names)
    assert perm.set_index("name").loc["songplays", "dist_style"] == 1  # KEY


def test_pg_table_def_lists_columns_with_types_keys_and_not_null(loaded):
    """r_PG_TABLE_DEF.md: its sample query, on the catalog's songplays and a table of our own."""
    frame = loaded.query(
        'select "column", type, encoding, distkey, sortkey, "notnull"\nfrom pg_table_def\n'
        "where tablename = 'songplays'\nand sortkey <> 0;"
    )
    songplays = read_catalog().table("songplays")
    assert frame.values.tolist() == [
        [songplays.sortkey[0], "timestamp without time zone", "none", True, 1, True]
    ]
    every = loaded.query("select \"column\", type from pg_table_def where tablename = 'songplays'")
    assert every.values.tolist() == [[c.name, pg_type(c.type)] for c in songplays.columns]
    loaded.run_sql("create table demotable (one int not null, two numeric(8,2), three varchar)")
    demo = loaded.query("select * from pg_table_def where tablename = 'demotable'")
    assert demo[["column", "type", "distkey", "sortkey", "notnull"]].values.tolist() == [
        ["one", "integer", False, 0, True],
        ["two", "numeric(8,2)", False, 0, False],
        ["three", "character varying(256)", False, 0, False],
    ]


def test_the_views_are_read_only_and_exist_on_read_only_connections(loaded, local_target):
    with pytest.raises(WarehouseError):
        loaded.run_sql("INSERT INTO stl_load_errors (err_code) VALUES (1)")
    with pytest.raises(WarehouseError):
        loaded.run_sql("DELETE FROM sys_load_history")
    count = loaded.query("SELECT count(*) AS n FROM stl_load_errors")["n"].iloc[0]
    assert count == 1
    loaded.close()
    with local_target.open_warehouse(read_only=True) as reader:
        assert reader.query("SELECT count(*) AS n FROM stl_load_errors")["n"].iloc[0] == 1
        assert reader.query("SELECT count(*) AS n FROM stl_load_commits")["n"].iloc[0] == 2


def test_a_table_outside_sql_create_keeps_its_redshift_design(local_target, monkeypatch):
    """CREATE TABLE (r_CREATE_TABLE_NEW.md) on the local warehouse: VARCHAR(n) and CHAR(n)
    limit what COPY loads (r_Load_Error_Reference.md 1204; multi-byte-character-load-errors.md
    1220), and svv_table_info and pg_table_def show the declared keys."""
    with mocked_s3(monkeypatch) as s3, local_target.open_warehouse() as dw:
        monkeypatch.setattr(local_target, "aws_client", lambda *args, **kwargs: s3)
        dw.run_sql(
            "CREATE TABLE venue (venueid SMALLINT NOT NULL, venuename VARCHAR(10), "
            "venuestate CHAR(2)) DISTKEY (venueid) SORTKEY (venuename, venueid)"
        )
        put(
            s3,
            "venue/a.json",
            ndjson(
                {"venueid": 1, "venuename": "Arena", "venuestate": "WA"},
                {"venueid": 2, "venuename": "A much longer name", "venuestate": "NY"},
                {"venueid": 3, "venuename": "Hall", "venuestate": "QC\u00e9"},
            ),
        )
        copy = "COPY venue FROM 's3://sparkify-test/venue/' JSON 'auto' MAXERROR 5"
        dw.run_statements([("copy", [copy])])
        assert dw.query("SELECT venueid, venuename FROM venue").values.tolist() == [[1, "Arena"]]
        errors = dw.query("SELECT line_number, colname, err_code FROM stl_load_errors")
        assert errors.values.tolist() == [[2, "venuename", 1204], [3, "venuestate", 1220]]
        info = dw.query(
            "SELECT diststyle, sortkey1, sortkey_num, max_varchar FROM svv_table_info "
            "WHERE \"table\" = 'venue'"
        )
        assert info.values.tolist() == [["KEY(venueid)", "venuename", 2, 10]]
        columns = dw.query(
            'SELECT "column", type, distkey, sortkey, "notnull" FROM pg_table_def '
            "WHERE tablename = 'venue'"
        )
        assert columns.values.tolist() == [
            ["venueid", "smallint", True, 2, True],
            ["venuename", "character varying(10)", False, 1, False],
            ["venuestate", "character(2)", False, 0, False],
        ]
        dw.run_sql("DROP TABLE venue")
        assert (
            dw.query("SELECT count(*) AS n FROM pg_table_def WHERE tablename = 'venue'")["n"].iloc[
                0
            ]
            == 0
        )


def test_an_older_warehouse_s_stl_load_errors_table_moves_into_the_view(local_target):
    """Warehouses written before the views kept load errors in a table main.stl_load_errors:
    opening one moves its rows behind the view, once."""
    import duckdb

    from sparkify_helpers.copy.load_errors import LOAD_ERRORS_TYPES

    path = local_target.settings.local.warehouse_path
    old = duckdb.connect(str(path))
    columns = ", ".join(f"{name} {kind}" for name, kind in LOAD_ERRORS_TYPES.items())
    old.execute(f"CREATE TABLE stl_load_errors ({columns})")
    old.execute(
        "INSERT INTO stl_load_errors (query, starttime, tbl, filename, line_number, err_code) "
        "VALUES (7, '2018-11-01 00:00:00', 'staging_events', 's3://b/a.json', 3, 1216)"
    )
    old.close()
    for _ in range(2):
        with local_target.open_warehouse() as dw:
            rows = dw.query("SELECT query, filename, line_number, err_code FROM stl_load_errors")
            assert rows.values.tolist() == [[7, "s3://b/a.json", 3, 1216]]


def test_create_if_not_exists_on_an_existing_table_keeps_its_recorded_design():
    """A CREATE TABLE IF NOT EXISTS that finds the table does nothing (Developer Guide,
    r_CREATE_TABLE_NEW.md, IF NOT EXISTS), so the recorded VARCHAR width stays the live one."""
    import duckdb

    from sparkify_helpers.warehouse import table_design

    con = duckdb.connect()
    first = "CREATE TABLE IF NOT EXISTS t (name VARCHAR(5))"
    con.execute("CREATE TABLE t (name VARCHAR)")
    table_design.record_statement(con, first)
    table_design.record_statement(con, "CREATE TABLE IF NOT EXISTS t (name VARCHAR(9))")
    assert table_design.widths(con, "t", None)[0] == {"name": 5}
    table_design.record_statement(con, "DROP TABLE t")
    table_design.record_statement(con, "CREATE TABLE t (name VARCHAR(9))")
    assert table_design.widths(con, "t", None)[0] == {"name": 9}
