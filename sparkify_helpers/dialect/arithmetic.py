"""Redshift integer arithmetic on DuckDB: integer ``/`` truncates, ``AVG`` of integers is integer.

The statement is qualified and type-annotated on a copy (so the original keeps its aliases
and output names); each ``/`` and ``AVG`` is tagged first so its operand types found on the
copy can be applied to the original.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

_TAG = "sparkify_arith"
_KNOWN_NON_INTEGER = (*exp.DataType.REAL_TYPES, exp.DType.NULL)


def _kind(node: exp.Expr) -> str:
    """'int', 'other' (a known non-integer number or NULL) or 'unknown' for an operand."""
    dtype = node.type
    if dtype is None:
        return "unknown"
    if dtype.is_type(*exp.DataType.INTEGER_TYPES):
        return "int"
    if dtype.is_type(*_KNOWN_NON_INTEGER):
        return "other"
    return "unknown"


def _annotated_copy(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> exp.Expr:
    """A qualified, type-annotated copy of ``tree`` (unqualified if qualification fails)."""
    mapping = MappingSchema(dict(schema), dialect=SOURCE)
    copy = tree.copy()
    try:
        copy = qualify(
            copy,
            schema=mapping,
            dialect=SOURCE,
            validate_qualify_columns=False,
            identify=False,
            quote_identifiers=False,
        )
    except Exception:  # any optimizer failure: fall back to unqualified (cruder) typing
        copy = tree.copy()
    return annotate_types(copy, schema=mapping, dialect=SOURCE)


def _operand_kinds(copy: exp.Expr) -> dict[int, tuple[str, ...]]:
    """Per tag: the kinds of the operands of that ``/`` or ``AVG`` on the annotated copy."""
    kinds: dict[int, tuple[str, ...]] = {}
    for node in copy.find_all(exp.Div, exp.Avg):
        tag = node.meta.get(_TAG)
        if tag is None:
            continue
        operands = (node.left, node.right) if isinstance(node, exp.Div) else (node.this,)
        kinds[tag] = tuple(_kind(o) for o in operands)
    return kinds


def _unknown(node: exp.Expr) -> TranslationError:
    """The error for an operation whose Redshift result type cannot be decided."""
    return TranslationError(
        f"Cannot tell whether {snippet(node.sql(SOURCE))} is integer arithmetic (Redshift "
        "truncates integer / and AVG): an operand's type is unknown. Cast an operand, e.g. "
        "CAST(x AS DOUBLE PRECISION), or pass the table schema to translate()."
    )


def rewrite_integer_arithmetic(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Make integer ``/`` and integer ``AVG`` truncate as on Redshift; refuse unknown types."""
    targets = list(tree.find_all(exp.Div, exp.Avg))
    if not targets:
        return
    for number, node in enumerate(targets):
        node.meta[_TAG] = number
    kinds = _operand_kinds(_annotated_copy(tree, schema))
    for number, node in reversed(list(enumerate(targets))):
        found = kinds.get(number, ("unknown",))
        if isinstance(node, exp.Div):
            if found == ("int", "int"):
                node.replace(exp.IntDiv(this=node.left.copy(), expression=node.right.copy()))
            elif "other" not in found:
                raise _unknown(node)
        elif found == ("int",):
            truncated = exp.Trunc(this=node.copy())
            node.replace(exp.cast(truncated, exp.DType.BIGINT))
        elif found != ("other",):
            raise _unknown(node)
