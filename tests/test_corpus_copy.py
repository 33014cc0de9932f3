"""The COPY corpus: the guide's COPY pages, run against the local COPY (moto S3, DuckDB).

Every case in tests/corpus/copy.yaml must end as documented: the documented rows and
rejections (or failure), or the refusal its ``refuse`` key names, or a known difference
(``known``) that docs/redshift-fidelity.md lists. A silently different load fails the suite.
The counts are printed and must equal the ones written in docs/redshift-fidelity.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from copy_corpus_runner import BUCKET, Outcome, load, rows_match, run_case
from copy_helpers import mocked_s3
from corpus_outcomes import FIDELITY, check, counts_line

CASES = load()["cases"]
KEYS = {"id", "page", "table", "files", "copy", "rows", "rejected", "rejected_codes", "fails"}
KEYS |= {"derived", "refuse", "known", "select"}


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    """Every case's outcome, from one moto S3 (each case under a prefix of its own)."""
    with pytest.MonkeyPatch.context() as monkeypatch, mocked_s3(monkeypatch) as s3:
        s3.create_bucket(Bucket=BUCKET)
        yield {case["id"]: run_case(case, s3) for case in CASES}


def test_the_corpus_is_well_formed():
    assert len(CASES) >= 60
    assert len({c["id"] for c in CASES}) == len(CASES), "case ids must be unique"
    for case in CASES:
        assert set(case) <= KEYS, f"{case['id']}: unknown keys {set(case) - KEYS}"
        assert re.fullmatch(r"[A-Za-z0-9_-]+\.md", case["page"]), case["id"]
        assert ("rows" in case) != ("fails" in case), case["id"]
        assert case["table"] in load()["tables"], case["id"]
        assert not ("refuse" in case and "known" in case), case["id"]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
def test_case_ends_as_documented(case, outcomes):
    check(case, outcomes[case["id"]], known_kinds={"different"})


def test_counts_are_printed_and_written_in_the_fidelity_page(capsys):
    line = counts_line("COPY corpus", CASES)
    with capsys.disabled():
        print(f"\n{line}")
    assert line in FIDELITY.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("actual", "expected", "agrees"),
    [
        ([(20.26,)], [[20.25]], False),
        ([(1, None)], [[1, "x"]], False),
        ([(1,), (1,)], [[1]], False),
        ([(True,)], [[1]], False),
        ([(2, "b"), (1, "a")], [[1, "a"], [2, "b"]], True),
    ],
)
def test_the_comparison_can_tell_a_different_load(actual, expected, agrees):
    assert rows_match(actual, expected) is agrees
