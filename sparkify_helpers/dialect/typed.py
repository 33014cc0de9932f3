"""Types of expressions in a Redshift statement, found on a qualified, annotated copy.

The statement is qualified and type-annotated on a copy (so the original keeps its aliases
and output names); the nodes asked about are tagged first so their types on the copy can be
read back for the original nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from sparkify_helpers.dialect.source import SOURCE

Schema = Mapping[str, Mapping[str, str]]
_TAG = "sparkify_typed"


def annotated_copy(tree: exp.Expr, schema: Schema) -> exp.Expr:
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


def types_of(tree: exp.Expr, nodes: Sequence[exp.Expr], schema: Schema) -> list[exp.DataType]:
    """The annotated type of each node of ``tree`` (UNKNOWN when it cannot be told)."""
    for number, node in enumerate(nodes):
        node.meta[_TAG] = number
    found: dict[int, exp.DataType] = {}
    for node in annotated_copy(tree, schema).walk():
        tag = node.meta.get(_TAG)
        if tag is not None and node.type is not None:
            found[tag] = node.type
    for node in nodes:
        node.meta.pop(_TAG, None)
    unknown = exp.DataType.build("UNKNOWN")
    return [found.get(number, unknown) for number in range(len(nodes))]


def is_temporal(dtype: exp.DataType) -> bool:
    """True for DATE, TIME and TIMESTAMP types (with or without a time zone)."""
    return dtype.is_type(*exp.DataType.TEMPORAL_TYPES)


def is_time(dtype: exp.DataType) -> bool:
    """True for TIME and TIMETZ."""
    return dtype.is_type(exp.DType.TIME, exp.DType.TIMETZ)
