"""The plain-words parts of ``report.html``: what failed, what the warehouse holds, what each
load error means, and how far to trust the match rate.

Redshift's load error codes are read as the Database Developer Guide lists them
(https://docs.aws.amazon.com/redshift/latest/dg/r_Load_Error_Reference.html).
"""

from __future__ import annotations

import re

import pandas as pd

from sparkify_helpers.charts.frames import MIN_MATCH_SHARE, MIN_MATCHED_PLAYS
from sparkify_helpers.run_record import NotebookRun, RunResult

LOAD_NOTEBOOK = "03_load"
PUBLISHED = re.compile(r"Nothing was published; (?P<held>[^.]*(?:\.\d+[^.]*)*)\.")
MATCHED = re.compile(r"\((?P<matched>[\d,]+) of (?P<plays>[\d,]+) plays matched")

# Error code: (what it means, what to do). The meanings follow the guide's table.
LOAD_ERROR_READINGS: dict[int, tuple[str, str]] = {
    1201: ("the field delimiter was not found", "check the file's format against COPY's"),
    1202: ("the line has more columns than the table", "check the file's column order"),
    1203: ("the line has fewer columns than the table", "check for a cut-off line"),
    1204: ("the value is out of range for the column's type", "fix the value in the file"),
    1205: ("the date is not in a valid format", "write it as YYYY-MM-DD"),
    1206: ("the timestamp is not in a valid format", "write it as epoch milliseconds or ISO"),
    1207: ("a number holds a character other than 0-9", "fix the number in the file"),
    1208: ("the value is not a valid FLOAT", "fix the number in the file"),
    1209: ("the value is not a valid DECIMAL", "fix the number in the file"),
    1210: ("the value is not a valid BOOLEAN", "use true or false"),
    1211: ("the line holds no data", "remove the empty line"),
    1212: ("the load file was not found", "check the manifest and the bucket"),
    1213: ("a NOT NULL column has no value", "fill the field or drop the line"),
    1214: ("a delimiter was not found", "check the file's format against COPY's"),
    1215: ("the CHAR value is not valid", "fix the value in the file"),
    1216: ("the line is not valid input (not one JSON object)", "repair or remove the line"),
    1220: ("the text holds invalid UTF-8", "re-save the file as UTF-8"),
    1222: ("the whole number overflows its column's type", "fix the value in the file"),
    1224: ("the value is not well-formed JSON", "repair the JSON"),
}


def failed_notebook(result: RunResult) -> NotebookRun | None:
    """The notebook that failed or was interrupted, if any."""
    return next((nb for nb in result.notebooks if nb.status in ("failed", "interrupted")), None)


def error_line(nb: NotebookRun) -> str:
    """The first line of a notebook's error (the rest is detail: sample rows, SQL)."""
    return (nb.error or "").strip().splitlines()[0] if (nb.error or "").strip() else ""


def what_failed(result: RunResult) -> str:
    """``03_load stopped at cell 9: WarehouseError: ...`` (empty when nothing failed)."""
    nb = failed_notebook(result)
    if nb is None:
        return ""
    where = f" at cell {nb.failed_cell}" if nb.failed_cell is not None else ""
    verb = "was interrupted" if nb.status == "interrupted" else "failed"
    line = PUBLISHED.sub("", error_line(nb)).strip()  # what is held gets its own sentence
    text = f"{nb.name} {verb}{where}" + (f": {line}" if line else "")
    return text if text.endswith(".") else f"{text}."


def what_is_held(result: RunResult) -> str:
    """What the analysts still see after this run, in one sentence."""
    for nb in result.notebooks:
        if (found := PUBLISHED.search(nb.error or "")) is not None:
            return f"Nothing was published: {found['held']}."
    load = next((nb for nb in result.notebooks if nb.name == LOAD_NOTEBOOK), None)
    if load is None or load.status == "pending":
        return (
            f"{LOAD_NOTEBOOK} did not run, so this run published nothing: "
            "the star tables hold what they held before it."
        )
    if load.status == "ok":
        return "This run's load was published (03_load finished)."
    return (
        f"{LOAD_NOTEBOOK} stopped; a load is published only when all its checks pass, "
        "so read its error above before trusting the star tables."
    )


def copy_ran(result: RunResult) -> bool:
    """Whether this run's staging COPY ran (it always writes ``load_errors.csv``)."""
    return result.run.load_errors.exists()


def copy_not_run(result: RunResult) -> str:
    """Why there are no load errors to show when COPY never ran, in one sentence."""
    load = next((nb for nb in result.notebooks if nb.name == LOAD_NOTEBOOK), None)
    if not result.notebooks:
        why = f"not in this session: step through {LOAD_NOTEBOOK} to load"
    elif load is not None and load.status == "ok":
        why = "there was nothing new to stage"
    else:
        why = f"{LOAD_NOTEBOOK} did not reach it"
    return f"COPY did not run ({why}), so no rows were loaded or rejected."


def read_load_error(row: pd.Series) -> str:
    """One rejected row in plain words: which file, line, column, why, what to do."""
    code = int(row["err_code"]) if pd.notna(row.get("err_code")) else None
    meaning, todo = LOAD_ERROR_READINGS.get(code or 0, ("COPY rejected it", "see err_reason"))
    column = row.get("colname")
    where = f"Line {row.get('line_number')} of {row.get('filename')}"
    where += f", column {str(column).strip()}" if isinstance(column, str) and column.strip() else ""
    reason = str(row.get("err_reason") or "").strip()
    detail = f" ({reason}, code {code})" if reason else f" (code {code})"
    return f"{where}: {meaning}{detail}. To do: {todo}, then run the load again."


def match_caveat(results_line: str) -> str:
    """The caveat for a thin match rate, read from the results line ("" when it is ample)."""
    found = MATCHED.search(results_line)
    if found is None:
        return ""
    matched, plays = (int(found[k].replace(",", "")) for k in ("matched", "plays"))
    if plays == 0 or (matched >= MIN_MATCHED_PLAYS and matched / plays >= MIN_MATCH_SHARE):
        return ""
    return (
        f"Too few plays matched to rank songs or artists (a ranking needs at least "
        f"{MIN_MATCHED_PLAYS} matched plays and {MIN_MATCH_SHARE:.0%} of all plays): "
        "the top songs and top artists charts show this caveat instead. "
        "Load a fuller song catalogue first."
    )
