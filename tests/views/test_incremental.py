"""Property: after any sequence of edits, a render with kfedgen's caches equals one from scratch.

One output is rendered after every edit with all of kfedgen's caches (parse,
compile, stat; the in-place journal write and the diff the stat cache vouches
for); another is rendered from scratch each time, with caching off and no
previous tree.  Their bytes must be equal, and so must every message, error
or warning.  Edits change an object's template, its placement, the inventory
that placement reads, add and delete object files, make a file invalid YAML,
and add an object that draws a warning.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfedgen.cli import build_options
from kfedgen.errors import InvalidInput
from kfedgen.source.files import DEFAULT_MAX_FILE_BYTES
from kfedgen.views.cached import render
from tests.conftest import snapshot

CLUSTERS = 6
FILES = 5

INVENTORY = """apiVersion: kfedgen.io/v1alpha1
kind: Fleet
spec:
  clusters:
{clusters}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata: {{name: shop, namespace: shop}}
spec: {{placement: {{clusterSelector: {{}}}}}}
"""

CONFIG_MAP = """apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata: {{name: cm{index}, namespace: shop}}
spec:
  template: {{data: {{value: '{value}'}}}}
  placement: {{clusterSelector: {{matchLabels: {{tier: '{tier}'}}}}}}
  overrides:
    - clusterName: c1
      clusterOverrides: [{{path: /data/extra, value: '{value}-c1'}}]
"""

# A literal Secret: the warning it draws is the point.
WARNED_OBJECT = """apiVersion: types.kubefed.io/v1beta1
kind: FederatedSecret
metadata: {{name: s{index}, namespace: shop}}
spec:
  template: {{data: {{password: c2VjcmV0}}}}
  placement: {{clusters: [{{name: c0}}]}}
"""

edits = st.one_of(
    st.tuples(st.just("value"), st.integers(0, FILES - 1), st.sampled_from("abc")),
    st.tuples(st.just("tier"), st.integers(0, FILES - 1), st.sampled_from("12")),
    st.tuples(st.just("inventory"), st.integers(0, CLUSTERS - 1), st.sampled_from("12")),
    st.tuples(st.just("delete"), st.integers(0, FILES - 1), st.just("")),
    st.tuples(st.just("broken"), st.integers(0, FILES - 1), st.just("")),
    st.tuples(st.just("secret"), st.integers(0, FILES - 1), st.just("")),
)


@dataclasses.dataclass
class Fleet:
    """The fleet's state, written out as files after each edit."""

    tiers: list[str]
    objects: dict[int, tuple[str, str]]  # index -> (value, tier); absent: deleted
    broken: set[int]
    secrets: set[int]

    def apply(self, edit: tuple[str, int, str]) -> None:
        kind, index, value = edit
        value_now, tier = self.objects.get(index, ("a", "1"))
        if kind == "value":
            self.objects[index] = (value, tier)
        elif kind == "tier":
            self.objects[index] = (value_now, value)
        elif kind == "inventory":
            self.tiers[index] = value
        elif kind == "delete":
            self.objects.pop(index, None)
        elif kind == "broken":
            self.broken ^= {index}
        else:
            self.secrets ^= {index}

    def write(self, directory: Path) -> None:
        if directory.exists():
            shutil.rmtree(directory)
        directory.mkdir()
        clusters = "\n".join(
            f"    - {{name: c{i}, labels: {{tier: '{tier}'}}}}" for i, tier in enumerate(self.tiers)
        )
        (directory / "inventory.yaml").write_text(INVENTORY.format(clusters=clusters))
        for index, (value, tier) in self.objects.items():
            text = CONFIG_MAP.format(index=index, value=value, tier=tier)
            if index in self.broken:
                text += "  bad: [unclosed\n"
            (directory / f"cm{index}.yaml").write_text(text)
        for index in self.secrets:
            (directory / f"secret{index}.yaml").write_text(WARNED_OBJECT.format(index=index))


def outcome(fleet: Path, output: Path) -> tuple[str, list[str], dict[str, bytes]]:
    """``render``'s result: ok or invalid, every message (the output's name removed), the tree."""
    options = build_options((fleet,), fleet / "no-overlays", output, False, DEFAULT_MAX_FILE_BYTES)
    try:
        result, _ = render(options, fleet.parent)
        status, problems = "ok", list(result.problems)
    except InvalidInput as exc:
        status, problems = "invalid", list(exc.problems)
    messages = [str(problem).replace(str(output), "OUT") for problem in problems]
    return status, messages, snapshot(output)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits_made=st.lists(edits, min_size=1, max_size=8))
def test_incremental_renders_equal_renders_from_scratch(
    edits_made: list[tuple[str, int, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        fleet = Fleet(
            ["1", "2"] * (CLUSTERS // 2), dict.fromkeys(range(FILES), ("a", "1")), set(), set()
        )
        caches = base / "caches"
        for edit in [("value", 0, "a"), *edits_made]:
            fleet.apply(edit)
            fleet.write(base / "fleet")
            monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(caches))
            incremental = outcome(base / "fleet", base / "incremental")
            monkeypatch.setenv("KFEDGEN_CACHE_DIR", "")
            shutil.rmtree(base / "scratch", ignore_errors=True)
            scratch = outcome(base / "fleet", base / "scratch")
            assert incremental[:2] == scratch[:2], edit
            if scratch[0] == "ok":
                assert incremental[2] == scratch[2], edit
