"""The rooms of support/ say what they hold: one reader per wire, no module named like one of the stand's, each clause
in the rooms its feature file's name gives (one step module, one clause module; docs/architecture.md's table agrees),
and steps whose text says what they do (none reads the scenario's tags).

Read with `ast`, from the file names, and from behave's own step matching; no module of support/ is imported but
the clause register.
"""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from support.clauses import CLAUSES

ROOT = Path(__file__).resolve().parents[2]
GRPC_READER = ROOT / "support" / "grpc_stream.py"


def grpc_openings(source: str) -> list[int]:
    """The lines that open a gRPC channel (`grpc.insecure_channel`, `grpc.secure_channel`) or make a stub (`…Stub(`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in {"insecure_channel", "secure_channel"} or called.endswith("Stub"):
                found.append(node.lineno)
    return found


def test_only_the_grpc_reader_opens_a_grpc_channel() -> None:
    others = {
        path.name: lines
        for path in sorted((ROOT / "support").glob("*.py"))
        if path != GRPC_READER and (lines := grpc_openings(path.read_text(encoding="utf-8")))
    }
    assert not others, f"gRPC channels or stubs made outside support/grpc_stream.py (file: lines): {others}"
    assert grpc_openings(GRPC_READER.read_text(encoding="utf-8")), "the reading of the reader is broken"


def test_the_reading_finds_a_channel_and_a_stub() -> None:
    source = "channel = grpc.insecure_channel(address)\nstub = pb_grpc.DataStreamServiceStub(channel)\n"
    assert grpc_openings(source) == [1, 2]


def module_names(folder: Path) -> set[str]:
    return {path.stem for path in folder.glob("*.py")} - {"__init__", "__main__"}


def test_no_module_name_is_both_the_stands_and_the_suites() -> None:
    """The stand plays the Focus Server, the suite checks it: `recordings.py` or `settings.py` in both would leave a
    reader (and a traceback) to guess which side it is on."""
    shared = sorted(module_names(ROOT / "stand") & module_names(ROOT / "support"))
    assert not shared, f"modules named alike in stand/ and support/ (rename one side): {shared}"
    assert module_names(ROOT / "stand") and module_names(ROOT / "support"), "the reading of the folders is broken"


# -- where each clause lives follows from its feature file's name; docs/architecture.md's table agrees ----------

ARCHITECTURE = ROOT / "docs" / "architecture.md"
SHARED_STEPS = ROOT / "steps" / "common_steps.py"
FAMILY = re.compile(r"^\d+(?:_\d+)*_(?P<family>[a-z_]+)$")  # features/2_3_configure_idempotency → configure_idempotency


def where_does_x_live() -> dict[str, dict[str, list[str]]]:
    """The table's rows: clause id → column → the paths its cell names (in backticks)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    lines = text[text.index("### Where does X live") :].splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("|"))
    table = list(itertools.takewhile(lambda line: line.startswith("|"), lines[start:]))
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    rows = {}
    for line in table[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0].split()[0]] = {
            name: re.findall(r"`([^`]+)`", cell) for name, cell in zip(header, cells, strict=True)
        }
    return rows


def steps_used_by_clause() -> tuple[dict[str, set[Path]], dict[str, set[Path]]]:
    """Clause id → the step modules whose definitions its scenarios' steps run (behave's own matching), and clause
    id → the feature files holding its scenarios."""
    from behave.parser import parse_file
    from behave.runner_util import load_step_modules
    from behave.step_registry import registry

    kept = registry.steps
    registry.steps = {kind: [] for kind in kept}  # an empty registry, so that a second loading is no duplicate
    try:
        load_step_modules([str(ROOT / "steps")])
        used: dict[str, set[Path]] = {}
        features: dict[str, set[Path]] = {}
        for path in sorted((ROOT / "features").glob("*.feature")):
            feature = parse_file(str(path))
            for scenario in feature.walk_scenarios():
                spec = next(str(tag)[5:] for tag in scenario.effective_tags if str(tag).startswith("spec-"))
                features.setdefault(spec, set()).add(path)
                for step in list(feature.background.steps if feature.background else []) + list(scenario.steps):
                    match = registry.find_match(step)
                    assert match is not None, f"{path.name}: no step definition for {step.keyword} {step.name}"
                    used.setdefault(spec, set()).add(Path(match.location.filename).resolve())
        return used, features
    finally:
        registry.steps = kept


def rooms_of(feature: Path) -> tuple[Path, Path]:
    """The step module and the clause module a feature file's name gives: `features/N_<family>.feature` →
    `steps/<family>_steps.py`, `support/<family>.py`."""
    named = FAMILY.match(feature.stem)
    assert named, f"{feature.name}: a feature file is named N_<family>.feature (or N_M_<family>.feature)"
    family = named["family"]
    return ROOT / "steps" / f"{family}_steps.py", ROOT / "support" / f"{family}.py"


def test_every_clause_has_one_feature_file_one_step_module_and_one_clause_module() -> None:
    _, features = steps_used_by_clause()
    assert sorted(features) == sorted(clause.id for clause in CLAUSES), "every clause has scenarios, and only those"
    for clause, paths in features.items():
        assert len(paths) == 1, f"clause {clause}'s scenarios are spread over {sorted(p.name for p in paths)}"
        missing = [path.relative_to(ROOT).as_posix() for path in rooms_of(next(iter(paths))) if not path.is_file()]
        assert not missing, f"clause {clause}: its feature file's name gives modules that do not exist: {missing}"


def test_each_clause_runs_steps_of_its_step_module_and_the_shared_ones_only() -> None:
    used, features = steps_used_by_clause()
    for clause, modules in used.items():
        step_module, _ = rooms_of(next(iter(features[clause])))
        others = sorted(str(path.relative_to(ROOT)) for path in modules - {step_module.resolve(), SHARED_STEPS})
        assert not others, f"clause {clause} runs steps of {others}, beside {step_module.relative_to(ROOT)}"


def test_a_step_module_hands_over_to_its_clause_module_and_the_shared_set_up_only() -> None:
    """What a step module imports of support/ is its clause module's, or shared set-up named beside the table."""
    shared = {"live", "stream_jobs", "scenario_scope", "clauses", "recordings", "windows", "rabbitmq", "ids"}
    for feature in sorted((ROOT / "features").glob("*.feature")):
        step_module, clause_path = rooms_of(feature)
        clause_module = clause_path.stem
        imported = set()
        for node in ast.walk(ast.parse(step_module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "support":
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("support."):
                imported.add(node.module.removeprefix("support."))
        assert clause_module in imported, f"{step_module.name} does not call its clause module {clause_module}"
        others = sorted(imported - shared - {clause_module})
        assert not others, f"{step_module.name} hands over to {others} besides its clause module {clause_module}"


def test_the_architecture_table_says_what_the_names_say() -> None:
    """The table (docs/architecture.md) is for readers: each row names the files the rule gives, and real ones. A
    new clause needs no row to be found (the rule finds it); a row, once written, must stay true."""
    _, features = steps_used_by_clause()
    for clause, row in where_does_x_live().items():
        assert clause in features, f"the table has a row for {clause}, which no scenario checks"
        feature = next(iter(features[clause]))
        step_module, clause_module = rooms_of(feature)
        expected = [feature, step_module, clause_module]
        named = [ROOT / row[column][0] for column in ("Feature file", "Step module", "Clause module")]
        assert named == expected, f"{clause}: the table names {named}, the feature file's name gives {expected}"
        missing = [path for path in row["Client"] if not (ROOT / path).is_file()]
        assert not missing, f"{clause}: the table names clients that do not exist: {missing}"


# -- a step's text says what it does ---------------------------------------------------------------------------

STEP_DECORATORS = {"given", "when", "then", "step"}
TAG_READERS = {"tags", "effective_tags", "clause_of_tags", "api_of_tags", "purpose_of_tags"}


def tag_reads_and_stacked_texts(source: str) -> tuple[list[int], list[str]]:
    """The lines of a step module that read a scenario's tags, and its functions carrying more than one step text."""
    reads, stacked = [], []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute | ast.Name) and (getattr(node, "attr", None) or node.id) in TAG_READERS:
            reads.append(node.lineno)
        if isinstance(node, ast.FunctionDef):
            texts = [
                d
                for d in node.decorator_list
                if isinstance(d, ast.Call) and getattr(d.func, "id", "") in STEP_DECORATORS
            ]
            if len(texts) > 1:
                stacked.append(node.name)
    return reads, stacked


def test_no_step_reads_the_scenarios_tags_and_each_text_has_its_own_function() -> None:
    """What a step does is what its text says: retagging a scenario must not change it (the tags are the report's
    and the runner's). One text per function, so that a function does what its one text says."""
    found = {}
    for path in sorted((ROOT / "steps").glob("*.py")):
        reads, stacked = tag_reads_and_stacked_texts(path.read_text(encoding="utf-8"))
        if reads or stacked:
            found[path.name] = {"reads tags on lines": reads, "functions with several texts": stacked}
    assert not found, f"steps that choose by the scenario's tags, or share a function among texts: {found}"


def test_the_step_reading_sees_tags_read_and_texts_stacked() -> None:
    source = (
        "@given('a')\n@given('b')\ndef step(context):\n"
        "    clause = clause_of_tags(context.scenario.effective_tags)\n"
        "    if 'slow' in context.tags: pass\n"
    )
    assert tag_reads_and_stacked_texts(source) == ([4, 4, 5], ["step"])
