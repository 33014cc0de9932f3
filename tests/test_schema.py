"""Notebook 02's design tables and ER diagram, drawn from the catalog of sql/create."""

from __future__ import annotations

import dataclasses

from sparkify_helpers import schema
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.charts import ChartCache, png_bytes


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


def _inside(point, box, slack=0.0):
    x, y = point
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def _on_edge(point, box, tol=0.02):
    x, y = point
    near_x = abs(x - box[0]) < tol or abs(x - box[2]) < tol
    near_y = abs(y - box[1]) < tol or abs(y - box[3]) < tol
    return _inside(point, box, tol) and (near_x or near_y)


def test_er_diagram_boxes_never_overlap_and_stay_on_the_figure():
    figure = schema.er_diagram(read_catalog().tables)
    boxes = schema.box_extents(figure)
    assert sorted(boxes) == ["artists", "songplays", "songs", "time", "users"]
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = boxes[a], boxes[b]
            apart = ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
            assert apart, f"{a} and {b} overlap"
    width, height = figure.get_size_inches()
    assert all(
        x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height for x0, y0, x1, y1 in boxes.values()
    )


def test_er_diagram_draws_a_foreign_key_line_from_songplays_to_each_dimension_edge_to_edge():
    tables = read_catalog().tables
    figure = schema.er_diagram(tables)
    boxes = schema.box_extents(figure)
    lines = {line.get_gid(): line for line in figure.axes[0].lines if line.get_gid()}
    assert set(lines) == {
        "fk:songplays->time",
        "fk:songplays->users",
        "fk:songplays->songs",
        "fk:songplays->artists",
        "fk:songs->artists",
    }
    for gid, line in lines.items():
        source, target = gid[3:].split("->")
        start, end = list(zip(line.get_xdata(), line.get_ydata(), strict=True))
        assert _on_edge(start, boxes[source]) and _on_edge(end, boxes[target]), gid
        middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        assert not any(_inside(middle, box) for box in boxes.values()), f"{gid} runs under a box"
    labels = {t.get_text() for t in figure.axes[0].texts if not t.get_gid()}
    assert {"start_time", "user_id", "song_id", "artist_id"} <= labels


def test_er_diagram_is_drawn_once_per_design_then_copied_from_the_chart_cache(tmp_path):
    tables = read_catalog().tables
    cache = ChartCache(tmp_path / "cache")
    first = schema.save_er_diagram(tables, tmp_path / "a.png", cache).read_bytes()
    assert first == png_bytes(schema.er_diagram(tables), dpi=schema.ER_DPI)
    (entry,) = cache.folder.glob("*.png")
    elsewhere = tables[0].source.parent.parent / "elsewhere" / "create"  # another checkout
    moved = [dataclasses.replace(t, source=elsewhere / t.source.name) for t in tables]
    assert schema.save_er_diagram(moved, tmp_path / "b.png", cache).read_bytes() == first
    assert list(cache.folder.glob("*.png")) == [entry]
    # one column fewer in a dimension: another design, another picture
    songs = read_catalog().table("songs")
    fewer = dataclasses.replace(songs, columns=songs.columns[:-1])
    changed = [fewer if t.name == "songs" else t for t in tables]
    assert schema.save_er_diagram(changed, tmp_path / "c.png", cache).read_bytes() != first
    assert len(list(cache.folder.glob("*.png"))) == 2
