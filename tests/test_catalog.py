"""The catalog: sql/create read once into tables, columns, lengths, keys and physical design."""

from __future__ import annotations

import ast
import dataclasses
import os
import re
from pathlib import Path

import pytest
import sqlglot
from copy_helpers import COPY_PARAMETERS
from sqlglot import exp

import sparkify_helpers
from sparkify_helpers import refresh
from sparkify_helpers.catalog import Column, ForeignKey, create_dir, read_catalog
from sparkify_helpers.copy import parse_copy
from sparkify_helpers.datagen.encode import JSONPATHS
from sparkify_helpers.dialect import is_copy, translate
from sparkify_helpers.errors import WarehouseError
from sparkify_helpers.paths import sql_dir
from sparkify_helpers.sqlfiles import read_sql_folder, render

STAR = ["users", "artists", "songs", "time", "songplays"]
CONTROL = [
    "sparkify_publishes",
    "sparkify_load_ledger",
    "sparkify_load_files",
    "sparkify_play_keys",
    "sparkify_user_latest",
    "sparkify_catalogue",
    "sparkify_merge_users",
    "sparkify_merge_artists",
    "sparkify_merge_songs",
    "sparkify_merge_plays",
]
# what the merge derives from the star: rebuilt with it on a full refresh
DERIVED = ["sparkify_play_keys", "sparkify_user_latest", "sparkify_catalogue"]


@pytest.fixture
def catalog():
    return read_catalog()


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


# --- the shipped sql/create -------------------------------------------------------------------


def test_tables_come_in_file_order_split_into_staging_star_and_control(catalog):
    assert catalog.names == ("staging_events", "staging_songs", *STAR, *CONTROL)
    assert [t.name for t in catalog.staging] == ["staging_events", "staging_songs"]
    assert [t.name for t in catalog.star] == STAR
    assert [t.name for t in catalog.control] == CONTROL
    assert not any(t.staging for t in catalog.control)
    assert catalog.table("songplays").source == create_dir().resolve() / "30_songplays.sql"


def test_the_star_tables_have_the_columns_of_the_contract(catalog):
    assert {t.name: list(t.column_names) for t in catalog.star} == {
        "songplays": [
            "songplay_id", "start_time", "user_id", "level", "song_id", "artist_id",
            "session_id", "location", "user_agent",
        ],
        "users": ["user_id", "first_name", "last_name", "gender", "level"],
        "songs": ["song_id", "title", "artist_id", "year", "duration"],
        "artists": ["artist_id", "name", "location", "latitude", "longitude"],
        "time": ["start_time", "hour", "day", "week", "month", "year", "weekday"],
    }  # fmt: skip


def test_staging_columns_are_in_jsonpaths_and_song_key_order(catalog):
    assert catalog.table("staging_events").column_names == (
        "artist", "auth", "first_name", "gender", "item_in_session", "last_name", "length",
        "level", "location", "method", "page", "registration", "session_id", "song", "status",
        "ts", "user_agent", "user_id",
    )  # fmt: skip
    assert catalog.table("staging_songs").column_names == (
        "num_songs", "artist_id", "artist_latitude", "artist_longitude", "artist_location",
        "artist_name", "song_id", "title", "duration", "year",
    )  # fmt: skip


def test_the_jsonpaths_file_the_project_writes_maps_staging_events_by_position(catalog):
    keys = [re.fullmatch(r"\$\['(\w+)'\]", path)[1] for path in JSONPATHS["jsonpaths"]]
    snake = [re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower() for key in keys]
    assert tuple(snake) == catalog.table("staging_events").column_names


def test_the_staging_tables_are_exactly_the_tables_sql_copy_loads(catalog):
    copies = [s for f in read_sql_folder(sql_dir() / "copy") for s in f.statements if is_copy(s)]
    targets = [parse_copy(render(s, COPY_PARAMETERS)).table for s in copies]
    # and the run's list of staged files, a control table the ledger is written from
    staging = [t.name for t in catalog.staging]
    assert sorted(targets) == sorted([*staging, "sparkify_load_files"])


def test_songplays_is_distributed_and_sorted_on_start_time_and_references_every_dimension(
    catalog,
):
    songplays = catalog.table("songplays")
    assert (songplays.diststyle, songplays.distkey, songplays.sortkey) == (
        "KEY",
        "start_time",
        ("start_time",),
    )
    assert songplays.primary_key == ("songplay_id",)
    assert songplays.foreign_keys == (
        ForeignKey(("start_time",), "time", ("start_time",)),
        ForeignKey(("user_id",), "users", ("user_id",)),
        ForeignKey(("song_id",), "songs", ("song_id",)),
        ForeignKey(("artist_id",), "artists", ("artist_id",)),
    )
    assert catalog.table("songs").foreign_keys == (
        ForeignKey(("artist_id",), "artists", ("artist_id",)),
    )


def test_small_dimensions_are_diststyle_all_and_time_is_colocated_with_songplays(catalog):
    for name, key in (("users", "user_id"), ("artists", "artist_id"), ("songs", "song_id")):
        table = catalog.table(name)
        assert (table.diststyle, table.distkey, table.sortkey, table.primary_key) == (
            "ALL",
            None,
            (key,),
            (key,),
        )
    time = catalog.table("time")
    assert (time.diststyle, time.distkey, time.sortkey) == ("KEY", "start_time", ("start_time",))
    assert {t.diststyle for t in catalog.staging} == {"EVEN"}


def test_columns_carry_type_length_nullability_and_key_role(catalog):
    songplays = {c.name: c for c in catalog.table("songplays").columns}
    assert songplays["songplay_id"] == Column("songplay_id", "BIGINT", None, False, True)
    assert songplays["start_time"] == Column("start_time", "TIMESTAMP", None, False, False)
    assert songplays["user_agent"] == Column("user_agent", "VARCHAR(1024)", 1024, True, False)
    events = catalog.table("staging_events")
    assert events.lengths() == {
        "artist": 512, "auth": 32, "first_name": 256, "gender": 16, "last_name": 256,
        "level": 16, "location": 512, "method": 16, "page": 64, "song": 1024,
        "user_agent": 1024,
    }  # fmt: skip
    assert catalog.lengths("staging_songs")["title"] == 1024
    assert catalog.column_types()["staging_events"]["registration"] == "DOUBLE PRECISION"
    assert catalog.column_types()["staging_events"]["ts"] == "TIMESTAMP"


def test_column_types_are_a_fresh_dict_and_the_catalog_is_immutable(catalog):
    types = catalog.column_types()
    types["users"]["user_id"] = "VARCHAR"
    assert catalog.column_types()["users"]["user_id"] == "INTEGER"
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.table("users").name = "people"  # type: ignore[misc]
    assert isinstance(catalog.tables, tuple) and isinstance(catalog.table("users").columns, tuple)


def test_dependents_come_first_the_order_of_the_reports_and_of_drop(catalog):
    order = catalog.dependents_first()
    assert order == (
        "staging_events", "staging_songs", "songplays", "users", "songs", "artists", "time",
        *CONTROL,
    )  # fmt: skip
    for table in catalog.tables:
        for fk in table.foreign_keys:
            assert order.index(table.name) < order.index(fk.table)
    staging = [s for f in read_sql_folder(sql_dir() / "refresh") for s in f.statements]
    swap = [s for s in refresh.swap(catalog) if s.startswith("DROP")]
    drops = [sqlglot.parse_one(s, read="redshift").args["tables"][0].name for s in staging + swap]
    # the full refresh drops staging (02) and the old star with what the merge derives from
    # it (03, at the swap), never the publishes or the load ledger (the load history)
    star = [t.name for t in catalog.star]
    assert sorted(drops) == sorted([*(t.name for t in catalog.staging), *star, *DERIVED])
    for table in catalog.tables:  # a table is dropped before what it references
        assert all(drops.index(table.name) < drops.index(fk.table) for fk in table.foreign_keys)
    leftovers = [sqlglot.parse_one(s, read="redshift") for s in refresh.drop_leftovers(catalog)]
    assert [d.args["tables"][0].name for d in leftovers] == [
        f"{name}__new" for name in drops if name in {*STAR, *DERIVED}
    ]


def test_the_new_tables_of_a_full_refresh_are_sql_create_renamed(catalog):
    """The one CREATE of each star table, with only the names changed (references too)."""
    names = refresh.new_names(catalog)
    built = [s for s in refresh.build_beside(catalog) if not s.startswith("DROP")]
    rebuilt = [*catalog.star, *(catalog.table(n) for n in DERIVED)]
    assert len(built) == len(rebuilt)
    for table, statement in zip(rebuilt, built, strict=True):
        as_written = table.source.read_text()
        renamed = sqlglot.parse_one(statement, read="redshift")
        assert renamed.this.this.name == f"{table.name}__new"
        refs = {r.this.this.name for r in renamed.find_all(exp.Reference)}
        assert refs == {names[fk.table] for fk in table.foreign_keys}
        # nothing else changed: put the old names back and it is the file's statement again
        back = statement
        for old, new in names.items():
            back = back.replace(new, old)
        assert back in as_written
    songplays = built[len(catalog.star) - 1]
    assert "GENERATED BY DEFAULT AS IDENTITY (1, 1)" in songplays  # as written, not as sqlglot


def test_sql_create_only_creates_what_is_missing(catalog):
    # Redshift Developer Guide, CREATE TABLE: "IF NOT EXISTS ... if the specified table
    # already exists, the command should make no changes and return a message that the
    # table exists, rather than stopping with an error".
    for sql_file in read_sql_folder(create_dir()):
        for statement in sql_file.statements:
            tree = sqlglot.parse_one(statement, read="redshift")
            assert isinstance(tree, exp.Create) and tree.args.get("exists"), sql_file.name
            assert "IF NOT EXISTS" in translate(statement, catalog.column_types())[-1]


def test_an_unknown_table_names_the_known_ones(catalog):
    with pytest.raises(WarehouseError) as info:
        catalog.table("song_plays")
    message = str(info.value)
    assert "No table 'song_plays'" in message
    assert (
        "staging_events, staging_songs, users, artists, songs, time, songplays, "
        "sparkify_publishes" in message
    )
    assert "song_plays" not in catalog and "SONGPLAYS" in catalog
    assert catalog.table("SongPlays").name == "songplays"


# --- reading rules, on small DDL ------------------------------------------------------------

DDL = """
CREATE TABLE "Plays" (
    play_id  BIGINT IDENTITY(0, 1) NOT NULL PRIMARY KEY,
    agent    VARCHAR,
    code     CHAR,
    note     VARCHAR(MAX),
    flag     CHAR(MAX),
    title    CHARACTER VARYING(30),
    label    NVARCHAR,
    initial  NCHAR,
    memo     TEXT,
    pad      BPCHAR,
    user_id  INTEGER NOT NULL REFERENCES people (person_id),
    owner_id INTEGER REFERENCES people,
    amount   DECIMAL(10, 2) NULL
)
SORTKEY (user_id, play_id);
CREATE TABLE people (person_id INTEGER NOT NULL, CONSTRAINT pk PRIMARY KEY (person_id))
DISTKEY (person_id);
CREATE VIEW v AS SELECT 1;
"""


def test_character_lengths_follow_redshifts_defaults(tmp_path):
    """Byte widths as the Redshift Developer Guide's "Character types" page gives them
    (https://docs.aws.amazon.com/redshift/latest/dg/r_Character_types.html): VARCHAR (also
    CHARACTER VARYING, NVARCHAR) without a length is 256 bytes and VARCHAR(MAX) 65535; CHAR
    (also NCHAR) without a length is CHAR(1) and CHAR(MAX) 4096; TEXT is converted to
    VARCHAR(256) and BPCHAR to CHAR(256).
    """
    write(tmp_path, "10_plays.sql", DDL)
    plays = read_catalog(tmp_path).table("plays")
    assert plays.lengths() == {
        "agent": 256, "code": 1, "note": 65535, "flag": 4096, "title": 30, "label": 256,
        "initial": 1, "memo": 256, "pad": 256,
    }  # fmt: skip
    types = read_catalog(tmp_path).column_types()["plays"]
    assert (types["agent"], types["note"], types["title"], types["code"]) == (
        "VARCHAR",
        "VARCHAR(MAX)",
        "VARCHAR(30)",
        "CHAR",
    )
    assert (types["memo"], types["pad"], types["play_id"], types["amount"]) == (
        "VARCHAR(256)",
        "CHAR(256)",
        "BIGINT",
        "DECIMAL(10, 2)",
    )


def test_not_null_keys_and_physical_design_are_read_from_columns_and_table(tmp_path):
    write(tmp_path, "10_plays.sql", DDL)
    catalog = read_catalog(tmp_path)
    assert catalog.names == ("plays", "people")
    plays, people = catalog.table("plays"), catalog.table("people")
    nullable = {c.name: c.nullable for c in plays.columns}
    assert [name for name, ok in nullable.items() if not ok] == ["play_id", "user_id"]
    assert plays.primary_key == ("play_id",)
    assert [c.name for c in plays.columns if c.primary_key] == ["play_id"]
    assert plays.foreign_keys == (
        ForeignKey(("user_id",), "people", ("person_id",)),
        ForeignKey(("owner_id",), "people", ("person_id",)),  # a bare REFERENCES: the key
    )
    assert (plays.diststyle, plays.distkey, plays.sortkey) == ("AUTO", None, ("user_id", "play_id"))
    assert (people.diststyle, people.distkey, people.primary_key) == (
        "KEY",
        "person_id",
        ("person_id",),
    )
    assert [t.name for t in catalog.staging] == []


@pytest.mark.parametrize(
    ("ddl", "message"),
    [
        ("CREATE TABLE t (a INT) INTERLEAVED SORTKEY (a);", "cannot read"),
        ("CREATE TABLE t AS SELECT 1 AS a;", "without a column list"),
        ("CREATE TABLE t (a INT);\nCREATE TABLE t (b INT);", "already created in"),
        ("CREATE TABLE t (a INT", "cannot read as Redshift SQL"),
    ],
)
def test_ddl_the_catalog_cannot_describe_is_refused_naming_the_file(tmp_path, ddl, message):
    path = write(tmp_path, "10_t.sql", ddl)
    with pytest.raises(WarehouseError, match=message) as info:
        read_catalog(tmp_path)
    assert str(path) in str(info.value)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(WarehouseError, match="No CREATE TABLE folder at"):
        read_catalog(tmp_path / "nowhere")


# --- the cache ---------------------------------------------------------------------------------


def test_the_catalog_is_parsed_once_and_again_when_a_file_changes(tmp_path):
    path = write(tmp_path, "10_t.sql", "CREATE TABLE t (name VARCHAR(10));")
    first = read_catalog(tmp_path)
    assert read_catalog(tmp_path) is first
    # Same size, newer modification time: only the time tells the change.
    stat = path.stat()
    path.write_text("CREATE TABLE t (name VARCHAR(20));")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = read_catalog(tmp_path)
    assert second is not first
    assert second.lengths("t") == {"name": 20}
    write(tmp_path, "20_u.sql", "CREATE TABLE u (id INTEGER);")
    assert read_catalog(tmp_path).names == ("t", "u")
    (tmp_path / "20_u.sql").unlink()
    assert read_catalog(tmp_path).names == ("t",)


# --- one reader --------------------------------------------------------------------------------

PACKAGE = Path(sparkify_helpers.__file__).parent
# sqlglot nodes of a parsed CREATE TABLE; reading them is reading the schema.
DDL_NODES = {
    "ColumnDef", "Create", "Schema", "PrimaryKey", "ForeignKey", "Reference",
    "PrimaryKeyColumnConstraint", "NotNullColumnConstraint", "DistStyleProperty",
    "DistKeyProperty", "SortKeyProperty",
}  # fmt: skip
FILE_READERS = {"read_sql_folder", "read_sql_file", "read_text", "read_bytes", "open", "sql_dir"}


def package_modules() -> dict[str, ast.Module]:
    return {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def code_strings(tree: ast.Module) -> list[str]:
    """The string constants of a module that are not docstrings."""
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        if id(node) not in docstrings
    ]


def names_used(tree: ast.Module) -> set[str]:
    """Every attribute and plain name a module uses."""
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)} | {
        n.id for n in ast.walk(tree) if isinstance(n, ast.Name)
    }


def test_only_the_catalog_names_the_create_folder():
    offenders = [
        name
        for name, tree in package_modules().items()
        if name != "catalog.py"
        for text in code_strings(tree)
        if text == "create" or text.rstrip("/").endswith("sql/create")
    ]
    assert offenders == [], "read sql/create through sparkify_helpers.catalog"


def test_only_the_catalog_and_the_dialects_translation_look_into_create_table_trees():
    offenders = {
        name: sorted(names_used(tree) & DDL_NODES)
        for name, tree in package_modules().items()
        if name != "catalog.py" and not name.startswith("dialect/")
    }
    assert {name: nodes for name, nodes in offenders.items() if nodes} == {}


def test_the_dialect_translates_statements_it_is_given_and_reads_no_sql_files():
    readers = {
        name: sorted(names_used(tree) & FILE_READERS)
        for name, tree in package_modules().items()
        if name.startswith("dialect/")
    }
    assert {name: used for name, used in readers.items() if used} == {}


def test_the_checks_see_a_schema_reader_hidden_in_a_module():
    """The three checks above catch the readers this catalog replaced."""
    old_reader = ast.parse(
        "def declared_lengths():\n"
        "    files = sorted((paths.sql_dir() / 'create').glob('*.sql'))\n"
        "    return [c for s in files for c in parse(s).find_all(exp.ColumnDef)]\n"
    )
    assert "create" in code_strings(old_reader)
    assert names_used(old_reader) & DDL_NODES == {"ColumnDef"}
    assert names_used(old_reader) & FILE_READERS == {"sql_dir"}
    assert all(isinstance(getattr(exp, node), type) for node in DDL_NODES)  # sqlglot's names
