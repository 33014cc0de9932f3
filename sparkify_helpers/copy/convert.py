"""SQL that converts one extracted JSON field to its column's type, as Redshift's COPY would.

Each column gets a value expression and an error-code expression over ``raw`` (the field as
text, from ``json_extract_string``); a NULL code means the value loads. Decisions, per
Redshift's documentation where it says so:
- blank or empty fields load as NULL into every non-character column (Redshift: "blank
  fields for other data types, such as INT, are always loaded with NULL");
- EMPTYASNULL / BLANKSASNULL make '' / whitespace-only strings NULL in character columns;
- integers accept digits ("39") and integral numbers (``1540919166796.0``, ``1e3``); a
  fractional part is an invalid digit (1207), an out-of-range value an overflow (1222).
  The guide does not say what COPY does with a JSON number that has a decimal point or an
  exponent in an integer column: this choice is listed in ``docs/redshift-fidelity.md``;
- VARCHAR(n) counts UTF-8 bytes (1204); TRUNCATECOLUMNS cuts to n bytes on a character
  boundary;
- TIMEFORMAT 'epochmillisecs' / 'epochsecs' read numbers; 'auto' or none reads ISO-like text;
  a Redshift format string ('YYYY-MM-DD HH24:MI:SS') maps to strptime.

Hot paths are guarded so the common value skips the costly general expression (regexes,
trims): a canonical integer ("4197", checked by a cast round trip), a number the cast reads
as is, a text that does not start with whitespace. Each guard only admits values for which
it gives what the general expression gives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sparkify_helpers.copy.columns import TargetColumn
from sparkify_helpers.copy.sqltext import sql_string
from sparkify_helpers.copy.statement import CopyCommand

_INT_LABELS = {
    "TINYINT": "Short",
    "SMALLINT": "Short",
    "INTEGER": "Integer",
    "BIGINT": "Long",
    "HUGEINT": "Long",
}
_RE2_SPACES = "(9, 10, 12, 13, 32)"
_AUTO_FORMATS = ["%Y%m%d %H%M%S", "%y%m%d %H%M%S", "%Y.%j", "%Y%m%d"]
# automatic-recognition.md's formats with a time zone name, tried without it (r_Datetime_types:
# for TIMESTAMP "Time zone values in input strings are ignored"); its DD.MM.YYYY example is
# 12.17.1997, so month-first is tried second.
_AUTO_ZONED_FORMATS = [
    "%d %b %H:%M:%S %Y",
    "%m/%d/%Y %H:%M:%S.%f",
    "%m/%d/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M:%S.%f",
    "%d.%m.%Y %H:%M:%S",
    "%m.%d.%Y %H:%M:%S.%f",
    "%m.%d.%Y %H:%M:%S",
]
_FORMAT_TOKENS = [
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("YYYY", "%Y"),
    ("MON", "%b"),
    ("HH", "%H"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("AM", "%p"),
    ("PM", "%p"),
]


@dataclass(frozen=True)
class Conversion:
    """SQL for one column.

    ``value`` reads the text column ``raw``; ``error`` (a Redshift code or NULL) reads ``raw``
    and ``__VAL__``, the computed value; ``reason`` reads ``raw`` and ``__CODE__``, the code.
    """

    value: str
    error: str
    reason: str

    def error_sql(self, value_column: str) -> str:
        """The error-code SQL reading the computed value from ``value_column``."""
        return self.error.replace("__VAL__", value_column)

    def reason_sql(self, code_column: str) -> str:
        """The reason SQL reading the error code from ``code_column``."""
        return self.reason.replace("__CODE__", code_column)


def strptime_format(redshift_format: str) -> str:
    """Translate a Redshift DATEFORMAT/TIMEFORMAT string into a strptime format."""
    pattern = "|".join(re.escape(token) for token, _ in _FORMAT_TOKENS)
    mapping = dict(_FORMAT_TOKENS)
    return re.sub(pattern, lambda m: mapping[m.group()], redshift_format)


def _invalid_digit(raw: str, label: str, number_prefix: str) -> str:
    """Redshift's 1207 reason: the first character that is not part of a number, and where."""
    pos = f"length(regexp_extract(trim({raw}), {sql_string(number_prefix)}))"
    char = f"coalesce(nullif(substr(trim({raw}), {pos} + 1, 1), ''), trim({raw}))"
    return f"format('Invalid digit, Value ''{{}}'', Pos {{}}, Type: {label}', {char}, {pos})"


def _text(col: TargetColumn, cmd: CopyCommand, raw: str) -> Conversion:
    nulls = []
    if cmd.emptyasnull:
        nulls.append(f"{raw} = ''")
    if cmd.blanksasnull:
        # RE2's \s is [\t\n\f\r ]: only a text starting with one of those can be blank.
        nulls.append(rf"(ascii({raw}) IN {_RE2_SPACES} AND regexp_full_match({raw}, '\s+'))")
    value = f"CASE WHEN {' OR '.join(nulls)} THEN NULL ELSE {raw} END" if nulls else raw
    if col.fixed:
        return _char(col, value, raw)
    if col.length is None:
        return Conversion(value, "NULL", "NULL")
    if cmd.truncatecolumns:
        cuts = ", ".join(
            f"try(decode(encode({raw})[1:{col.length - k}]))" for k in range(min(4, col.length + 1))
        )
        value = f"CASE WHEN strlen({raw}) > {col.length} THEN coalesce({cuts}) ELSE {value} END"
        return Conversion(value, "NULL", "NULL")
    return Conversion(
        value,
        f"CASE WHEN strlen(__VAL__) > {col.length} THEN 1204 END",
        "'String length exceeds DDL length'",
    )


def _char(col: TargetColumn, value: str, raw: str) -> Conversion:
    """CHAR(n): single-byte characters only (multi-byte-character-load-errors.md: 1220,
    "Multibyte character not supported for CHAR (Hint: Try using VARCHAR). Invalid char: ..."),
    then at most n bytes (1204)."""
    multibyte = f"regexp_extract({raw}, '[^\\x00-\\x7F]')"
    length = f"WHEN strlen(__VAL__) > {col.length} THEN 1204 " if col.length else ""
    return Conversion(
        value,
        f"CASE WHEN {multibyte} <> '' THEN 1220 {length}END",
        "CASE WHEN __CODE__ = 1220 THEN 'Multibyte character not supported for CHAR "
        "(Hint: Try using VARCHAR). Invalid char: ' || "
        f"lower(hex(encode({multibyte}))) ELSE 'String length exceeds DDL length' END",
    )


def _decimal(col: TargetColumn, cmd: CopyCommand, raw: str) -> Conversion:
    """DECIMAL(p, s): COPY truncates to the scale, ROUNDEC rounds (copy-parameters-data-
    conversion.md: "20.259 ... into a DECIMAL(8,2) column, COPY truncates the value to 20.25 by
    default. If ROUNDEC is specified, COPY rounds the value to 20.26")."""
    reason = _invalid_digit(raw, "Decimal", r"^[+-]?[0-9]*\.?[0-9]*")
    conv = _cast(col, raw, 1207, reason, untrimmed=True)
    found = re.search(r",\s*(\d+)\)", col.type)
    scale = int(found.group(1)) if found else 0
    if cmd.roundec:
        return conv
    s = f"trim({raw})"
    # the fraction cut to the scale before the cast (which would round); exponents: via DOUBLE
    digits = "[0-9]" + "{" + str(scale) + "}"
    cut = f"regexp_replace({s}, '^([+-]?[0-9]*\\.{digits})[0-9]+$', '\\1')"
    wide = f"try_cast({s} AS DOUBLE)"
    truncated = f"trunc({wide} * 1e{scale}) / 1e{scale}"
    value = (
        f"CASE WHEN {s} = '' THEN NULL "
        f"WHEN regexp_full_match({s}, '[+-]?[0-9]*\\.?[0-9]*') THEN try_cast({cut} AS {col.type}) "
        f"WHEN isfinite({wide}) THEN try_cast({truncated} AS {col.type}) END"
    )
    return Conversion(value, conv.error, conv.reason)


def _missing_or(raw: str, code: str) -> str:
    """The error SQL of a non-text column: ``code`` when the value is NULL but the trimmed
    text is not empty (blank fields load as NULL); the trim runs on NULL values only."""
    return f"CASE WHEN __VAL__ IS NULL THEN CASE WHEN trim({raw}) <> '' THEN {code} END END"


def _integer(col: TargetColumn, raw: str) -> Conversion:
    s = f"trim({raw})"
    digits = rf"regexp_full_match({s}, '[+-]?[0-9]+(\.0*)?')"
    as_double = f"try_cast({s} AS DOUBLE)"
    whole = f"(isfinite({as_double}) AND {as_double} = trunc({as_double}))"
    cast = f"try_cast({raw} AS {col.type})"
    value = (
        f"CASE WHEN CAST({cast} AS VARCHAR) = {raw} THEN {cast} "
        f"WHEN {s} = '' THEN NULL "
        rf"WHEN {digits} THEN try_cast(regexp_replace({s}, '\.0*$', '') AS {col.type}) "
        f"WHEN {whole} THEN try_cast({as_double} AS {col.type}) END"
    )
    error = _missing_or(raw, f"CASE WHEN {digits} OR {whole} THEN 1222 ELSE 1207 END")
    label = _INT_LABELS.get(col.type.upper(), "Integer")
    reason = (
        f"CASE WHEN __CODE__ = 1222 THEN format('Overflow, Value ''{{}}'', Type: {label}', {s}) "
        f"ELSE {_invalid_digit(raw, label, '^[+-]?[0-9]*')} END"
    )
    return Conversion(value, error, reason)


def _cast(col: TargetColumn, raw: str, code: int, reason: str, untrimmed: bool) -> Conversion:
    """A plain cast of the trimmed text. ``untrimmed``: try the text as is first (numbers and
    booleans, whose casts skip surrounding whitespace themselves, so the value is the same)."""
    s = f"trim({raw})"
    value = f"CASE WHEN {s} = '' THEN NULL ELSE try_cast({s} AS {col.type}) END"
    if untrimmed:
        cast = f"try_cast({raw} AS {col.type})"
        value = f"CASE WHEN {cast} IS NOT NULL THEN {cast} WHEN {s} = '' THEN NULL ELSE {value} END"
    return Conversion(value, _missing_or(raw, str(code)), reason)


def _with_fraction(strptime: str) -> list[str]:
    """The format, and with fractional seconds after ``SS`` (r_DATEFORMAT_and_TIMEFORMAT_strings:
    "The seconds (SS) field also supports fractional seconds up to a microsecond")."""
    return [strptime, strptime.replace("%S", "%S.%f")] if "%S" in strptime else [strptime]


def _auto(s: str, is_date: bool) -> str:
    """'auto' (automatic-recognition.md): what a cast reads (ISO 8601 with T and Z, fractions,
    a UTC offset, which is ignored), then YYYYMMDD HHMISS, YYMMDD HHMISS, YYYY.DDD, Julian days
    (J2451187) and the formats ending in a time zone name (ignored). BC dates are not recognised
    (rejected, 1205/1206; docs/redshift-fidelity.md)."""
    formats = ", ".join(sql_string(f) for f in _AUTO_FORMATS)
    zoned = ", ".join(sql_string(f) for f in _AUTO_ZONED_FORMATS)
    unzoned = f"regexp_replace({s}, ' [A-Za-z]{{2,5}}$', '')"
    julian = (
        f"CASE WHEN regexp_full_match({s}, 'J[0-9]{{1,7}}') THEN TIMESTAMP '1970-01-01' "
        f"+ to_days(CAST(substr({s}, 2) AS INTEGER) - 2440588) END"
    )
    parsed = (
        f"coalesce(try_cast({s} AS TIMESTAMP), try_strptime({s}, [{formats}]), {julian}, "
        f"try_strptime({unzoned}, [{zoned}]))"
    )
    return f"CAST({parsed} AS DATE)" if is_date else parsed


def _temporal(col: TargetColumn, raw: str, fmt: str | None, is_date: bool) -> Conversion:
    s = f"trim({raw})"
    mode = (fmt or "auto").lower()
    value = None
    if not is_date and mode in ("epochmillisecs", "epochsecs"):
        scale = 1000 if mode == "epochmillisecs" else 1_000_000

        def epoch(number: str) -> str:
            # out-of-range epochs give NULL (so a 1206 rejection), never a failed COPY
            return f"try(make_timestamp(try_cast(round({number} * {scale}) AS BIGINT)))"

        number = f"try_cast({s} AS DOUBLE)"
        parsed = f"CASE WHEN isfinite({number}) THEN {epoch(number)} END"
        # The double cast skips surrounding whitespace itself: a number read from the
        # untrimmed text is the trimmed text's number.
        direct = f"try_cast({raw} AS DOUBLE)"
        value = (
            f"CASE WHEN isfinite({direct}) THEN CAST({epoch(direct)} AS {col.type}) "
            f"WHEN {s} = '' THEN NULL ELSE CAST({parsed} AS {col.type}) END"
        )
    elif mode == "auto":
        parsed = _auto(s, is_date)
    else:
        formats = _with_fraction(strptime_format(fmt or ""))
        parsed = f"try_strptime({s}, [{', '.join(sql_string(f) for f in formats)}])"
    if value is None:
        value = f"CASE WHEN {s} = '' THEN NULL ELSE CAST({parsed} AS {col.type}) END"
    code, what = (1205, "date") if is_date else (1206, "timestamp")
    shown = fmt or ("YYYY-MM-DD" if is_date else "YYYY-MM-DD HH24:MI:SS")
    return Conversion(
        value,
        _missing_or(raw, str(code)),
        sql_string(f"Invalid {what} format or value [{shown}]"),
    )


def conversion(col: TargetColumn, cmd: CopyCommand, raw: str) -> Conversion:
    """The value/error/reason SQL for ``col`` from the text expression ``raw``."""
    family = col.family
    if family == "text":
        conv = _text(col, cmd, raw)
    elif family == "integer":
        conv = _integer(col, raw)
    elif family == "float":
        reason = _invalid_digit(raw, "Double", r"^[+-]?[0-9]*\.?[0-9]*")
        conv = _cast(col, raw, 1207, reason, untrimmed=True)
    elif family == "decimal":
        conv = _decimal(col, cmd, raw)
    elif family == "boolean":
        reason = "'Invalid boolean format: expected true/false, t/f or 1/0'"
        conv = _cast(col, raw, 1210, reason, untrimmed=True)
    elif family in ("timestamp", "date"):
        fmt = cmd.dateformat if family == "date" else cmd.timeformat
        conv = _temporal(col, raw, fmt, family == "date")
    else:
        reason = sql_string(f"Invalid input value for type {col.type}")
        conv = _cast(col, raw, 1216, reason, untrimmed=False)
    if col.nullable:
        return conv
    return Conversion(
        conv.value,
        f"coalesce({conv.error}, CASE WHEN __VAL__ IS NULL THEN 1213 END)",
        f"CASE WHEN __CODE__ = 1213 THEN 'Missing data for not-null field' ELSE {conv.reason} END",
    )
