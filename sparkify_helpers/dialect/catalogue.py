"""Refuse a function DuckDB does not have, naming it, instead of a bare DuckDB catalog error."""

from __future__ import annotations

from functools import cache

import duckdb
from sqlglot import exp

from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

# Macros the local warehouse defines on each connection (warehouse/system_views.py).
WAREHOUSE_MACROS = frozenset({"pg_last_copy_id"})


@cache
def duckdb_functions() -> frozenset[str]:
    """The names of DuckDB's built-in functions and macros, and the warehouse's, lower-cased."""
    with duckdb.connect() as con:
        rows = con.execute("SELECT DISTINCT function_name FROM duckdb_functions()").fetchall()
    return frozenset(name.lower() for (name,) in rows) | WAREHOUSE_MACROS


def refuse_unknown_functions(tree: exp.Expr) -> None:
    """Raise TranslationError for a function call that DuckDB would not find."""
    for node in tree.find_all(exp.Anonymous):
        if node.name.lower() not in duckdb_functions():
            raise TranslationError(
                f"{node.name.upper()} has no local (DuckDB) equivalent "
                f"({snippet(node.sql(SOURCE))}): run it on the redshift target, or rewrite "
                "it with functions the local target translates (see docs/redshift-fidelity.md)."
            )
