"""The prose lint: the feature files' own prose stays under 900 words and in business words."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.common.layout import CLARIFICATIONS, FEATURES
from tools.specs import prose_lint


def test_the_features_prose_is_short_and_names_no_route_verb_or_wire_format() -> None:
    findings, words = prose_lint.lint(FEATURES, CLARIFICATIONS)
    assert findings == []
    assert 0 < words <= prose_lint.MAX_WORDS


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(FEATURES, tmp_path / "features", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "features"


def test_a_route_a_verb_a_format_or_a_setting_in_prose_is_a_finding(tmp_path: Path) -> None:
    features = _copy(tmp_path)
    path = features / "2_2_metadata_latency.feature"
    text = path.read_text()
    anchor = "  One lucky call proves nothing"
    assert anchor in text
    wire = (
        "  It calls GET /channels and reads the JSON body, waiting listen_s seconds.\n"
        "  A stream ends with DEADLINE_EXCEEDED; windows are given as yymmddHHMMSS.\n"
    )
    path.write_text(text.replace(anchor, wire + anchor, 1))
    findings, _ = prose_lint.lint(features, CLARIFICATIONS)
    said = "\n".join(findings)
    for word in ("a route", "HTTP verb GET", "wire format JSON", "setting listen_s", "DEADLINE_EXCEEDED", "yymmdd"):
        assert word in said, word
    lines = [f for f in findings if "words of prose" not in f]  # the added lines may also push the total over
    assert lines and all("2_2_metadata_latency.feature:" in f for f in lines)


def test_names_the_clarifications_use_and_quotes_steps_titles_are_not_prose(tmp_path: Path) -> None:
    features = _copy(tmp_path)
    path = features / "1_rabbitmq_topology.feature"
    # recorder_input is the clarifications' own word; a step or a title may name a route.
    path.write_text(
        path.read_text().replace(
            "  The suite only looks:", "  Its queue is recorder_input.\n  The suite only looks:", 1
        )
    )
    findings, _ = prose_lint.lint(features, CLARIFICATIONS)
    assert findings == []


def test_prose_over_the_budget_fails(tmp_path: Path) -> None:
    features = _copy(tmp_path)
    _, words = prose_lint.lint(features, CLARIFICATIONS)
    findings, _ = prose_lint.lint(features, CLARIFICATIONS, max_words=words - 1)
    assert len(findings) == 1 and f"{words} words of prose, over {words - 1}" in findings[0]
