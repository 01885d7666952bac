"""The quote lint: word-for-word quotes, clause coverage, unique cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.clauses import CLAUSES
from tools.specs import quote_lint
from tools.specs.quote_lint import found_in, lint, normalise

SPEC = """\
# Clarifications

## 1 Exchange

**Official Answer:**
> "There is only ONE exchange named `prisma`"
> Mnemonic: *"There is no exchange except prisma, and different queues serve it"*

- ✅ All RabbitMQ messages MUST be published to `prisma` exchange

| **Recorder** | Specific named queue | `recorder_input` |

```python
messages = rabbitmq_client.consume_messages(
    exchange="prisma",
    routing_key="recorder.data.*"
)
```

1. **Normal Operation (< 180s):**
   def test():
       \"\"\"Verify stream completes normally within timeout.\"\"\"
"""


def _covering_all_clauses(first_extra: str = "", case: str = "case-{n}") -> str:
    """A feature with one scenario per clause of the register (so that coverage is complete)."""
    scenarios = []
    for n, clause in enumerate(CLAUSES):
        extra = first_extra if n == 0 else ""
        scenarios.append(
            f"  @spec-{clause.id} @{case.format(n=n)}\n  Scenario: clause {clause.id}\n{extra}    Given nothing\n"
        )
    return "Feature: all\n\n" + "\n".join(scenarios)


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "spec.md"
    spec.write_text(SPEC, encoding="utf-8")
    features = tmp_path / "features"
    features.mkdir()
    return features, spec


def _messages(features: Path, spec: Path) -> list[str]:
    return [str(finding) for finding in lint(features, spec)]


def test_exact_quotes_pass_with_markdown_and_emphasis_ignored(tree: tuple[Path, Path]) -> None:
    features, spec = tree
    quotes = (
        '    > "There is only ONE exchange named `prisma`"\n'
        '    > Mnemonic: "There is no exchange except prisma, and different queues serve it"\n'
        "    > ✅ All RabbitMQ messages MUST be published to prisma exchange\n"
        "    > | **Recorder** | Specific named queue | `recorder_input` |\n"
        "    > Recorder | Specific named queue | recorder_input\n"
        "    > messages = rabbitmq_client.consume_messages(\n"
        '    >     exchange="prisma",\n'
        '    >     routing_key="recorder.data.*"\n'
        "    > )\n"
        "    > Normal Operation (< 180s):\n"
        "    > Verify stream completes normally within timeout.\n"
        '    >   "There is only   ONE exchange named prisma"\n'
    )
    (features / "a.feature").write_text(_covering_all_clauses(quotes), encoding="utf-8")
    assert _messages(features, spec) == []


def test_a_quote_differing_by_one_word_is_rejected_with_file_and_line(tree: tuple[Path, Path]) -> None:
    features, spec = tree
    quote = '    > "There is only ONE exchange called `prisma`"\n'
    (features / "a.feature").write_text(_covering_all_clauses(quote), encoding="utf-8")
    [message] = _messages(features, spec)
    assert "a.feature:5:" in message and "not found word for word" in message and "called" in message


@pytest.mark.parametrize(
    "quote",
    [
        "There is only one exchange named prisma",  # case matters
        "There is only ONE exchange named prisma.",  # punctuation matters
        "here is only ONE exchange",  # a quote may not start inside a word
        "All RabbitMQ messages MUST be published to prisma exchanges",  # nor end inside one
        "There is only ONE exchange named prisma There is no exchange",  # text skipped in between
        "There is only ONE exchange",  # a part of a line: quotes are whole lines, markup aside
        'messages = rabbitmq_client.consume_messages(exchange="prisma", routing_key="recorder.data.*")',  # joined
        'exchange="prisma"',  # the line is `exchange="prisma",`: a comma is not markup
    ],
)
def test_strict_otherwise(tree: tuple[Path, Path], quote: str) -> None:
    features, spec = tree
    (features / "a.feature").write_text(_covering_all_clauses(f"    > {quote}\n"), encoding="utf-8")
    assert len(_messages(features, spec)) == 1


def test_a_joined_sample_is_told_apart_from_a_made_up_quote(tree: tuple[Path, Path]) -> None:
    features, spec = tree
    joined = '    > messages = rabbitmq_client.consume_messages( exchange="prisma", routing_key="recorder.data.*" )\n'
    (features / "a.feature").write_text(_covering_all_clauses(joined), encoding="utf-8")
    quote = joined.strip()[2:]
    assert _messages(features, spec) == [
        f"{features / 'a.feature'}:5: quote is not a whole line of spec.md (quote it line by line): {quote!r}"
    ]


def test_quote_lines_inside_doc_strings_are_not_quotes_and_scenarios_inside_a_rule_count(tree) -> None:
    features, spec = tree
    doc_string = '    Given nothing\n      """\n      > made up words\n      """\n'
    text = _covering_all_clauses().replace("    Given nothing\n", doc_string, 1)
    (features / "a.feature").write_text(text.replace("Feature: all\n\n", "Feature: all\n\n  Rule: r\n\n", 1))
    assert _messages(features, spec) == []


def test_a_clause_without_scenario_is_reported_at_its_register_line(tree: tuple[Path, Path]) -> None:
    features, spec = tree
    missing = CLAUSES[-1]
    (features / "a.feature").write_text(_covering_all_clauses().replace(f"@spec-{missing.id} ", "@spec-1.1 "))
    messages = _messages(features, spec)
    assert len(messages) == 1 and f"clause {missing.id}" in messages[0]
    assert "clauses.yaml:" in messages[0] and "clauses.yaml:0:" not in messages[0]


def test_duplicate_missing_and_unknown_tags(tree: tuple[Path, Path]) -> None:
    features, spec = tree
    (features / "a.feature").write_text(_covering_all_clauses(case="case-same"), encoding="utf-8")
    (features / "b.feature").write_text(
        "Feature: b\n\n  @spec-1.1\n  Scenario: no case\n    Given nothing\n\n"
        "  @spec-9.9 @case-x\n  Scenario: x\n    Given nothing\n\n  @case-y\n  Scenario: y\n    Given nothing\n"
    )
    messages = _messages(features, spec)
    assert len([m for m in messages if "duplicate @case-same" in m]) == len(CLAUSES) - 1
    assert any("b.feature:4:" in m and "no @case-<slug>" in m for m in messages)
    assert any("unknown clause @spec-9.9" in m for m in messages)
    assert any("b.feature:12:" in m and "no @spec-<clause id>" in m for m in messages)


def test_normalise_and_boundaries() -> None:
    assert normalise("> **a**  `b`\n>  *c*") == "a b c"
    assert found_in("a b", "x a b y") and found_in("a b", "_a b") and found_in("(a", "x(a y")
    assert not found_in("a b", "xa b y") and not found_in("a b", "a bc") and not found_in("", "anything")


def test_main_exit_codes(tree: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    features, spec = tree
    (features / "a.feature").write_text(_covering_all_clauses(), encoding="utf-8")
    assert quote_lint.main(["--features", str(features), "--spec", str(spec)]) == 0
    (features / "b.feature").write_text(_covering_all_clauses("    > not in the spec\n", "other-{n}"), encoding="utf-8")
    assert quote_lint.main(["--features", str(features), "--spec", str(spec)]) == 1
    assert "b.feature:5: quote not found" in capsys.readouterr().err
