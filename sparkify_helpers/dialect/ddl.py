"""CREATE TABLE rewrites: drop Redshift's physical and informational parts, map IDENTITY."""

from __future__ import annotations

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


def is_informational(node: exp.Expr) -> bool:
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


def rewrite_column(table: exp.Table, column: exp.ColumnDef) -> list[str]:
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
            before.extend(rewrite_column(table, item))
        elif is_informational(item):
            continue
        kept.append(item)
    schema.set("expressions", kept)
    return before
