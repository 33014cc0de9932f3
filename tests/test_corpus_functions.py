"""The documented-behaviour corpus: the guide's function examples, run on the local target.

Every case in tests/corpus/functions.yaml must end as documented: the documented result (or
error), or the refusal its ``refuse`` key names, or a known difference (``known``) that
docs/redshift-fidelity.md lists. A silently different answer, or a bare DuckDB error, fails.
The counts are printed and must equal the ones written in docs/redshift-fidelity.md.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from corpus_outcomes import FIDELITY, check, counts_line
from corpus_runner import Outcome, load, run_case, same

CASES = load()["cases"]
KEYS = {"id", "page", "sql", "value", "rows", "error", "ordered", "tolerance", "tables"}
KEYS |= {"derived", "refuse", "known", "note"}


@cache
def outcome(case_id: str) -> Outcome:
    return run_case(next(c for c in CASES if c["id"] == case_id))


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
    check(case, outcome(case["id"]), known_kinds={"different", "error"})


def test_no_case_is_a_silently_different_answer():
    silent = [
        (c["id"], outcome(c["id"]).detail)
        for c in CASES
        if outcome(c["id"]).kind in {"different", "error"} and "known" not in c
    ]
    assert silent == []


def test_counts_are_printed_and_written_in_the_fidelity_page(capsys):
    line = counts_line("Corpus", CASES)
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
