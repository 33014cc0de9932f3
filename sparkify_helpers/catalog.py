"""The warehouse's tables as ``sql/create`` declares them: the one reader of that folder.

:func:`read_catalog` parses its CREATE TABLE statements (Redshift SQL, with sqlglot) into an
immutable :class:`Catalog`, again only when a file changes: tables in file order with columns
(Redshift type, byte length, nullability, primary-key membership), keys, distribution and sort
key. Staging tables (loaded by COPY) are named ``staging_*``, a rule a test checks against
``sql/copy``; control tables (the load's own bookkeeping, e.g. ``sparkify_publishes``) are
named ``sparkify_*``; the others form the star. Names are lowercased, as Redshift folds
identifiers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from sparkify_helpers import paths, sqlfiles
from sparkify_helpers.errors import WarehouseError

STAGING_PREFIX = "staging_"
CONTROL_PREFIX = "sparkify_"
# Byte widths (without a length, of MAX) from the Redshift Developer Guide, "Character types":
# VARCHAR/NVARCHAR 256 and 65535 (TEXT is VARCHAR(256)), CHAR/NCHAR 1 and 4096 (BPCHAR is
# CHAR(256)).
_VARYING, _FIXED = (256, 65535), (1, 4096)
CHARACTER_WIDTHS = {
    exp.DType.VARCHAR: _VARYING, exp.DType.NVARCHAR: _VARYING, exp.DType.TEXT: _VARYING,
    exp.DType.CHAR: _FIXED, exp.DType.NCHAR: _FIXED, exp.DType.BPCHAR: (256, 4096),
}  # fmt: skip
# Types sqlglot writes otherwise than Redshift stores them (it writes TEXT as VARCHAR(MAX)).
_CONVERTED_TYPES = {exp.DType.TEXT: "VARCHAR(256)", exp.DType.BPCHAR: "CHAR(256)"}


@dataclass(frozen=True)
class Column:
    """One column: Redshift type, byte length (character types only), nullability, PK role."""

    name: str
    type: str
    length: int | None = None
    nullable: bool = True
    primary_key: bool = False


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` reference ``references`` (the same number of columns) of ``table``."""

    columns: tuple[str, ...]
    table: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """One CREATE TABLE: columns in order, keys and physical design, and where it is written."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    diststyle: str = "AUTO"
    distkey: str | None = None
    sortkey: tuple[str, ...] = ()
    source: Path | None = None
    statement: str = dataclasses.field(default="", compare=False, repr=False)  # as written

    @property
    def staging(self) -> bool:
        """True for a staging table (loaded by COPY), False for a star-schema table."""
        return self.name.startswith(STAGING_PREFIX)

    @property
    def control(self) -> bool:
        """True for a control table (the load's bookkeeping, not analysts' data)."""
        return self.name.startswith(CONTROL_PREFIX)

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names in table order."""
        return tuple(c.name for c in self.columns)

    def lengths(self) -> dict[str, int]:
        """``{column: byte length}`` of the character columns."""
        return {c.name: c.length for c in self.columns if c.length is not None}

    def create_statement(self, names: Mapping[str, str] | None = None) -> str:
        """Its CREATE TABLE as written in ``sql/create``; ``names`` renames it and the tables
        it references (``{"users": "users__new", ...}``), nothing else changes."""
        return sqlfiles.rename_tables(self.statement, names or {})


@dataclass(frozen=True)
class Catalog:
    """The tables of ``sql/create`` in file order, looked up by (case-insensitive) name."""

    tables: tuple[Table, ...]
    folder: Path

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.names

    @property
    def names(self) -> tuple[str, ...]:
        """Every table name, in file order."""
        return tuple(t.name for t in self.tables)

    @property
    def staging(self) -> tuple[Table, ...]:
        """The staging tables, in file order."""
        return tuple(t for t in self.tables if t.staging)

    @property
    def star(self) -> tuple[Table, ...]:
        """The star-schema tables (fact and dimensions), in file order."""
        return tuple(t for t in self.tables if not t.staging and not t.control)

    @property
    def control(self) -> tuple[Table, ...]:
        """The control tables (``sparkify_*``: what the load records about itself)."""
        return tuple(t for t in self.tables if t.control)

    def table(self, name: str) -> Table:
        """The table called ``name``; an unknown name raises WarehouseError listing the tables."""
        for table in self.tables:
            if table.name == name.lower():
                return table
        raise WarehouseError(
            f"No table '{name}' in {self.folder}: it declares {', '.join(self.names) or 'none'}. "
            "Check the name, or add its CREATE TABLE there."
        )

    def column_types(self) -> dict[str, dict[str, str]]:
        """``{table: {column: Redshift type}}`` of every table (a fresh dict)."""
        return {t.name: {c.name: c.type for c in t.columns} for t in self.tables}

    def lengths(self, table: str) -> dict[str, int]:
        """``{column: byte length}`` of a table's character columns."""
        return self.table(table).lengths()

    def dependents_first(self) -> tuple[str, ...]:
        """Names, each before the tables it references (as DROP needs): staging, fact, dims."""
        referrers = {
            t.name: {r.name for r in self.tables for fk in r.foreign_keys if fk.table == t.name}
            - {t.name}
            for t in self.tables
        }
        order: list[str] = []
        while len(order) < len(self.tables):
            left = [t.name for t in self.tables if t.name not in order]
            ready = [name for name in left if referrers[name] <= set(order)]
            order.append((ready or left)[0])  # a reference cycle: file order
        return tuple(order)


def create_dir() -> Path:
    """The folder of the warehouse's CREATE statements, ``sql/create``."""
    return paths.sql_dir() / "create"


def read_catalog(folder: str | Path | None = None) -> Catalog:
    """The catalog of ``folder`` (default ``sql/create``), parsed again only when it changes.

    Cached by each ``*.sql`` file's path, modification time and size.
    """
    where = Path(folder) if folder is not None else create_dir()
    if not where.is_dir():
        raise WarehouseError(f"No CREATE TABLE folder at {where}; check the project checkout.")
    stamp = tuple(
        (p.name, stat.st_mtime_ns, stat.st_size)
        for p in sorted(where.glob("*.sql"), key=lambda p: p.name)
        for stat in (p.stat(),)
    )
    return _parse_folder(where.resolve(), stamp)


@lru_cache(maxsize=8)
def _parse_folder(folder: Path, stamp: tuple[tuple[str, int, int], ...]) -> Catalog:
    """Parse every CREATE TABLE of ``folder``; ``stamp`` is the cache key of its files."""
    tables: dict[str, Table] = {}
    for sql_file in sqlfiles.read_sql_folder(folder):
        for statement in sql_file.statements:
            table = _table_of(statement, sql_file.path)
            if table is None:
                continue
            if table.name in tables:
                raise WarehouseError(
                    f"{sql_file.path}: table '{table.name}' is already created in "
                    f"{tables[table.name].source}; keep one CREATE TABLE per table."
                )
            tables[table.name] = table
    return Catalog(tuple(_resolve_references(t, tables) for t in tables.values()), folder)


def table_of(statement: str, where: Path) -> Table | None:
    """The table a CREATE TABLE statement creates (None for any other statement); ``where``
    names its source in errors (WarehouseError for a CREATE the catalog cannot read)."""
    return _table_of(statement, where)


def dropped_tables(statement: str) -> tuple[str, ...]:
    """The tables a DROP TABLE statement drops (lowercased; none for any other statement)."""
    try:
        tree = sqlglot.parse_one(statement, read="redshift")
    except SqlglotError:
        return ()
    if not (isinstance(tree, exp.Drop) and tree.kind == "TABLE"):
        return ()
    return tuple(t.name.lower() for t in tree.args.get("tables") or [tree.this] if t is not None)


def _table_of(statement: str, where: Path) -> Table | None:
    """The table a statement creates, or None for any other statement."""
    try:
        tree = sqlglot.parse_one(statement, read="redshift")
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0]
        raise WarehouseError(f"{where}: cannot read as Redshift SQL ({reason}).") from exc
    if isinstance(tree, exp.Command) and str(tree.this).upper() == "CREATE":
        raise WarehouseError(
            f"{where}: a CREATE statement uses syntax the catalog cannot read (e.g. INTERLEAVED "
            "SORTKEY); write it with supported syntax."
        )
    if not isinstance(tree, exp.Create) or tree.kind != "TABLE":
        return None
    if not isinstance(tree.this, exp.Schema):
        raise WarehouseError(f"{where}: CREATE TABLE without a column list; declare the columns.")
    return dataclasses.replace(_design(tree, where), statement=statement)


def _names(nodes: list | exp.Expr | None) -> tuple[str, ...]:
    """Lowercased names of identifiers (or of one identifier)."""
    items = nodes if isinstance(nodes, list) else [nodes]
    return tuple(item.name.lower() for item in items if item is not None)


def _reference(columns: tuple[str, ...], reference: exp.Reference) -> ForeignKey:
    """A foreign key of ``columns`` from a REFERENCES clause (with or without its columns)."""
    target = reference.this
    if isinstance(target, exp.Schema):
        return ForeignKey(columns, target.this.name.lower(), _names(target.expressions))
    return ForeignKey(columns, target.name.lower(), ())


def _design(create: exp.Create, where: Path) -> Table:
    """Read one CREATE TABLE with a column list."""
    defs, primary, foreign = [], [], []
    for item in create.this.expressions:
        if isinstance(item, exp.ColumnDef):
            defs.append(item)
            for kind in (c.kind for c in item.constraints):
                if isinstance(kind, exp.PrimaryKeyColumnConstraint):
                    primary.append(item.name.lower())
                elif isinstance(kind, exp.Reference):
                    foreign.append(_reference((item.name.lower(),), kind))
        for part in item.expressions if isinstance(item, exp.Constraint) else [item]:
            if isinstance(part, exp.PrimaryKey):
                primary.extend(_names(part.expressions))
            elif isinstance(part, exp.ForeignKey):
                foreign.append(_reference(_names(part.expressions), part.args["reference"]))
    diststyle, distkey = "AUTO", None
    sortkey: tuple[str, ...] = ()
    for prop in (create.args.get("properties") or exp.Properties()).expressions:
        if isinstance(prop, exp.DistStyleProperty):
            diststyle = prop.this.name.upper()
        elif isinstance(prop, exp.DistKeyProperty):
            distkey = prop.this.name.lower()
        elif isinstance(prop, exp.SortKeyProperty):
            sortkey = _names(prop.this)
    return Table(
        name=create.this.this.name.lower(),
        columns=tuple(_column(d, primary, where) for d in defs),
        primary_key=tuple(primary),
        foreign_keys=tuple(foreign),
        diststyle="KEY" if distkey and diststyle == "AUTO" else diststyle,
        distkey=distkey,
        sortkey=sortkey,
        source=where,
    )


def _column(column: exp.ColumnDef, primary_key: list[str], where: Path) -> Column:
    """One column definition with its type, byte length and nullability."""
    kind = column.args.get("kind")
    if not isinstance(kind, exp.DataType):
        raise WarehouseError(f"{where}: column '{column.name}' has no type; declare one.")
    params = [p.name for p in kind.expressions]
    written = kind.sql(dialect="redshift")
    length = None
    if kind.this in CHARACTER_WIDTHS:
        default, widest = CHARACTER_WIDTHS[kind.this]
        length = default if not params else widest if params[0].upper() == "MAX" else int(params[0])
        written = written if params else _CONVERTED_TYPES.get(kind.this, written)
    not_null = any(
        isinstance(c.kind, exp.NotNullColumnConstraint) and not c.kind.args.get("allow_null")
        for c in column.constraints
    )
    name = column.name.lower()
    return Column(name, written, length, not not_null, name in primary_key)


def _resolve_references(table: Table, tables: dict[str, Table]) -> Table:
    """Fill a bare ``REFERENCES t`` with the primary key of ``t`` (when ``t`` is known)."""
    keys = tuple(
        dataclasses.replace(fk, references=tables[fk.table].primary_key)
        if not fk.references and fk.table in tables
        else fk
        for fk in table.foreign_keys
    )
    return dataclasses.replace(table, foreign_keys=keys)
