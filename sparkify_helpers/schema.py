"""The physical design of ``sql/create`` for notebook 02: design tables and an ER diagram.

Drawn from the catalog (:func:`sparkify_helpers.catalog.read_catalog`), so what the notebook
shows is what the warehouse gets: columns, primary and foreign keys, DISTSTYLE, DISTKEY,
SORTKEY.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sparkify_helpers.catalog import Table


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


def er_diagram(tables: Sequence[Table]) -> Figure:
    """Draw the star schema (fact in the middle, dimensions around) from the DDL.

    A plain Figure (no pyplot), so a notebook shows it only when asked (``ChartImage``).
    """
    star = [t for t in tables if not t.staging and not t.control]
    fact = max(star, key=lambda t: len(t.foreign_keys))
    dims = [t for t in star if t is not fact]
    fig = Figure(figsize=(12, 8))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.25, 1.25)
    ax.axis("off")
    centers = {fact.name: (0.0, 0.0)}
    for i, t in enumerate(dims):
        angle = math.pi / 4 + 2 * math.pi * i / max(len(dims), 1)
        centers[t.name] = (1.1 * math.cos(angle), 0.85 * math.sin(angle))
    for t in star:
        for ref_table in (fk.table for fk in t.foreign_keys):
            if ref_table in centers:
                (x0, y0), (x1, y1) = centers[t.name], centers[ref_table]
                ax.plot([x0, x1], [y0, y1], color="#9aa5b1", lw=1.5, zorder=1)
    for t in star:
        _draw_table(ax, t, centers[t.name], fact=t is fact)
    ax.set_title(
        "Sparkify star schema, drawn from sql/create (lines: foreign keys)", fontsize=13, loc="left"
    )
    return fig


def _draw_table(ax, table: Table, center: tuple[float, float], fact: bool) -> None:
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
    ax.text(
        *center,
        text,
        ha="center",
        va="center",
        family="monospace",
        fontsize=9.5,
        zorder=2,
        bbox={
            "boxstyle": "round,pad=0.5",
            "facecolor": "#fde8d7" if fact else "#e3eefa",
            "edgecolor": "#c0632b" if fact else "#2f6db5",
        },
    )
