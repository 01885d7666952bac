"""The prose lint: the feature files' own prose stays under 900 words and in business words."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.common.layout import CLARIFICATIONS, FEATURES
from tools.specs import prose_lint


def _with(tmp_path: Path, feature: str, anchor: str, added: str) -> Path:
    features = tmp_path / "features"
    shutil.copytree(FEATURES, features, ignore=shutil.ignore_patterns("__pycache__"))
    path = features / feature
    assert anchor in path.read_text()
    path.write_text(path.read_text().replace(anchor, added + anchor, 1))
    return features


def test_the_features_prose_is_short_and_over_the_budget_fails() -> None:
    findings, words = prose_lint.lint(FEATURES, CLARIFICATIONS)
    assert findings == [] and 0 < words <= prose_lint.MAX_WORDS
    findings, _ = prose_lint.lint(FEATURES, CLARIFICATIONS, max_words=words - 1)
    assert len(findings) == 1 and f"{words} words of prose, over {words - 1}" in findings[0]


def test_a_route_a_verb_a_format_or_a_setting_in_prose_is_a_finding(tmp_path: Path) -> None:
    wire = (
        "  It calls GET /channels and reads the JSON body, waiting listen_s seconds.\n"
        "  A stream ends with DEADLINE_EXCEEDED; windows are given as yymmddHHMMSS.\n"
    )
    findings, _ = prose_lint.lint(
        _with(tmp_path, "2_2_metadata_latency.feature", "  One lucky call", wire), CLARIFICATIONS
    )
    said = "\n".join(findings)
    for word in ("a route", "HTTP verb GET", "wire format JSON", "setting listen_s", "DEADLINE_EXCEEDED", "yymmdd"):
        assert word in said, word
    lines = [f for f in findings if "words of prose" not in f]  # the added lines may also push the total over
    assert lines and all("2_2_metadata_latency.feature:" in f for f in lines)


def test_names_the_clarifications_use_are_not_wire_words(tmp_path: Path) -> None:
    # recorder_input is the clarifications' own word; a step or a title may name a route.
    features = _with(
        tmp_path, "1_rabbitmq_topology.feature", "  The suite only looks:", "  Its queue is recorder_input.\n"
    )
    assert prose_lint.lint(features, CLARIFICATIONS)[0] == []
