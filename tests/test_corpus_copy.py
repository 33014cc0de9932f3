"""The COPY corpus: the guide's COPY pages, run against the local COPY (moto S3, DuckDB).

Every case in tests/corpus/copy.yaml must end as documented: the documented rows and
rejections (or failure), or the refusal its ``refuse`` key names, or a known difference
(``known``) that docs/redshift-fidelity.md lists. A silently different load fails the suite.
The counts are printed and must equal the ones written in docs/redshift-fidelity.md.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from copy_corpus_runner import BUCKET, Outcome, load, rows_match, run_case
from copy_helpers import mocked_s3

from sparkify_helpers.paths import project_root

CASES = load()["cases"]
KEYS = {"id", "page", "table", "files", "copy", "rows", "rejected", "rejected_codes", "fails"}
KEYS |= {"derived", "refuse", "known"}
FIDELITY = project_root() / "docs" / "redshift-fidelity.md"


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    """Every case's outcome, from one moto S3 (each case under a prefix of its own)."""
    with pytest.MonkeyPatch.context() as monkeypatch, mocked_s3(monkeypatch) as s3:
        s3.create_bucket(Bucket=BUCKET)
        yield {case["id"]: run_case(case, s3) for case in CASES}


def category(case: dict) -> str:
    """Where a case counts: match, clear refusal or known difference."""
    if "known" in case:
        return "known difference"
    return "clear refusal" if "refuse" in case else "match"


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
    result = outcomes[case["id"]]
    if "refuse" in case:
        assert result.kind == "refused", f"expected a refusal, got {result}"
        assert case["refuse"] in result.detail
        assert "\n" not in result.detail, "a refusal is one line"
    elif "known" in case:
        assert result.kind != "match", "now matches the guide: drop its `known` key and row"
        assert result.kind == "different", result.detail
        assert f"`{case['id']}`" in FIDELITY.read_text(encoding="utf-8"), (
            "a known difference must be listed in docs/redshift-fidelity.md"
        )
    else:
        assert result.kind == "match", f"{result.kind}: {result.detail}"


def test_counts_are_printed_and_written_in_the_fidelity_page(capsys):
    counts = Counter(category(c) for c in CASES)
    line = (
        f"COPY corpus: {len(CASES)} cases: {counts['match']} match, "
        f"{counts['clear refusal']} clear refusal, {counts['known difference']} known difference"
    )
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
