"""The quick check never passes what jsonschema rejects, and passes what kfedgen renders.

:mod:`kfedgen.backend.kubequick` answers "valid?" from kubernetes-validate's schemas
without jsonschema; :mod:`kfedgen.backend.kubevalidate` (jsonschema) is the reference.
The objects are every rendered object of the golden trees, and random mutations of them.
"""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes_validate.utils import all_versions, major_minor

from kfedgen.backend.kubefindings import bundled_versions, schemas_release
from kfedgen.backend.kubequick import QuickSchemas, Verdict, schema_directory
from kfedgen.backend.kubevalidate import KubeSchemas
from kfedgen.frontends.schema import schema_errors
from tests.conftest import ROOT

VERSIONS = (bundled_versions()[0], "1.30", bundled_versions()[-1])
GOLDEN = sorted(
    p
    for p in (ROOT / "tests" / "golden").glob("*/expected/**/*.yaml")
    if p.name != "kustomization.yaml" and not p.name.startswith("_")
)
OBJECTS = [
    doc
    for path in GOLDEN
    for doc in yaml.safe_load_all(path.read_text())
    if isinstance(doc, dict) and "apiVersion" in doc
]
QUICK = {version: QuickSchemas(version) for version in VERSIONS}
FULL = {version: KubeSchemas(version) for version in VERSIONS}


def _verdicts(version: str, obj: dict[str, Any]) -> tuple[Verdict, bool | None]:
    """The quick verdict, and jsonschema's (None: no schema)."""
    quick = QUICK[version].verdict(obj["apiVersion"], obj["kind"], obj)
    validator = FULL[version].validator(obj["apiVersion"], obj["kind"])
    return quick, None if validator is None else not list(schema_errors(validator, obj))


def test_the_schemas_are_the_ones_kubernetes_validate_reads() -> None:
    for version in bundled_versions():
        directory = schema_directory(version)
        assert directory is not None
        # kubernetes-validate's own version list names the directory it reads.
        full = {major_minor(v): v for v in all_versions()}[version]
        shipped = resources.files("kubernetes_validate") / "kubernetes-json-schema"
        assert str(shipped / f"v{full}-local-strict") == str(directory)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_golden_object_gets_the_same_verdict(version: str) -> None:
    assert len(OBJECTS) > 100
    passed = 0
    for obj in OBJECTS:
        quick, valid = _verdicts(version, obj)
        if valid is None:
            assert quick is Verdict.NO_SCHEMA, obj
        elif valid:
            assert quick is Verdict.VALID, obj  # the fast path is taken for what is valid
            passed += 1
        else:
            assert quick is Verdict.ASK, obj
    assert passed > 50


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 70000),
    st.sampled_from((1.5, 2.0, "", "web", "80", "Always", "TCP", "100Mi", "x" * 300)),
    # New objects each time: a mutation may add to them.
    st.builds(list),
    st.builds(dict),
    st.builds(lambda: [{"name": "a"}]),
    st.builds(lambda: {"unknownField": 1}),
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_mutated_object_is_never_passed_when_jsonschema_finds_an_error(
    data: st.DataObject,
) -> None:
    version = data.draw(st.sampled_from(VERSIONS))
    obj = copy.deepcopy(data.draw(st.sampled_from(OBJECTS)))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(obj)[1:]))
        *parents, last = path
        target: Any = obj
        for part in parents:
            target = target[part]
        action = data.draw(st.sampled_from(("set", "delete", "add")))
        if action == "delete":
            del target[last]
        elif action == "add" and isinstance(target[last], dict):
            target[last][data.draw(st.sampled_from(("extra", "name", "port")))] = data.draw(VALUES)
        else:
            target[last] = data.draw(VALUES)
    if not isinstance(obj.get("apiVersion"), str) or not isinstance(obj.get("kind"), str):
        return
    quick, valid = _verdicts(version, obj)
    if valid is None:
        assert quick is Verdict.NO_SCHEMA
    elif not valid:
        assert quick is Verdict.ASK, obj  # never passed when jsonschema finds an error
    else:
        assert quick is not Verdict.NO_SCHEMA


def test_without_schemas_for_a_version_everything_goes_to_jsonschema(tmp_path: Path) -> None:
    quick = QuickSchemas("1.0")
    assert quick.verdict("apps/v1", "Deployment", OBJECTS[0]) is Verdict.ASK


def test_the_schemas_release_is_read_without_importing_importlib_metadata() -> None:
    from importlib import metadata  # noqa: PLC0415

    # The release's own version file: it names the release (and changes with it).
    assert metadata.version("kubernetes-validate") in schemas_release()
