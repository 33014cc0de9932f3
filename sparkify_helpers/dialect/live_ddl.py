"""DDL that needs the live table's definition: ``CREATE TABLE ... LIKE`` and ALTERs of string
columns, which DuckDB cannot apply to a table whose lengths are CHECKs (:mod:`.lengths`).

The warehouse passes the table's DuckDB ``CREATE TABLE`` (``duckdb_tables().sql``); these
functions return the DuckDB statements that reproduce Redshift's result.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from sparkify_helpers.dialect.ddl import (
    STRING_TYPES,
    drop_string_lengths,
    is_informational,
    rewrite_column,
)
from sparkify_helpers.dialect.lengths import length_check


def like_parent(tree: exp.Expr) -> str | None:
    """The parent table's name of a ``CREATE TABLE ... (LIKE parent ...)``, else None."""
    schema = tree.this if isinstance(tree, exp.Create) else None
    for item in schema.expressions if isinstance(schema, exp.Schema) else []:
        if isinstance(item, exp.LikeProperty):
            return item.this.sql(dialect="duckdb")
    return None


def create_like(create: exp.Create, parent_ddl: str) -> str:
    """``CREATE TABLE child (LIKE parent [INCLUDING | EXCLUDING DEFAULTS])`` as DuckDB DDL.

    r_CREATE_TABLE_NEW.md: the new table copies the parent's "column names, data types, and
    NOT NULL constraints"; "Default expressions ... are copied only if INCLUDING DEFAULTS is
    specified"; primary and foreign keys are not inherited. ``parent_ddl`` is the parent's
    DuckDB definition (its length CHECKs come along: they are part of its data types here).
    """
    schema = create.this
    like = next(i for i in schema.expressions if isinstance(i, exp.LikeProperty))
    including = any(str(p.args.get("this")).upper() == "INCLUDING" for p in like.expressions or [])
    child = sqlglot.parse_one(parent_ddl, read="duckdb")
    child.this.set("this", schema.this.copy())
    child.set("exists", create.args.get("exists"))
    kept = []
    for item in child.this.expressions:
        if isinstance(item, exp.ColumnDef) and not including:
            constraints = [
                c
                for c in item.args.get("constraints") or []
                if not isinstance(c.args.get("kind"), exp.DefaultColumnConstraint)
            ]
            item.set("constraints", constraints)
        elif is_informational(item):
            continue
        kept.append(item)
    child.this.set("expressions", kept)
    return child.sql(dialect="duckdb")


def rebuilt_table(tree: exp.Expr) -> str | None:
    """The table of an ALTER that DuckDB cannot apply under a length CHECK, else None:
    ``ALTER COLUMN c TYPE VARCHAR(n)`` and ``ADD [COLUMN] c VARCHAR(n)`` (any string type)."""
    if not isinstance(tree, exp.Alter):
        return None
    actions = tree.args.get("actions") or []
    if len(actions) != 1:
        return None
    action = actions[0]
    dtype = action.args.get("dtype" if isinstance(action, exp.AlterColumn) else "kind")
    altered = isinstance(action, (exp.AlterColumn, exp.ColumnDef))
    if altered and isinstance(dtype, exp.DataType) and dtype.this in STRING_TYPES:
        return tree.this.sql(dialect="duckdb")
    return None


def _checks_length_of(node: exp.Expr, column: str) -> bool:
    """Whether a table-level CHECK is the length check of ``column``: Redshift has no CHECK
    constraints, so every CHECK on a translated table is one of ours (see .lengths)."""
    names = {c.name.lower() for c in node.find_all(exp.Column)}
    return isinstance(node, exp.CheckColumnConstraint) and names == {column}


def _resized(item: exp.ColumnDef, dtype: exp.DataType) -> None:
    """Give a column of the rebuilt table the new type's length check."""
    constraints = [
        c
        for c in item.args.get("constraints") or []
        if not isinstance(c.args.get("kind"), exp.CheckColumnConstraint)
    ]
    item.set("kind", dtype.copy())
    check = length_check(item)
    item.set("constraints", [*constraints, check] if check else constraints)
    item.set("kind", exp.DataType.build("VARCHAR"))


def rebuild_table(alter: exp.Alter, table_ddl: str) -> list[str]:
    """A string column's ALTER as DuckDB statements: the table is rebuilt with the new
    column or length check (DuckDB can neither change a column under a CHECK, drop a CHECK,
    nor add a column with one), its rows copied, the old table dropped, the new renamed.

    r_ALTER_TABLE.md: "ALTER COLUMN column_name TYPE updated_varchar_data_type_size" (a
    value longer than the new size fails, as on Redshift) and ADD [ COLUMN ] column_name
    column_type [ DEFAULT default_expr ] [ ENCODE encoding ] [ NOT NULL | NULL ].
    """
    action = alter.args["actions"][0]
    column = action.name.lower()
    table = sqlglot.parse_one(table_ddl, read="duckdb")
    name = table.this.this
    kept = [i for i in table.this.expressions if not _checks_length_of(i, column)]
    existing = [i.this.sql(dialect="duckdb") for i in kept if isinstance(i, exp.ColumnDef)]
    if isinstance(action, exp.AlterColumn):
        for item in kept:
            if isinstance(item, exp.ColumnDef) and item.name.lower() == column:
                _resized(item, action.args["dtype"])
    else:
        added = action.copy()
        rewrite_column(exp.to_table(name.name), added)  # ENCODE dropped, length checked
        drop_string_lengths(added)
        kept.append(added)
    table.this.set("expressions", kept)
    temporary = exp.to_identifier(f"{name.name}__rebuilt").sql(dialect="duckdb")
    table.this.set("this", exp.to_table(temporary))
    original = alter.this.sql(dialect="duckdb")
    columns = ", ".join(existing)
    return [
        table.sql(dialect="duckdb"),
        f"INSERT INTO {temporary} ({columns}) SELECT {columns} FROM {original}",
        f"DROP TABLE {original}",
        f"ALTER TABLE {temporary} RENAME TO {name.sql(dialect='duckdb')}",
    ]
