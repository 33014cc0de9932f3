"""SQL files on disk: their header metadata, their statements and their ``{{name}}`` parameters.

A file in ``sql/`` starts with a header: its leading ``--`` comment lines, up to the first
empty comment line (``--``), blank line or SQL. A header line ``-- key: value`` (key in
lowercase letters, digits and ``_``) is metadata, e.g. ``-- title: Plays by hour`` or
``-- severity: error``. Comments after the header are free text.
Placeholders ``{{name}}`` may only appear inside string literals, so every file parses as
Redshift SQL before rendering, and :func:`render` can escape values for a literal's context.
:func:`rename_tables` points a statement at other tables (a full refresh's ``users__new``)
by editing only the table names in its text: the rest stays as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import SqlglotError, TokenError
from sqlglot.tokens import TokenType

from sparkify_helpers.errors import WarehouseError

SQL_DIALECT = "redshift"
SEVERITIES = ("error", "warn")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_META_LINE = re.compile(r"^--\s*([a-z][a-z0-9_]*)\s*:\s*(.*?)\s*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SqlFile:
    """One SQL file: where it is, its text, its header metadata and its statements."""

    path: Path
    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    statements: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name without ``.sql`` (e.g. ``10_users``)."""
        return self.path.stem

    @property
    def title(self) -> str:
        """The ``title`` metadata, else the file name."""
        return self.metadata.get("title", self.name)

    @property
    def description(self) -> str:
        """The ``description`` metadata, else an empty string."""
        return self.metadata.get("description", "")

    @property
    def severity(self) -> str | None:
        """The ``severity`` metadata of a check (``error`` or ``warn``), else None."""
        return self.metadata.get("severity")


def parse_header(text: str) -> dict[str, str]:
    """Return the ``-- key: value`` metadata of the leading comment block of ``text``."""
    metadata: dict[str, str] = {}
    for raw in text.lstrip("\ufeff").splitlines():
        line = raw.strip()
        if not line.startswith("--") or not line.lstrip("-").strip():
            break
        match = _META_LINE.match(line)
        if match:
            metadata[match.group(1)] = match.group(2)
    return metadata


def _tokens(text: str, where: str = "SQL"):
    """Tokenize ``text`` as Redshift SQL, turning tokenizer failures into a WarehouseError."""
    try:
        return Dialect.get_or_raise(SQL_DIALECT).tokenize(text)
    except TokenError as exc:
        raise WarehouseError(
            f"Cannot read the statements of {where}: {exc}. Check for an unterminated "
            "string or comment."
        ) from exc


def split_statements(text: str, where: str = "SQL") -> list[str]:
    """Split a script into statements on ``;`` tokens (never inside strings or comments)."""
    cuts = [tok.start for tok in _tokens(text, where) if tok.token_type == TokenType.SEMICOLON]
    pieces, start = [], 0
    for cut in [*cuts, len(text)]:
        pieces.append(text[start:cut].strip())
        start = cut + 1
    return [piece for piece in pieces if piece and _tokens(piece, where)]


def read_sql_file(path: str | Path) -> SqlFile:
    """Read one ``.sql`` file with its header metadata and statements."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WarehouseError(f"Cannot read SQL file {path}: {exc}. Check the path.") from exc
    metadata = parse_header(text)
    severity = metadata.get("severity")
    if severity is not None and severity not in SEVERITIES:
        raise WarehouseError(
            f"{path}: severity '{severity}' is not one of {', '.join(SEVERITIES)}; fix its header."
        )
    statements = split_statements(text, where=str(path))
    if not statements:
        raise WarehouseError(f"{path} holds no SQL statement; add one or delete the file.")
    return SqlFile(path=path, text=text, metadata=metadata, statements=statements)


def read_sql_folder(path: str | Path) -> list[SqlFile]:
    """Read every ``*.sql`` file of a folder, in file-name order."""
    folder = Path(path)
    if not folder.is_dir():
        raise WarehouseError(f"SQL folder {folder} does not exist; check the project checkout.")
    return [read_sql_file(p) for p in sorted(folder.glob("*.sql"), key=lambda p: p.name)]


def placeholders(text: str) -> list[str]:
    """The distinct placeholder names of ``text``, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def _check_placeholders_in_strings(text: str) -> None:
    """Refuse a placeholder outside a string literal, where escaping could not protect it."""
    spans = [
        (tok.start, tok.end)
        for tok in _tokens(text)
        if tok.token_type in (TokenType.STRING, TokenType.NATIONAL_STRING)
    ]
    for match in PLACEHOLDER.finditer(text):
        if not any(start <= match.start() and match.end() - 1 <= end for start, end in spans):
            raise WarehouseError(
                f"Placeholder {match.group(0)} is outside a string literal; put it inside "
                "quotes, e.g. '{{" + match.group(1) + "}}'."
            )


def _literal_value(name: str, value: object) -> str:
    """Validate one parameter value and escape it for a single-quoted SQL literal."""
    text = str(value)
    if _CONTROL.search(text):
        raise WarehouseError(
            f"Parameter '{name}' contains a control character (newline, tab, ...); "
            "fix its value in the configuration."
        )
    if "\\" in text:
        raise WarehouseError(
            f"Parameter '{name}' contains a backslash, which Redshift string literals treat "
            "as an escape; fix its value in the configuration."
        )
    return text.replace("'", "''")


def render(text: str, params: Mapping[str, object]) -> str:
    """Replace every ``{{name}}`` with its escaped value; unknown or unsafe values raise."""
    names = placeholders(text)
    if not names:
        return text
    missing = [name for name in names if name not in params]
    if missing:
        raise WarehouseError(
            f"No value for placeholder(s) {', '.join(missing)}; add them to the configuration "
            "or the parameters passed to the statement."
        )
    _check_placeholders_in_strings(text)
    values = {name: _literal_value(name, params[name]) for name in names}
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def rename_tables(statement: str, names: Mapping[str, str]) -> str:
    """``statement`` with each unqualified table ``old`` of ``names`` read as ``names[old]``.

    Only the table names change, in the statement's own text (sqlglot finds them; its
    regenerated SQL is not used, so the rest runs on Redshift exactly as written). A renamed
    table read in FROM or JOIN without an alias gets its old name as alias, so columns
    qualified with it still resolve. A CTE named like a renamed table is refused.
    """
    if not names:
        return statement
    try:
        tree = sqlglot.parse_one(statement, read=SQL_DIALECT)
    except SqlglotError as exc:
        reason = str(exc).splitlines()[0]
        raise WarehouseError(f"Cannot read as Redshift SQL to rename tables: {reason}") from exc
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)} & set(names)
    if ctes:
        raise WarehouseError(
            f"A CTE is named like the table {sorted(ctes)[0]}; rename the CTE in the SQL file."
        )
    edits: list[tuple[int, int, str]] = []
    qualified_by_name: set[str] = set()
    for table in tree.find_all(exp.Table):
        old = table.name.lower()
        if old not in names or table.args.get("db") or not isinstance(table.this, exp.Identifier):
            continue
        start, stop = int(table.this.meta.get("start", -1)), int(table.this.meta.get("end", -2))
        written = statement[start : stop + 1] if start >= 0 else ""
        if written.strip('"').lower() != old:
            raise WarehouseError(f"Cannot find the table name {old} in: {statement[:80]}")
        new = f'"{names[old]}"' if table.this.quoted else names[old]
        if isinstance(table.parent, (exp.From, exp.Join)) and not table.alias:
            new = f"{new} AS {written}"
        elif not table.alias:  # a MERGE's target: no alias in Redshift's syntax (r_MERGE.md)
            qualified_by_name.add(old)
        edits.append((start, stop + 1, new))
    edits += _requalify(tree, statement, names, qualified_by_name)
    for start, end, new in sorted(edits, reverse=True):
        statement = statement[:start] + new + statement[end:]
    return statement


def _requalify(
    tree: exp.Expr, statement: str, names: Mapping[str, str], targets: set[str]
) -> list[tuple[int, int, str]]:
    """Edits that rename the qualifier of columns written ``target.column`` when ``target``
    is a renamed MERGE target (``ON users.user_id = n.user_id``), which has no alias to keep."""
    edits = []
    for column in tree.find_all(exp.Column):
        qualifier = column.args.get("table")
        if not isinstance(qualifier, exp.Identifier) or qualifier.name.lower() not in targets:
            continue
        start, stop = int(qualifier.meta.get("start", -1)), int(qualifier.meta.get("end", -2))
        if start < 0 or statement[start : stop + 1].strip('"').lower() != qualifier.name.lower():
            raise WarehouseError(f"Cannot find the qualifier {qualifier.name} in: {statement[:80]}")
        edits.append((start, stop + 1, names[qualifier.name.lower()]))
    return edits
