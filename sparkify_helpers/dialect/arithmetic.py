"""Redshift arithmetic on DuckDB: integer ``/`` truncates, ``AVG`` of integers is integer,
and division by zero is an error (r_numeric_computations201.md: "divide-by-zero conditions
return errors"; DuckDB returns NULL or infinity).

Operand types come from a qualified, annotated copy of the statement (:mod:`.typed`).
``DATEDIFF`` counts as an integer: it returns BIGINT (r_DATEDIFF_function.md). A character
operand is refused with its name and type: the guide gives result types for numeric operands
only (r_numeric_computations201.md), so whether ``varchar / 1000`` truncates is not told.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.dialect.typed import annotated_copy
from sparkify_helpers.errors import TranslationError

_TAG = "sparkify_arith"
_KNOWN_NON_INTEGER = (*exp.DataType.REAL_TYPES, exp.DType.NULL)
_INTEGER_FUNCTIONS = (exp.TsOrDsDiff, exp.DateDiff, exp.DatetimeDiff, exp.TimestampDiff)
DIVISION_BY_ZERO = "division by zero"


def _kind(node: exp.Expr) -> str:
    """'int', 'other' (a known non-integer number or NULL), 'text' or 'unknown'."""
    if isinstance(node, _INTEGER_FUNCTIONS):
        return "int"
    dtype = node.type
    if dtype is None:
        return "unknown"
    if dtype.is_type(*exp.DataType.INTEGER_TYPES):
        return "int"
    if dtype.is_type(*_KNOWN_NON_INTEGER):
        return "other"
    if dtype.is_type(*exp.DataType.TEXT_TYPES):
        return "text"
    return "unknown"


Kinds = tuple[tuple[str, str], ...]  # per operand: its kind and its type's SQL


def _operand_kinds(copy: exp.Expr) -> dict[int, Kinds]:
    """Per tag: the operands' kinds and types of that ``/`` or ``AVG`` on the annotated copy."""
    kinds: dict[int, Kinds] = {}
    for node in copy.find_all(exp.Div, exp.Avg):
        tag = node.meta.get(_TAG)
        if tag is None:
            continue
        operands = (node.left, node.right) if isinstance(node, exp.Div) else (node.this,)
        kinds[tag] = tuple((_kind(o), o.type.sql(SOURCE) if o.type else "") for o in operands)
    return kinds


def _unknown(node: exp.Expr, found: Kinds) -> TranslationError:
    """The error for an operation whose Redshift result type cannot be decided."""
    operands = (node.left, node.right) if isinstance(node, exp.Div) else (node.this,)
    for operand, (kind, type_sql) in zip(operands, found, strict=False):
        if kind == "text":
            bare = operand.sql(SOURCE)
            return TranslationError(
                f"Cannot tell whether {snippet(node.sql(SOURCE))} is integer arithmetic: "
                f"{snippet(bare)} is {type_sql}, and the guide gives result types for numeric "
                "operands only (r_numeric_computations201.md). Cast it, e.g. "
                f"CAST({bare} AS BIGINT) "
                f"or CAST({bare} AS DOUBLE PRECISION)."
            )
    return TranslationError(
        f"Cannot tell whether {snippet(node.sql(SOURCE))} is integer arithmetic (Redshift "
        "truncates integer / and AVG): an operand's type is unknown. Cast an operand, e.g. "
        "CAST(x AS DOUBLE PRECISION), or pass the table schema to translate()."
    )


def _checked(division: exp.Expr, divisor: exp.Expr) -> exp.Expr:
    """``division`` that raises Redshift's error when ``divisor`` is zero."""
    if isinstance(divisor, exp.Literal) and not divisor.is_string and float(divisor.name) != 0:
        return division
    fail = exp.func("error", exp.Literal.string(DIVISION_BY_ZERO))
    zero = exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0))
    return exp.Case(ifs=[exp.If(this=zero, true=fail)], default=division)


def _truncated_avg(node: exp.Expr) -> None:
    """Replace an integer AVG (or its window) by its truncation to a BIGINT."""
    target: exp.Expr = node.parent if isinstance(node.parent, exp.Window) else node
    target.replace(exp.cast(exp.Trunc(this=target.copy()), exp.DType.BIGINT))


def rewrite_integer_arithmetic(tree: exp.Expr, schema: Mapping[str, Mapping[str, str]]) -> None:
    """Make integer ``/`` and integer ``AVG`` truncate as on Redshift; refuse unknown types."""
    targets = list(tree.find_all(exp.Div, exp.Avg))
    if not targets:
        return
    for number, node in enumerate(targets):
        node.meta[_TAG] = number
    kinds = _operand_kinds(annotated_copy(tree, schema))
    for number, node in reversed(list(enumerate(targets))):
        found = kinds.get(number, (("unknown", ""),))
        names = tuple(kind for kind, _ in found)
        if isinstance(node, exp.Div):
            if names == ("int", "int"):
                division: exp.Expr = exp.IntDiv(this=node.left.copy(), expression=node.right.copy())
            elif "other" in names:
                division = node.copy()
            else:
                raise _unknown(node, found)
            node.replace(exp.paren(_checked(division, node.right), copy=False))
        elif names == ("int",):
            _truncated_avg(node)
        elif names != ("other",):
            raise _unknown(node, found)
