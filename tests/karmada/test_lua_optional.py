"""Lua is optional: a fleet without customized kinds never imports lupa.

Run in fresh interpreters: in the test process other tests have loaded lupa already.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
_RENDER = """
import sys
from pathlib import Path
import kfedgen.cli
assert "lupa" not in sys.modules, "importing the CLI loaded lupa"
from kfedgen.pipeline import Options, compile_fleet
fleet = Path(sys.argv[1])
options = Options(fleet=(fleet / "fleet",), overlays=fleet / "overlays")
compilation = compile_fleet(options, fleet)
print(len(compilation.objects), "lupa" in sys.modules)
"""


def _render(fleet: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _RENDER, str(fleet)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()[1]


@pytest.mark.parametrize("fleet", [ROOT, ROOT / "tests" / "golden" / "karmada-hello"])
def test_a_fleet_without_customized_kinds_does_not_load_lupa(fleet: Path) -> None:
    assert _render(fleet) == "False"


def test_a_fleet_with_a_customized_kind_loads_lupa() -> None:
    pytest.importorskip("lupa", reason="the Lua tests need lupa: pip install 'kfedgen[lua]'")
    assert _render(ROOT / "tests" / "golden" / "karmada-crd-replicas") == "True"
