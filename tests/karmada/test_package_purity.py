"""``kfedgen.karmada`` holds pure ports: it builds on the lowest modules only, and the
fleet model, the result type and the front-end build on it, never the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

import kfedgen

PACKAGE = Path(kfedgen.__file__).parent
# What a port may need of kfedgen besides the other ports: problems' paths, a document's
# location, label selectors, where a workload keeps its pod template.
ALLOWED = {
    "kfedgen.errors",
    "kfedgen.jsonpointer",
    "kfedgen.source.load",
    "kfedgen.selectors",
    "kfedgen.podtemplates",
}


def kfedgen_imports(path: Path) -> set[str]:
    """Every kfedgen module ``path`` imports, at run time or for type checking."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kfedgen"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("kfedgen"))
    return found


def test_the_karmada_ports_import_only_each_other_and_the_lowest_modules() -> None:
    ports = sorted((PACKAGE / "karmada").glob("*.py"))
    assert len(ports) >= 9
    outside = {
        path.name: sorted(
            m
            for m in kfedgen_imports(path)
            if not m.startswith("kfedgen.karmada") and m not in ALLOWED
        )
        for path in ports
    }
    assert {name: found for name, found in outside.items() if found} == {}


def test_the_result_type_and_the_model_sit_below_the_karmada_front_end() -> None:
    for module in ("decisions.py", "rendered.py", "model.py"):
        imported = kfedgen_imports(PACKAGE / module)
        assert not {m for m in imported if m.startswith("kfedgen.frontends")}, module
    # No import hidden from the run time: a TYPE_CHECKING block would hide a cycle.
    assert "TYPE_CHECKING" not in (PACKAGE / "model.py").read_text(encoding="utf-8")
