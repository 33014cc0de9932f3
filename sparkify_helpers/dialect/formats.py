"""TO_CHAR of a date or timestamp with Redshift's datetime format parts (r_FORMAT_strings.md).

sqlglot maps a format to one strftime string, which writes some parts differently:
``MON`` is the upper-case abbreviation (``DEC``, strftime ``%b`` writes ``Dec``), ``MONTH``
and ``DAY`` are upper-case and blank-padded to 9 characters (r_TO_CHAR.md:
``'MONTH-DY-DD-YYYY HH12:MIPM'`` gives ``DECEMBER -THU-31-2009 11:15PM``), ``D`` is the day
of the week with Sunday 1 (``%u`` has Monday 1), ``ID`` the ISO day of the week. The format is
rebuilt here from its parts: strftime for the parts it writes alike, ``UPPER``/``RPAD`` for
the others. A format with a part neither knows is left to the refusal in ``translate``.
A TO_CHAR of a number literal (numeric formats: ``999D99``, ``RN``) is refused.
"""

from __future__ import annotations

from sqlglot import exp

from sparkify_helpers.dialect.source import SOURCE, SparkifyRedshift, snippet
from sparkify_helpers.errors import TranslationError

# part -> (strftime, case, padded width)
_NAMED: dict[str, tuple[str, str, int]] = {
    "MONTH": ("%B", "upper", 9),
    "Month": ("%B", "", 9),
    "month": ("%B", "lower", 9),
    "MON": ("%b", "upper", 0),
    "Mon": ("%b", "", 0),
    "mon": ("%b", "lower", 0),
    "DAY": ("%A", "upper", 9),
    "Day": ("%A", "", 9),
    "day": ("%A", "lower", 9),
    "DY": ("%a", "upper", 0),
    "Dy": ("%a", "", 0),
    "dy": ("%a", "lower", 0),
}
_PLAIN = {**SparkifyRedshift.TIME_MAPPING, "ID": "%u", "AM": "%p", "PM": "%p"}
_PLAIN.pop("D", None)  # Sunday is 1: built below
_PARTS = sorted([*_NAMED, *_PLAIN, "D"], key=len, reverse=True)


def _pieces(fmt: str) -> list[str | tuple[str, str, int]] | None:
    """The format as strftime strings and named parts, or None if a part is unknown."""
    out: list[str | tuple[str, str, int]] = []
    i = 0
    while i < len(fmt):
        part = next((p for p in _PARTS if fmt.startswith(p, i)), None)
        if part is None:
            if fmt[i].isalpha() or fmt[i] == '"':
                return None
            out.append(fmt[i].replace("%", "%%"))
            i += 1
            continue
        out.append(
            _NAMED[part] if part in _NAMED else ("D", "", 0) if part == "D" else _PLAIN[part]
        )
        i += len(part)
    return out


def _named(value: exp.Expr, piece: tuple[str, str, int]) -> exp.Expr:
    code, case, width = piece
    if code == "D":
        weekday = exp.cast(exp.func("STRFTIME", value.copy(), exp.Literal.string("%w")), "INT")
        return exp.cast(exp.Add(this=weekday, expression=exp.Literal.number(1)), "VARCHAR")
    text: exp.Expr = exp.func("STRFTIME", value.copy(), exp.Literal.string(code))
    if case:
        text = exp.Upper(this=text) if case == "upper" else exp.Lower(this=text)
    if width:
        text = exp.func("RPAD", text, exp.Literal.number(width), exp.Literal.string(" "))
    return text


def _build(value: exp.Expr, pieces: list[str | tuple[str, str, int]]) -> exp.Expr:
    parts: list[exp.Expr] = []
    run = ""
    for piece in pieces:
        if isinstance(piece, str):
            run += piece
            continue
        if run:
            parts.append(exp.TimeToStr(this=value.copy(), format=exp.Literal.string(run)))
            run = ""
        parts.append(_named(value, piece))
    if run:
        parts.append(exp.TimeToStr(this=value.copy(), format=exp.Literal.string(run)))
    result = parts[0]
    for part in parts[1:]:
        result = exp.DPipe(this=result, expression=part)
    return exp.paren(result, copy=False)


def rewrite_to_char(tree: exp.Expr) -> None:
    """Rebuild each TO_CHAR of a datetime from Redshift's format parts; refuse number formats."""
    for node in list(tree.find_all(exp.TimeToStr)):
        raw = node.meta.get("redshift_format")
        if not isinstance(raw, str):
            continue
        value = node.this
        if isinstance(value, exp.Neg):
            value = value.this
        if isinstance(value, exp.Literal) and not value.is_string:
            raise TranslationError(
                f"TO_CHAR of a number with format {raw!r} ({snippet(node.sql(SOURCE))}): "
                "numeric format strings have no local translation. Use ROUND/CAST, or "
                "TO_CHAR on the redshift target."
            )
        pieces = _pieces(raw)
        if pieces:
            node.replace(_build(node.this, pieces))
