"""CREATE TABLE rewrites: drop Redshift's physical and informational parts, map IDENTITY."""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from sparkify_helpers.dialect.lengths import length_check

# Physical design: distribution, sort order, backup. No local meaning.
PHYSICAL_PROPERTIES = (
    exp.DistStyleProperty,
    exp.DistKeyProperty,
    exp.SortKeyProperty,
    exp.BackupProperty,
)
# Column constraints that Redshift does not enforce (or that are physical): dropped locally.
DROPPED_COLUMN_CONSTRAINTS = (
    exp.EncodeColumnConstraint,
    exp.PrimaryKeyColumnConstraint,
    exp.UniqueColumnConstraint,
    exp.Reference,
)
# Table constraints Redshift does not enforce: dropped locally so DuckDB does not enforce them.
DROPPED_TABLE_CONSTRAINTS = (exp.PrimaryKey, exp.ForeignKey, exp.UniqueColumnConstraint)
STRING_TYPES = {exp.DType.VARCHAR, exp.DType.CHAR, exp.DType.TEXT, exp.DType.NVARCHAR}


def _is_informational(node: exp.Expr) -> bool:
    """True for a table-level PRIMARY KEY / FOREIGN KEY / UNIQUE, named or not."""
    if isinstance(node, exp.Constraint):
        return all(isinstance(e, DROPPED_TABLE_CONSTRAINTS) for e in node.expressions)
    return isinstance(node, DROPPED_TABLE_CONSTRAINTS)


def _drop_physical_properties(create: exp.Create) -> None:
    """Remove DISTSTYLE/DISTKEY/SORTKEY/BACKUP from a CREATE statement."""
    props = create.args.get("properties")
    if not props:
        return
    kept = [p for p in props.expressions if not isinstance(p, PHYSICAL_PROPERTIES)]
    create.set("properties", exp.Properties(expressions=kept) if kept else None)


def _sequence_for(table: exp.Table, column: exp.ColumnDef, identity: exp.Expr) -> tuple:
    """The CREATE SEQUENCE statement and the DEFAULT nextval(...) for an IDENTITY column."""
    name = f"{table.name}_{column.name}_seq"
    qualified = ".".join(p for p in (table.text("catalog"), table.text("db"), name) if p)
    start = int((identity.args.get("start") or exp.Literal.number(1)).sql())
    step = int((identity.args.get("increment") or exp.Literal.number(1)).sql())
    # DuckDB sequences default to MINVALUE 1; Redshift seeds may be 0 or negative.
    bound = f"MINVALUE {start}" if step > 0 else f"MAXVALUE {start}"
    create = (
        f"CREATE SEQUENCE IF NOT EXISTS {qualified} START WITH {start} INCREMENT BY {step} {bound}"
    )
    default = exp.DefaultColumnConstraint(this=exp.func("nextval", exp.Literal.string(qualified)))
    return create, default


def _rewrite_column(table: exp.Table, column: exp.ColumnDef) -> list[str]:
    """Drop unenforced/physical constraints of one column (column-level DISTKEY/SORTKEY are
    ENCODE nodes, see :mod:`.source`); map IDENTITY to a sequence; enforce CHAR/VARCHAR
    byte lengths with a CHECK (:mod:`.lengths`)."""
    before: list[str] = []
    kept = []
    for constraint in column.args.get("constraints") or []:
        kind = constraint.args.get("kind")
        if isinstance(kind, DROPPED_COLUMN_CONSTRAINTS):
            continue
        if isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            create, default = _sequence_for(table, column, kind)
            before.append(create)
            constraint = exp.ColumnConstraint(kind=default)
        kept.append(constraint)
    check = length_check(column)
    if check is not None:
        kept.append(check)
    column.set("constraints", kept)
    return before


def drop_string_lengths(tree: exp.Expr) -> None:
    """VARCHAR(n) / VARCHAR(MAX) / CHAR(n) -> VARCHAR: DuckDB neither needs nor checks them."""
    for dtype in tree.find_all(exp.DataType):
        if dtype.this in STRING_TYPES and dtype.expressions:
            dtype.replace(exp.DataType.build("VARCHAR"))


def rewrite_create(create: exp.Create) -> list[str]:
    """Rewrite a CREATE in place for DuckDB; return statements that must run before it."""
    _drop_physical_properties(create)
    schema = create.this
    if not isinstance(schema, exp.Schema):
        return []
    table = schema.this
    before: list[str] = []
    kept = []
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            before.extend(_rewrite_column(table, item))
        elif _is_informational(item):
            continue
        kept.append(item)
    schema.set("expressions", kept)
    return before


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
        elif _is_informational(item):
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
        _rewrite_column(exp.to_table(name.name), added)  # ENCODE dropped, length checked
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
