"""The documented-behaviour corpus: the guide's function examples, run on the local target.

Every case in tests/corpus/functions.yaml must end as documented: the documented result (or
error), or the refusal its ``refuse`` key names, or a known difference (``known``) that
docs/redshift-fidelity.md lists. A silently different answer, or a bare DuckDB error, fails.
The counts are printed and must equal the ones written in docs/redshift-fidelity.md.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

import pytest
from corpus_runner import Outcome, load, run_case, same

from sparkify_helpers.paths import project_root

CASES = load()["cases"]
KEYS = {"id", "page", "sql", "value", "rows", "error", "ordered", "tolerance", "tables"}
KEYS |= {"derived", "refuse", "known", "note"}
FIDELITY = project_root() / "docs" / "redshift-fidelity.md"


@cache
def outcome(case_id: str) -> Outcome:
    return run_case(next(c for c in CASES if c["id"] == case_id))


def category(case: dict) -> str:
    """Where a case counts: match, clear refusal or known difference."""
    if "known" in case:
        return "known difference"
    return "clear refusal" if "refuse" in case else "match"


def test_the_corpus_is_well_formed():
    assert len(CASES) >= 150
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    for case in CASES:
        assert set(case) <= KEYS, f"{case['id']}: unknown keys {set(case) - KEYS}"
        assert re.fullmatch(r"[A-Za-z0-9_-]+\.md", case["page"]), case["id"]
        assert sum(k in case for k in ("value", "rows", "error")) == 1, case["id"]
        assert not ("refuse" in case and "known" in case), case["id"]
        assert set(case.get("tables", [])) <= set(load()["tables"]), case["id"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_case_ends_as_documented(case):
    result = outcome(case["id"])
    if "refuse" in case:
        assert result.kind == "refused", f"expected a refusal, got {result}"
        assert case["refuse"] in result.detail
        assert "\n" not in result.detail, "a refusal is one line"
    elif "known" in case:
        assert result.kind != "match", "now matches the guide: drop its `known` key and row"
        assert result.kind != "refused", result.detail
        assert f"`{case['id']}`" in FIDELITY.read_text(encoding="utf-8"), (
            "a known difference must be listed in docs/redshift-fidelity.md"
        )
    else:
        assert result.kind == "match", f"{result.kind}: {result.detail}"


def test_no_case_is_a_silently_different_answer():
    silent = [
        (c["id"], outcome(c["id"]).detail)
        for c in CASES
        if outcome(c["id"]).kind in {"different", "error"} and "known" not in c
    ]
    assert silent == []


def test_counts_are_printed_and_written_in_the_fidelity_page(capsys):
    counts = Counter(category(c) for c in CASES)
    line = (
        f"Corpus: {len(CASES)} cases: {counts['match']} match, "
        f"{counts['clear refusal']} clear refusal, {counts['known difference']} known difference"
    )
    with capsys.disabled():
        print(f"\n{line}")
    assert line in FIDELITY.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("actual", "expected", "agrees"),
    [
        (2.5, 2, False),  # AVG of an integer must truncate: 2.5 is not the documented 2
        (2, 2, True),
        (None, 0, False),
        (0, None, False),
        (False, 0, False),
        ("2", 2, False),
        (3.1897171, 3.189717, False),
    ],
)
def test_the_comparison_can_tell_a_different_answer(actual, expected, agrees):
    assert same(actual, expected) is agrees
