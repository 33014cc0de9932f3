"""Notebook 02's design tables and ER diagram, drawn from the catalog of sql/create."""

from __future__ import annotations

from sparkify_helpers import schema
from sparkify_helpers.catalog import read_catalog


def test_design_frame_has_one_row_per_table_with_its_physical_design():
    frame = schema.design_frame(read_catalog().tables).set_index("table")
    assert list(frame.index) == [  # in sql/create's file order
        "staging_events",
        "staging_songs",
        "users",
        "artists",
        "songs",
        "time",
        "songplays",
        "sparkify_publishes",
    ]
    assert frame.loc["users", "diststyle"] == "ALL"
    assert frame.loc["songplays"].to_dict() == {
        "columns": 9,
        "diststyle": "KEY",
        "distkey": "start_time",
        "sortkey": "start_time",
        "primary_key": "songplay_id",
        "references": "start_time → time.start_time, user_id → users.user_id, "
        "song_id → songs.song_id, artist_id → artists.artist_id",
    }


def test_columns_frame_shows_type_and_key_roles_per_column():
    keys = schema.columns_frame(read_catalog().table("songplays")).set_index("column")
    assert keys.loc["songplay_id"].to_dict() == {"type": "BIGINT", "keys": "PK"}
    assert keys.loc["start_time"].to_dict() == {
        "type": "TIMESTAMP",
        "keys": "FK → time.start_time, DISTKEY, SORTKEY",
    }
    assert keys.loc["user_id", "keys"] == "FK → users.user_id"
    assert keys.loc["location"].to_dict() == {"type": "VARCHAR(512)", "keys": ""}


def test_er_diagram_draws_every_star_table(tmp_path):
    figure = schema.er_diagram(read_catalog().tables)
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    for table in ("songplays", "users", "songs", "artists", "time"):
        assert table in texts
    assert "staging_events" not in texts
    path = tmp_path / "er.png"
    figure.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
