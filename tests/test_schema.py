"""The physical design read back from sql/create, and the ER diagram drawn from it."""

from __future__ import annotations

from sparkify_helpers import schema


def test_design_reflects_the_ddl():
    tables = {t.name: t for t in schema.read_schema()}
    assert set(tables) == {
        "staging_events",
        "staging_songs",
        "songplays",
        "users",
        "songs",
        "artists",
        "time",
    }
    fact = tables["songplays"]
    assert fact.distkey and fact.diststyle == "KEY"
    assert fact.sortkey[0] == "start_time"
    assert {ref for _, ref, _ in fact.foreign_keys} == {"time", "users", "songs", "artists"}
    for dim in ("users", "songs", "artists"):
        assert tables[dim].diststyle == "ALL"
    for dim in ("users", "songs", "artists", "time"):
        assert tables[dim].primary_key
    # time is as large as songplays: co-located with it on start_time instead of copied.
    assert tables["time"].distkey == fact.distkey == "start_time"
    assert tables["time"].sortkey == ["start_time"]
    assert [c for c, _ in fact.columns] == [
        "songplay_id",
        "start_time",
        "user_id",
        "level",
        "song_id",
        "artist_id",
        "session_id",
        "location",
        "user_agent",
    ]


def test_frames_show_keys_per_table_and_column():
    tables = schema.read_schema()
    frame = schema.design_frame(tables)
    assert frame.set_index("table").loc["users", "diststyle"] == "ALL"
    songplays = next(t for t in tables if t.name == "songplays")
    keys = schema.columns_frame(songplays).set_index("column")["keys"]
    assert "PK" in keys["songplay_id"]
    assert "FK → users.user_id" in keys["user_id"]


def test_er_diagram_draws_every_star_table(tmp_path):
    figure = schema.er_diagram(schema.read_schema())
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    for table in ("songplays", "users", "songs", "artists", "time"):
        assert table in texts
    assert "staging_events" not in texts
    path = tmp_path / "er.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
