"""The physical design as written in ``sql/create``: tables, keys, and an ER diagram.

Parsed from the Redshift DDL with sqlglot, so what the notebook shows is what
the warehouse gets: columns, primary and foreign keys, DISTSTYLE, DISTKEY, SORTKEY.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlglot
from sqlglot import exp

from sparkify_helpers import paths, sqlfiles


@dataclass
class TableDesign:
    """One table of the DDL with its physical attributes."""

    name: str
    columns: list[tuple[str, str]] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)
    diststyle: str = "AUTO"
    distkey: str | None = None
    sortkey: list[str] = field(default_factory=list)

    @property
    def is_staging(self) -> bool:
        """Staging tables are loaded by COPY and not part of the star."""
        return self.name.startswith("staging_")


def _names(node) -> list[str]:
    items = node if isinstance(node, list) else [node]
    return [item.name for item in items if item is not None]


def design_of(create: exp.Create) -> TableDesign:
    """Read one CREATE TABLE statement."""
    table = TableDesign(create.this.this.name)
    for item in create.this.expressions:
        if isinstance(item, exp.ColumnDef):
            table.columns.append((item.name, item.args["kind"].sql(dialect="redshift")))
            if any(isinstance(c.kind, exp.PrimaryKeyColumnConstraint) for c in item.constraints):
                table.primary_key.append(item.name)
        elif isinstance(item, exp.PrimaryKey):
            table.primary_key += _names(item.expressions)
        elif isinstance(item, exp.ForeignKey):
            ref = item.args["reference"].this
            for col, ref_col in zip(_names(item.expressions), _names(ref.expressions), strict=True):
                table.foreign_keys.append((col, ref.this.name, ref_col))
    for prop in create.args.get("properties") or []:
        if isinstance(prop, exp.DistStyleProperty):
            table.diststyle = prop.this.name.upper()
        elif isinstance(prop, exp.DistKeyProperty):
            table.distkey, table.diststyle = prop.this.name, "KEY"
        elif isinstance(prop, exp.SortKeyProperty):
            table.sortkey = _names(prop.this)
    return table


def read_schema(folder: str | Path | None = None) -> list[TableDesign]:
    """Every CREATE TABLE in ``sql/create``, in file order."""
    folder = Path(folder) if folder else paths.sql_dir() / "create"
    tables = []
    for sql_file in sqlfiles.read_sql_folder(folder):
        for statement in sqlfiles.split_statements(sql_file.text):
            parsed = sqlglot.parse_one(statement, read="redshift")
            if isinstance(parsed, exp.Create) and parsed.kind == "TABLE":
                tables.append(design_of(parsed))
    return tables


def design_frame(tables: list[TableDesign]) -> pd.DataFrame:
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
                "references": ", ".join(f"{c} → {rt}.{rc}" for c, rt, rc in t.foreign_keys),
            }
            for t in tables
        ]
    )


def columns_frame(table: TableDesign) -> pd.DataFrame:
    """A table's columns with their type and key roles."""
    fks = {c: f"FK → {rt}.{rc}" for c, rt, rc in table.foreign_keys}
    rows = []
    for name, kind in table.columns:
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


def er_diagram(tables: list[TableDesign]):
    """Draw the star schema (fact in the middle, dimensions around) from the DDL."""
    import matplotlib.pyplot as plt

    star = [t for t in tables if not t.is_staging]
    fact = max(star, key=lambda t: len(t.foreign_keys))
    dims = [t for t in star if t is not fact]
    fig, ax = plt.subplots(figsize=(12, 8))
    ax.set_xlim(-1.6, 1.6)
    ax.set_ylim(-1.25, 1.25)
    ax.axis("off")
    centers = {fact.name: (0.0, 0.0)}
    for i, t in enumerate(dims):
        angle = math.pi / 4 + 2 * math.pi * i / max(len(dims), 1)
        centers[t.name] = (1.1 * math.cos(angle), 0.85 * math.sin(angle))
    for t in star:
        for _col, ref_table, _ref_col in t.foreign_keys:
            if ref_table in centers:
                (x0, y0), (x1, y1) = centers[t.name], centers[ref_table]
                ax.plot([x0, x1], [y0, y1], color="#9aa5b1", lw=1.5, zorder=1)
    for t in star:
        _draw_table(ax, t, centers[t.name], fact=t is fact)
    ax.set_title(
        "Sparkify star schema, drawn from sql/create (lines: foreign keys)", fontsize=13, loc="left"
    )
    return fig


def _draw_table(ax, table: TableDesign, center: tuple[float, float], fact: bool) -> None:
    fks = {c for c, _, _ in table.foreign_keys}
    lines = []
    for name, kind in table.columns:
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
