"""Redshift ``MERGE`` (``r_MERGE.md``) for DuckDB's ``MERGE INTO``.

sqlglot 30 reads Redshift's column-less ``WHEN NOT MATCHED THEN INSERT VALUES (...)`` as an
insert of a function call ``VALUES(...)`` and writes ``INSERT (VALUES(...))``, which DuckDB
cannot parse; :func:`rewrite_merge` makes it the ``INSERT VALUES (...)`` both dialects read
(the target's columns in declared order, as r_MERGE.md says). What Redshift's MERGE refuses
is refused here too, so the local target never accepts a MERGE Redshift would reject: a
subquery or view as the source ("source_table can't be a view or a subquery"), a WITH
clause ("You can't use the WITH clause in a MERGE statement"), a condition on WHEN
(``WHEN MATCHED AND ...``: not in Redshift's syntax), and more than one clause of a kind.
"""

from __future__ import annotations

from sqlglot import exp

from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

GUIDE = "r_MERGE.md"


def _refuse(tree: exp.Merge, what: str) -> None:
    raise TranslationError(
        f"Redshift's MERGE does not allow {what} ({GUIDE}): {snippet(tree.sql(SOURCE))}. "
        "Fill a work table first and MERGE from it."
    )


def refuse_merge(tree: exp.Expr) -> None:
    """Raise TranslationError for a MERGE that Redshift would reject (see module doc)."""
    if not isinstance(tree, exp.Merge):
        return
    using = tree.args.get("using")
    if isinstance(using, exp.Subquery) or not isinstance(using, exp.Table):
        _refuse(tree, "a subquery as the source table")
    if tree.args.get("with_") or tree.args.get("with"):
        _refuse(tree, "a WITH clause")
    whens = tree.args["whens"].expressions
    if any(when.args.get("condition") is not None for when in whens):
        _refuse(tree, "a condition on WHEN MATCHED / WHEN NOT MATCHED")
    kinds = [bool(when.args.get("matched")) for when in whens]
    if len(kinds) != len(set(kinds)):
        _refuse(tree, "more than one WHEN MATCHED or WHEN NOT MATCHED clause")


def rewrite_merge(tree: exp.Expr) -> None:
    """``INSERT (VALUES(a, b))`` as sqlglot reads it becomes ``INSERT VALUES (a, b)``."""
    if not isinstance(tree, exp.Merge):
        return
    for when in tree.args["whens"].expressions:
        insert = when.args.get("then")
        if not isinstance(insert, exp.Insert) or insert.args.get("expression"):
            continue
        columns = insert.this
        if (
            isinstance(columns, exp.Tuple)
            and len(columns.expressions) == 1
            and isinstance(columns.expressions[0], exp.Anonymous)
            and columns.expressions[0].name.upper() == "VALUES"
        ):
            values = columns.expressions[0].expressions
            insert.set("this", None)
            insert.set("expression", exp.Tuple(expressions=list(values)))
