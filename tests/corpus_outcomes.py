"""What the documented-behaviour corpora (functions.yaml, copy.yaml) share: how a case counts
and what its outcome must be."""

from __future__ import annotations

from collections import Counter
from typing import Any, Protocol

from sparkify_helpers.paths import project_root

FIDELITY = project_root() / "docs" / "redshift-fidelity.md"


class Outcome(Protocol):
    """A case's outcome: kind (match, refused, different, error) and a one-line detail."""

    kind: str
    detail: str


def category(case: dict[str, Any]) -> str:
    """Where a case counts: match, clear refusal or known difference."""
    if "known" in case:
        return "known difference"
    return "clear refusal" if "refuse" in case else "match"


def check(case: dict[str, Any], result: Outcome, known_kinds: set[str]) -> None:
    """Assert that a case ended as documented: its refusal, a listed known difference (of one
    of ``known_kinds``), or a match."""
    if "refuse" in case:
        assert result.kind == "refused", f"expected a refusal, got {result}"
        assert case["refuse"] in result.detail
        assert "\n" not in result.detail, "a refusal is one line"
    elif "known" in case:
        assert result.kind != "match", "now matches the guide: drop its `known` key and row"
        assert result.kind in known_kinds, result.detail
        assert f"`{case['id']}`" in FIDELITY.read_text(encoding="utf-8"), (
            "a known difference must be listed in docs/redshift-fidelity.md"
        )
    else:
        assert result.kind == "match", f"{result.kind}: {result.detail}"


def counts_line(label: str, cases: list[dict[str, Any]]) -> str:
    """The counts line docs/redshift-fidelity.md must hold, e.g. "Corpus: 9 cases: ..."."""
    counts = Counter(category(c) for c in cases)
    return (
        f"{label}: {len(cases)} cases: {counts['match']} match, "
        f"{counts['clear refusal']} clear refusal, {counts['known difference']} known difference"
    )
