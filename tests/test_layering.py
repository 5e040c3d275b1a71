"""The package's import structure: no cycles, and no stage imports a later stage.

Read from the source with ``ast`` (every import, including ``TYPE_CHECKING`` and
function-level ones), so the rule holds for what the code says, not for what one
run happens to import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "kfedgen"

# The pipeline's stages, earliest first, by package.  A module of one stage may import its
# own stage and earlier ones only.  The shared vocabulary at the top of the package (errors,
# model, decisions, rendered, identity, selectors, scalars...), ``karmada/`` (pure ports)
# and ``gitops/`` (its settings are read by the model) are checked for cycles only.
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("source", ("kfedgen.source",)),
    # The traffic settings are read with the Fleet (a leaf, like the gitops settings).
    ("frontends", ("kfedgen.frontends", "kfedgen.traffic.settings")),
    ("placement", ("kfedgen.placement",)),
    (
        "backend",
        ("kfedgen.backend", "kfedgen.feasibility", "kfedgen.gitops.files", "kfedgen.traffic"),
    ),
    ("pipeline", ("kfedgen.pipeline", "kfedgen.partial", "kfedgen.inputs")),
    ("views", ("kfedgen.views", "kfedgen.commands", "kfedgen.cli", "kfedgen.__main__")),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Every kfedgen module -> the kfedgen modules it imports."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def stage_of(module: str) -> int | None:
    """The stage of ``module``: the one whose listed prefix matches it most closely."""
    matches = [
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(STAGES)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    return max(matches)[1] if matches else None


def test_there_is_no_import_cycle() -> None:
    graph = imports()
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module) :], module]
            pytest.fail("import cycle: " + " -> ".join(cycle))
        if module in done:
            return
        for target in sorted(graph[module]):
            # A package's __init__ importing its own submodule is not a cycle of concern.
            if not target.startswith(module + "."):
                visit(target, [*path, module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_no_stage_imports_a_later_stage() -> None:
    wrong = []
    for module, targets in sorted(imports().items()):
        own = stage_of(module)
        if own is None:
            continue
        for target in sorted(targets):
            later = stage_of(target)
            if later is not None and later > own:
                wrong.append(f"{module} ({STAGES[own][0]}) imports {target} ({STAGES[later][0]})")
    assert wrong == []


def test_the_checker_sees_imports() -> None:
    """Guard against a checker that finds nothing: the pipeline imports every earlier stage."""
    targets = imports()["kfedgen.pipeline"]
    assert {stage_of(t) for t in targets} >= {0, 1, 2, 3}
    assert stage_of("kfedgen.commands.render") == len(STAGES) - 1
