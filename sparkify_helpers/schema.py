"""The physical design of ``sql/create`` for notebook 02: design tables and an ER diagram.

Drawn from the catalog (:func:`sparkify_helpers.catalog.read_catalog`), so what the notebook
shows is what the warehouse gets: columns, primary and foreign keys, DISTSTYLE, DISTKEY,
SORTKEY.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sparkify_helpers.catalog import Table
from sparkify_helpers.charts import ChartCache, png_bytes
from sparkify_helpers.charts.cache import CHART_SOURCES, content_key
from sparkify_helpers.charts.files import FORMAT
from sparkify_helpers.run_folder import write_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ER_DPI = 110


def _references(table: Table) -> list[tuple[str, str, str]]:
    """``(column, referenced table, referenced column)`` for each foreign-key column."""
    return [
        (column, fk.table, ref)
        for fk in table.foreign_keys
        for column, ref in zip(fk.columns, fk.references, strict=True)
    ]


def design_frame(tables: Sequence[Table]) -> pd.DataFrame:
    """One row per table: distribution, sort key, primary and foreign keys."""
    return pd.DataFrame(
        [
            {
                "table": t.name,
                "columns": len(t.columns),
                "diststyle": t.diststyle,
                "distkey": t.distkey or "",
                "sortkey": ", ".join(t.sortkey),
                "primary_key": ", ".join(t.primary_key),
                "references": ", ".join(f"{c} → {rt}.{rc}" for c, rt, rc in _references(t)),
            }
            for t in tables
        ]
    )


def columns_frame(table: Table) -> pd.DataFrame:
    """A table's columns with their type and key roles."""
    fks = {c: f"FK → {rt}.{rc}" for c, rt, rc in _references(table)}
    rows = []
    for name, kind in ((c.name, c.type) for c in table.columns):
        roles = [
            role
            for role, on in (
                ("PK", name in table.primary_key),
                (fks.get(name, ""), name in fks),
                ("DISTKEY", name == table.distkey),
                ("SORTKEY", name in table.sortkey),
            )
            if on
        ]
        rows.append({"column": name, "type": kind, "keys": ", ".join(roles)})
    return pd.DataFrame(rows)


def diagram_alt(tables: Sequence[Table]) -> str:
    """The ER diagram in words (its alternative text): the fact, its dimensions and keys."""
    star = [t for t in tables if not t.staging and not t.control]
    fact = max(star, key=lambda t: len(t.foreign_keys))
    links = ", ".join(f"{', '.join(fk.columns)} to {fk.table}" for fk in fact.foreign_keys)
    return f"Star schema drawn from sql/create: fact table {fact.name} joins {links}."


# The diagram is laid out in inches (the axes fill the figure, one data unit per inch).
GAP = 1.3  # between the fact and a column of dimensions, and between stacked boxes
MARGIN = 0.4
TITLE_ROOM = 0.7
Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in inches


def er_diagram(tables: Sequence[Table]) -> Figure:
    """Draw the star schema from the DDL: the fact in the middle, its dimensions in a column
    on either side (a dimension another one references sits under it), one labelled line per
    foreign key, from box edge to box edge. Boxes never overlap (sized from their text).

    A plain Figure (no pyplot), so a notebook shows it only when asked (``ChartImage``).
    matplotlib is imported here: an ER diagram from the chart cache needs none.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    star = [t for t in tables if not t.staging and not t.control]
    fact = max(star, key=lambda t: len(t.foreign_keys))
    left, right = _columns([t for t in star if t is not fact])
    fig = Figure(figsize=(12, 8))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.axis("off")
    texts = {t.name: _draw_table(ax, t, fact=t is fact) for t in star}
    sizes = {name: _size(fig, text) for name, text in texts.items()}
    width = max((sizes[t.name][0] for t in left), default=0.0)
    centre = MARGIN + width + GAP + sizes[fact.name][0] / 2 if left else 6.0
    right_x = centre + sizes[fact.name][0] / 2 + GAP
    height = max([_stack_height(col, sizes) for col in (left, right)] + [sizes[fact.name][1]])
    fig_w = right_x + max((sizes[t.name][0] for t in right), default=0.0) + MARGIN
    fig_h = height + 2 * MARGIN + TITLE_ROOM
    fig.set_size_inches(max(fig_w, 8.0), fig_h)
    ax.set_xlim(0, max(fig_w, 8.0))
    ax.set_ylim(0, fig_h)
    middle = MARGIN + height / 2
    boxes = {fact.name: _place(texts[fact.name], sizes[fact.name], centre, middle)}
    for column, x in ((left, MARGIN + width / 2), (right, right_x)):
        top = middle + _stack_height(column, sizes) / 2
        for t in column:
            w, h = sizes[t.name]
            cx = x if column is left else x + w / 2
            boxes[t.name] = _place(texts[t.name], sizes[t.name], cx, top - h / 2)
            top -= h + GAP
    for t in star:
        for fk in t.foreign_keys:
            if fk.table in boxes:
                _link(ax, boxes[t.name], boxes[fk.table], ", ".join(fk.columns), t.name, fk.table)
    ax.text(
        MARGIN,
        fig_h - TITLE_ROOM / 2,
        "Sparkify star schema, drawn from sql/create (lines: foreign keys)",
        fontsize=13,
        va="center",
    )
    return fig


def save_er_diagram(
    tables: Sequence[Table], path: str | Path, cache: ChartCache | None = None
) -> Path:
    """Write the ER diagram as a PNG (dpi 110, tight box) at ``path``, atomically: copied from
    the chart cache (default: the project's) when this design was drawn before, else drawn
    and stored there. The key is the star tables' design, this module's code and the chart
    code that saves it (``charts/*.py``)."""
    star = [dataclasses.replace(t, source=None) for t in tables if not t.staging and not t.control]
    sources = (Path(__file__), *CHART_SOURCES)
    key = content_key((repr(star), "er_diagram", FORMAT, str(ER_DPI)), sources)
    cache = cache or ChartCache.default()
    png = cache.png(key, lambda: png_bytes(er_diagram(tables), dpi=ER_DPI))
    return write_atomically(Path(path), png)


def box_extents(fig: Figure) -> dict[str, Box]:
    """Each table box of a drawn diagram, by table name, in inches (for checks and tests)."""
    return {str(t.get_gid()): _extent(fig, t) for t in fig.axes[0].texts if t.get_gid()}


def _columns(dims: list[Table]) -> tuple[list[Table], list[Table]]:
    """Dimensions on the left and on the right: a referenced dimension under its referrer."""
    referenced = {fk.table for t in dims for fk in t.foreign_keys}
    linked = [t for t in dims if t.foreign_keys or t.name in referenced]
    linked.sort(key=lambda t: t.name in referenced)  # referrers first, then what they reference
    alone = [t for t in dims if t not in linked]
    return alone, linked


def _stack_height(column: list[Table], sizes: dict[str, tuple[float, float]]) -> float:
    return sum(sizes[t.name][1] for t in column) + GAP * max(len(column) - 1, 0)


def _extent(fig: Figure, text) -> Box:
    """The drawn box (the text's bbox patch) of a table, in inches."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    text.update_bbox_position_size(renderer)
    patch = text.get_bbox_patch()
    box = patch.get_window_extent(renderer) if patch else text.get_window_extent(renderer)
    dpi = fig.dpi
    return (box.x0 / dpi, box.y0 / dpi, box.x1 / dpi, box.y1 / dpi)


def _size(fig: Figure, text) -> tuple[float, float]:
    x0, y0, x1, y1 = _extent(fig, text)
    return x1 - x0, y1 - y0


def _place(text, size: tuple[float, float], cx: float, cy: float) -> Box:
    text.set_position((cx, cy))
    w, h = size
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _edge_point(box: Box, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre towards a point leaves the box."""
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    half_w, half_h = (box[2] - box[0]) / 2, (box[3] - box[1]) / 2
    t = min(half_w / abs(dx) if dx else math.inf, half_h / abs(dy) if dy else math.inf)
    return cx + t * dx, cy + t * dy


def _link(ax, source: Box, target: Box, columns: str, name: str, ref: str) -> None:
    """One foreign-key line, edge to edge, with its column name halfway."""
    centre = lambda b: ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)  # noqa: E731
    (x0, y0), (x1, y1) = _edge_point(source, centre(target)), _edge_point(target, centre(source))
    ax.plot([x0, x1], [y0, y1], color="#52606d", lw=1.5, zorder=1, gid=f"fk:{name}->{ref}")
    ax.plot([x1], [y1], marker="o", color="#52606d", markersize=5, zorder=1)
    ax.annotate(
        columns,
        ((x0 + x1) / 2, (y0 + y1) / 2),
        ha="center",
        va="bottom",
        fontsize=9,
        color="#52606d",
        zorder=3,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
    )


def _draw_table(ax, table: Table, fact: bool):
    """The table's box (its name, physical design and columns), centred at (0, 0) for now."""
    fks = {c for fk in table.foreign_keys for c in fk.columns}
    lines = []
    for name, kind in ((c.name, c.type) for c in table.columns):
        marks = " ".join(
            m for m, on in (("PK", name in table.primary_key), ("FK", name in fks)) if on
        )
        lines.append(f"{name} {kind.lower()} {marks}".rstrip())
    physical = f"DIST {table.distkey or table.diststyle}"
    if table.sortkey:
        physical += f" · SORT {', '.join(table.sortkey)}"
    text = f"{table.name}\n{physical}\n" + "\n".join(lines)
    return ax.text(
        0,
        0,
        text,
        ha="center",
        va="center",
        family="monospace",
        fontsize=9.5,
        zorder=2,
        gid=table.name,
        bbox={
            "boxstyle": "round,pad=0.5",
            "facecolor": "#fde8d7" if fact else "#e3eefa",
            "edgecolor": "#c0632b" if fact else "#2f6db5",
        },
    )
