"""sqlfiles: headers, statement splitting, folder order, parameter rendering, sql/ conventions."""

from __future__ import annotations

import pytest
import sqlglot

from sparkify_helpers import sqlfiles
from sparkify_helpers.errors import WarehouseError
from sparkify_helpers.paths import sql_dir
from sparkify_helpers.sqlfiles import (
    parse_header,
    placeholders,
    read_sql_file,
    read_sql_folder,
    render,
    split_statements,
)

COPY_PARAMS = {
    "log_manifest": "s3://my-bucket/sparkify/run-1/log.manifest",
    "log_jsonpath": "s3://udacity-dend/log_json_path.json",
    "song_manifest": "s3://my-bucket/sparkify/run-1/song.manifest",
    "load_files": "s3://my-bucket/sparkify/run-1/load_files.json",
    "role_arn": "arn:aws:iam::123456789012:role/sparkify-s3-read",
    "region": "us-west-2",
}


def test_header_metadata_stops_at_first_empty_comment_line():
    text = (
        "-- severity: warn\n-- description: Plays without a user\n-- free text here\n"
        "--\n-- later: not metadata\nSELECT 1;"
    )
    assert parse_header(text) == {"severity": "warn", "description": "Plays without a user"}


def test_header_stops_at_sql():
    assert parse_header("SELECT 1;\n-- title: too late") == {}


def test_split_ignores_semicolons_in_strings_and_comments():
    text = (
        "-- header; with a semicolon\nSELECT 'a;b' AS x; /* c; d */\n"
        "SELECT 2 -- trailing; comment\n;\n-- only a comment at the end;\n"
    )
    assert split_statements(text) == [
        "-- header; with a semicolon\nSELECT 'a;b' AS x",
        "/* c; d */\nSELECT 2 -- trailing; comment",
    ]


def test_split_keeps_a_last_statement_without_semicolon():
    assert split_statements("SELECT 1; SELECT 2") == ["SELECT 1", "SELECT 2"]


def test_split_reports_an_unterminated_string():
    with pytest.raises(WarehouseError, match="unterminated"):
        split_statements("SELECT 'oops;", where="bad.sql")


def test_read_sql_file(tmp_path):
    path = tmp_path / "10_users_key.sql"
    path.write_text(
        "-- severity: error\n-- description: keys\nSELECT 1;\nSELECT 2;\n", encoding="utf-8"
    )
    sql_file = read_sql_file(path)
    assert sql_file.name == "10_users_key"
    assert sql_file.severity == "error"
    assert sql_file.description == "keys"
    assert sql_file.title == "10_users_key"
    assert sql_file.statements[1] == "SELECT 2"


def test_read_sql_file_refuses_an_unknown_severity(tmp_path):
    path = tmp_path / "x.sql"
    path.write_text("-- severity: fatal\nSELECT 1;", encoding="utf-8")
    with pytest.raises(WarehouseError, match="severity 'fatal'"):
        read_sql_file(path)


def test_read_sql_file_refuses_a_file_without_statements(tmp_path):
    path = tmp_path / "empty.sql"
    path.write_text("-- description: nothing\n", encoding="utf-8")
    with pytest.raises(WarehouseError, match="no SQL statement"):
        read_sql_file(path)


def test_read_sql_folder_is_in_name_order(tmp_path):
    for name in ("20_b.sql", "00_a.sql", "10_c.sql", "notes.txt"):
        (tmp_path / name).write_text("SELECT 1;", encoding="utf-8")
    assert [f.name for f in read_sql_folder(tmp_path)] == ["00_a", "10_c", "20_b"]


def test_read_sql_folder_missing(tmp_path):
    with pytest.raises(WarehouseError, match="does not exist"):
        read_sql_folder(tmp_path / "nope")


def test_render_replaces_and_escapes_quotes():
    text = "COPY t FROM '{{ src }}' IAM_ROLE '{{role_arn}}' REGION '{{region}}'"
    out = render(text, {"src": "s3://b/it's", "role_arn": "arn:x", "region": "us-west-2"})
    assert out == "COPY t FROM 's3://b/it''s' IAM_ROLE 'arn:x' REGION 'us-west-2'"
    assert sqlglot.parse_one(out, read="redshift").args["files"][0].name == "s3://b/it's"


def test_render_names_the_missing_placeholder():
    with pytest.raises(WarehouseError, match="region"):
        render("SELECT '{{bucket}}', '{{region}}'", {"bucket": "b"})


@pytest.mark.parametrize("value", ["us-west-2'\n; DROP TABLE users", "a\tb", "x\x00"])
def test_render_refuses_control_characters(value):
    with pytest.raises(WarehouseError, match="Parameter 'region' contains a control character"):
        render("SELECT '{{region}}'", {"region": value})


def test_render_refuses_backslashes():
    with pytest.raises(WarehouseError, match="Parameter 'bucket' contains a backslash"):
        render("SELECT '{{bucket}}'", {"bucket": "s3://b\\' OR 1=1"})


def test_render_refuses_placeholder_outside_a_string():
    with pytest.raises(WarehouseError, match=r"\{\{table\}\} is outside a string literal"):
        render("SELECT * FROM {{table}}", {"table": "users"})


def test_render_without_placeholders_returns_text_unchanged():
    assert render("SELECT '{x}'", {"unused": "value"}) == "SELECT '{x}'"


def test_placeholders_in_order_of_appearance():
    assert placeholders("'{{b}}' '{{a}}' '{{ b }}'") == ["b", "a"]


# --- conventions of the repository's sql/ folder -------------------------------------------


@pytest.mark.parametrize(
    "folder", ["create", "copy", "insert", "checks", "analytics", "refresh", "publish"]
)
def test_every_sql_file_has_a_description(folder):
    files = read_sql_folder(sql_dir() / folder)
    assert files, f"sql/{folder} is empty"
    assert [f.name for f in files if not f.description] == []


def test_checks_have_a_severity_and_analytics_a_title():
    assert all(f.severity in ("error", "warn") for f in read_sql_folder(sql_dir() / "checks"))
    assert all("title" in f.metadata for f in read_sql_folder(sql_dir() / "analytics"))


def test_only_copy_publish_the_row_drop_check_and_the_checks_scope_have_placeholders():
    for folder in ("create", "insert", "analytics", "refresh", "upgrade"):
        assert all(not placeholders(f.text) for f in read_sql_folder(sql_dir() / folder))
    checks = {
        f.name: placeholders(f.text)
        for f in read_sql_folder(sql_dir() / "checks")
        if placeholders(f.text)
    }
    assert checks.pop("60_row_count_fell_since_last_publish") == ["max_row_drop_share"]
    # the checks of the star read the scope of the publish (quality.SCOPE_PARAMETER)
    scoped = [n for n in checks if n[:2] in ("10", "11", "12", "13", "14", "20", "21", "22")]
    assert len(scoped) == 8
    assert set(map(tuple, checks.values())) == {("whole_tables",)}
    publish = read_sql_folder(sql_dir() / "publish")
    assert {n for f in publish for n in placeholders(f.text)} == {
        "run_id", "published_at", "full_refresh", "checks_digest",
    }  # fmt: skip
    copy_files = read_sql_folder(sql_dir() / "copy")
    used = {name for f in copy_files for name in placeholders(f.text)}
    assert used == set(COPY_PARAMS)
    rendered = render(read_sql_file(sql_dir() / "copy" / "10_staging_events.sql").text, COPY_PARAMS)
    copy = sqlglot.parse_one(split_statements(rendered)[0], read="redshift")
    assert copy.args["files"][0].name == COPY_PARAMS["log_manifest"]


def test_the_load_steps_are_exactly_the_copy_insert_and_publish_files_in_order():
    from sparkify_helpers import load

    on_disk = [
        f"{folder}/{path.name}"
        for folder in ("copy", "insert", "publish")
        for path in sorted((sql_dir() / folder).glob("*.sql"))
        if f"{folder}/{path.name}" not in (load.EMPTY_STAGING, load.EMPTY_LOAD_FILES)
    ]
    assert [step.file for step in load.STEPS] == on_disk
    phases = ["stage"] * 3 + ["transform"] * 6 + ["publish"] * 3
    assert [step.phase for step in load.STEPS] == phases
    assert all(step.path.is_file() for step in load.STEPS)
    frame = load.steps_frame()
    assert frame["step"].tolist()[:2] == ["COPY staging_events", "COPY staging_songs"]
    assert frame["file"].tolist()[-1] == "sql/publish/90_record_publish.sql"


def test_rename_tables_changes_only_the_table_names_as_written():
    names = {"users": "users__new", "time": "time__new"}
    statement = (
        "SELECT users.level, t.hour, CAST(x AS TIME)\n"
        "FROM users JOIN time AS t ON t.x = users.x JOIN public.users AS p ON TRUE"
    )
    assert sqlfiles.rename_tables(statement, names) == (
        "SELECT users.level, t.hour, CAST(x AS TIME)\n"
        "FROM users__new AS users JOIN time__new AS t ON t.x = users.x "
        "JOIN public.users AS p ON TRUE"  # a schema-qualified name is another table
    )
    assert sqlfiles.rename_tables("DELETE FROM users", names) == "DELETE FROM users__new"
    assert sqlfiles.rename_tables("INSERT INTO time (a) SELECT 1", names) == (
        "INSERT INTO time__new (a) SELECT 1"
    )
    assert sqlfiles.rename_tables("DELETE FROM users", {}) == "DELETE FROM users"
    with pytest.raises(WarehouseError, match="A CTE is named like the table users"):
        sqlfiles.rename_tables("WITH users AS (SELECT 1) SELECT * FROM users", names)
