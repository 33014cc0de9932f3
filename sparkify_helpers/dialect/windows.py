"""Redshift's window-function and aggregate rules on the local target.

- An aggregate window function with ORDER BY needs a frame clause (c_Window_functions.md,
  "Window function syntax summary": "If an ORDER BY clause is used for an aggregate
  function, an explicit frame clause is required"). DuckDB defaults the frame to RANGE
  UNBOUNDED PRECEDING and answers, so the statement is refused with Redshift's error text.
- ``FILTER (WHERE ...)`` on an aggregate is not Redshift syntax (c_Aggregate_Functions.md):
  refused.
- ``RATIO_TO_REPORT(x) OVER (...)`` is ``x / SUM(x) OVER (...)`` as FLOAT8
  (r_WF_RATIO_TO_REPORT.md); DuckDB has no such function.
"""

from __future__ import annotations

from sqlglot import exp

from sparkify_helpers.dialect.source import SOURCE, snippet
from sparkify_helpers.errors import TranslationError

FRAME_REQUIRED = "Aggregate window functions with an ORDER BY clause require a frame clause"
_NO_FRAME = tuple(
    getattr(exp, name)
    for name in ("Lag", "Lead", "RowNumber", "Rank", "DenseRank", "PercentRank", "CumeDist")
    if hasattr(exp, name)
) + (exp.WithinGroup,)
_FRAMED = (exp.AggFunc, exp.FirstValue, exp.LastValue, exp.NthValue)


def refuse_rejected(tree: exp.Expr) -> None:
    """Refuse what Redshift rejects: FILTER, and an ORDER BY without a frame on an aggregate."""
    for node in tree.find_all(exp.Filter):
        raise TranslationError(
            f"FILTER (WHERE ...) is not Redshift SQL ({snippet(node.sql(SOURCE))}): "
            "Redshift's aggregates have no FILTER clause. Use CASE inside the aggregate, "
            "e.g. COUNT(CASE WHEN qty > 10 THEN 1 END)."
        )
    for window in tree.find_all(exp.Window):
        func = window.this
        framed = isinstance(func, _FRAMED) and not isinstance(func, _NO_FRAME)
        if framed and window.args.get("order") and not window.args.get("spec"):
            raise TranslationError(
                f"{FRAME_REQUIRED} (Redshift rejects {snippet(window.sql(SOURCE))}). Add "
                "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, or another ROWS frame."
            )


def rewrite_ratio_to_report(tree: exp.Expr) -> None:
    """RATIO_TO_REPORT(x) OVER (w) -> CAST(x AS DOUBLE) / SUM(x) OVER (w)."""
    for window in list(tree.find_all(exp.Window)):
        func = window.this
        if isinstance(func, exp.Anonymous) and func.name.upper() == "RATIO_TO_REPORT":
            value = func.expressions[0]
            total = window.copy()
            total.set("this", exp.Sum(this=value.copy()))
            ratio = exp.Div(this=exp.cast(value.copy(), exp.DType.DOUBLE), expression=total)
            window.replace(exp.paren(ratio, copy=False))
