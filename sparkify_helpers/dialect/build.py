"""Build DuckDB expressions from a template with named holes filled by sub-expressions."""

from __future__ import annotations

import sqlglot
from sqlglot import exp


def template(sql: str, **parts: exp.Expr) -> exp.Expr:
    """``sql`` (DuckDB) with each column named like a keyword replaced by a copy of that part."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for column in list(tree.find_all(exp.Column)):
        if column.name in parts and not column.table:
            column.replace(parts[column.name].copy())
    return exp.paren(tree, copy=False)
