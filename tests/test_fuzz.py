"""Fuzzing: no input, however broken, makes kfedgen crash; valid input renders deterministically.

Random fleets come from three sources: random YAML-ish structures (often
under a real apiVersion/kind), random mutations of the example fleet and the
golden fleets (keys dropped, types changed, integers out of range, hostile
strings in names), and random bytes.  ``compile_sources`` must either succeed
or raise :class:`InvalidInput` -- anything else is an internal error (exit 3)
-- and a few full CLI runs check the same end to end.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from kfedgen.backend.emit import QuotingDumper
from kfedgen.cli import main
from kfedgen.errors import InvalidInput
from kfedgen.pipeline import Compilation, Options, compile_sources
from kfedgen.report import format_problems
from kfedgen.source.load import SourceFile
from tests.conftest import GOLDEN, ROOT, snapshot

# name -> the directory holding its fleet/ (and overlays/, when it has one)
FLEETS = {"example": ROOT} | {
    case.name: case for case in sorted(GOLDEN.iterdir()) if (case / "fleet").is_dir()
}
FUZZ = settings(
    max_examples=int(os.environ.get("KFEDGEN_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=os.environ.get("KFEDGEN_FUZZ_RANDOM") != "1",
    database=None,
)


def read_fleet(base: Path) -> list[SourceFile]:
    """The fleet and overlay files under ``base``, as ``kfedgen render`` would read them."""
    return [
        SourceFile(path.relative_to(base).as_posix(), path.read_bytes())
        for directory in ("fleet", "overlays")
        for path in sorted((base / directory).rglob("*.yaml"))
    ]


def documents_of(base: Path) -> list[Any]:
    """Every document of a fleet (and its overlays), as plain data, in file order."""
    found: list[Any] = []
    for source in read_fleet(base):
        found.extend(d for d in yaml.safe_load_all(source.content) if d is not None)
    return found


def compile_or_reject(sources: list[SourceFile], strict: bool = False) -> Compilation | None:
    """Compile; None for rejected input.  Any other exception fails the test (exit 3)."""
    try:
        compilation = compile_sources(sources, Options(strict=strict))
    except InvalidInput as exc:
        _event("rejected")
        assert exc.problems, "InvalidInput without a problem"
        for problem in exc.problems:
            assert problem.location.file, problem
        for style in ("text", "github", "json"):
            assert format_problems(exc.problems, style)
        return None
    _event("compiled")
    return compilation


def _event(name: str) -> None:
    """Count outcomes for --hypothesis-show-statistics (and do nothing outside Hypothesis)."""
    if currently_in_test_context():
        event(name)


def dump(documents: list[Any]) -> bytes:
    # Quoted as kfedgen's loader needs it: a bare "y" would mean true to kubectl.
    text = yaml.dump_all(documents, Dumper=QuotingDumper, sort_keys=False, allow_unicode=True)
    return text.encode("utf-8")


# --- strategies --------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from(
    [
        "",
        ".",
        "..",
        "../../etc/passwd",
        "/etc/passwd",
        "a/b",
        "a\\b",
        "a\0b",
        "UPPER",
        "with space",
        "-lead",
        "x" * 300,
        "~1",
        "*",
        "é",
        "\u202e",
        "true",
        "0x10",
        "1e3",
        "null",
    ]
)
INTS = st.one_of(
    st.integers(-5, 5),
    st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]),
    st.integers(),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    INTS,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    HOSTILE_TEXT,
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "apiVersion",
            "kind",
            "metadata",
            "name",
            "namespace",
            "spec",
            "template",
            "placement",
            "clusters",
            "clusterSelector",
            "matchLabels",
            "matchExpressions",
            "overrides",
            "clusterName",
            "clusterOverrides",
            "path",
            "op",
            "value",
            "labels",
            "data",
            "replicas",
            "targetType",
            "federatedType",
            "group",
            "version",
            "scope",
            "pluralName",
            "totalReplicas",
            "weight",
            "minReplicas",
        ]
    ),
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=25,
)
API_KINDS = st.sampled_from(
    [
        ("kfedgen.io/v1alpha1", "Fleet"),
        ("core.kubefed.io/v1beta1", "KubeFedCluster"),
        ("core.kubefed.io/v1beta1", "FederatedTypeConfig"),
        ("types.kubefed.io/v1beta1", "FederatedDeployment"),
        ("types.kubefed.io/v1beta1", "FederatedNamespace"),
        ("types.kubefed.io/v1beta1", "FederatedSecret"),
        ("types.kubefed.io/v1beta1", "FederatedClusterRole"),
        ("scheduling.kubefed.io/v1alpha1", "ReplicaSchedulingPreference"),
        ("policy.karmada.io/v1alpha1", "PropagationPolicy"),
        ("policy.karmada.io/v1alpha1", "OverridePolicy"),
        ("v1", "ConfigMap"),
    ]
)


@st.composite
def kind_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A document under a real apiVersion/kind with a random body."""
    api_version, kind = draw(API_KINDS)
    body = draw(st.dictionaries(KEYS, VALUES, max_size=4))
    return {"apiVersion": api_version, "kind": kind, **body}


Path_ = tuple[Any, ...]


def paths_in(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path to a value inside ``value`` (the root excluded)."""
    found: list[Path_] = []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in items:
        found.append((*prefix, key))
        found.extend(paths_in(child, (*prefix, key)))
    return found


def replaced(value: Any, path: Path_, new: Callable[[Any], Any]) -> Any:
    """A copy of ``value`` with the value at ``path`` replaced by ``new(old)`` (None drops it)."""
    if not path:
        return new(value)
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    result = replaced(copy[head], rest, new)
    if result is _DROP:
        del copy[head]
    else:
        copy[head] = result
    return copy


_DROP = object()


def constant(value: Any) -> Callable[[Any], Any]:
    return lambda _old: value


@st.composite
def mutated_fleets(draw: st.DrawFn) -> list[SourceFile]:
    """A golden or example fleet with a few random mutations."""
    documents = documents_of(FLEETS[draw(st.sampled_from(sorted(FLEETS)))])
    for _ in range(draw(st.integers(1, 4))):
        # Hypothesis favours small indices: count from the end, so that the
        # inventory and top-level keys (which make everything invalid) are
        # picked less often than the objects' deeper fields.
        index = len(documents) - 1 - draw(st.integers(0, len(documents) - 1))
        paths = paths_in(documents[index])[::-1]
        # Templates are free-form, so mutants there often stay valid and reach
        # the later stages (overrides, materialize, emit) rather than the schemas.
        in_template = [p for p in paths if p[:2] == ("spec", "template") and len(p) > 2]
        prefer_template: bool = draw(st.booleans())
        if in_template and prefer_template:
            paths = in_template
        if not paths:
            continue
        path = draw(st.sampled_from(paths))
        mutation = draw(st.sampled_from(["drop", "value", "hostile", "int", "type", "dup"]))
        if mutation == "drop":
            new: Any = _DROP
        elif mutation == "value":
            new = draw(VALUES)
        elif mutation == "hostile":
            new = draw(HOSTILE_TEXT)
        elif mutation == "int":
            new = draw(INTS)
        elif mutation == "type":
            new = draw(st.sampled_from([[], {}, None, "s", 0, True, 1.5]))
        else:
            documents.append(documents[index])
            continue
        documents[index] = replaced(documents[index], path, constant(new))
    return split_into_files(documents, draw(st.randoms(use_true_random=False)))


def split_into_files(documents: list[Any], rng: Any) -> list[SourceFile]:
    files: dict[str, list[Any]] = {}
    for document in documents:
        files.setdefault(f"f{rng.randint(0, 3)}.yaml", []).append(document)
    return [SourceFile(name, dump(docs)) for name, docs in sorted(files.items())]


TEXT_MUTATIONS = st.sampled_from(["delete", "insert", "replace"])


@st.composite
def mangled_text(draw: st.DrawFn) -> list[SourceFile]:
    """A fleet file with random characters deleted, inserted or replaced."""
    sources = read_fleet(FLEETS[draw(st.sampled_from(sorted(FLEETS)))])
    target = draw(st.integers(0, len(sources) - 1))
    content = bytearray(sources[target].content)
    for _ in range(draw(st.integers(1, 5))):
        position = draw(st.integers(0, len(content)))
        action = draw(TEXT_MUTATIONS)
        piece = draw(
            st.sampled_from(
                [
                    b":",
                    b"-",
                    b" ",
                    b"\t",
                    b"\n",
                    b"&a",
                    b"*a",
                    b"{",
                    b"[",
                    b"'",
                    b'"',
                    b"!!",
                    b"#",
                    b"\xff",
                    b"\x00",
                    b"\r",
                    b"---\n",
                ]
            )
        )
        if action == "delete":
            del content[position : position + draw(st.integers(1, 8))]
        elif action == "insert":
            content[position:position] = piece
        else:
            content[position : position + len(piece)] = piece
    sources[target] = SourceFile(sources[target].display_name, bytes(content))
    return sources


# --- properties -----------------------------------------------------------------------------------


@FUZZ
@given(st.lists(st.one_of(kind_documents(), VALUES), min_size=1, max_size=4))
def test_random_documents_never_crash(documents: list[Any]) -> None:
    compile_or_reject([SourceFile("fuzz.yaml", dump(documents))])


@FUZZ
@given(mutated_fleets(), st.booleans())
def test_mutated_fleets_never_crash(sources: list[SourceFile], strict: bool) -> None:
    compile_or_reject(sources, strict)


@FUZZ
@given(mangled_text())
def test_mangled_yaml_text_never_crashes(sources: list[SourceFile]) -> None:
    compile_or_reject(sources)


@FUZZ
@given(st.binary(max_size=300))
@example(b"\xef\xbb\xbf\xef\xbb\xbf")  # two byte-order marks
@example(b"--- !!binary\n")
def test_random_bytes_never_crash(content: bytes) -> None:
    compile_or_reject([SourceFile("bytes.yaml", content)])


@settings(FUZZ, max_examples=15)
@given(mutated_fleets())
def test_cli_exits_0_or_2_without_traceback(sources: list[SourceFile]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        fleet = Path(directory) / "fleet"
        fleet.mkdir()
        for source in sources:
            (fleet / source.display_name).write_bytes(source.content)
        err = io.StringIO()
        with (
            contextlib.chdir(directory),
            contextlib.redirect_stderr(err),
            contextlib.redirect_stdout(io.StringIO()),
        ):
            code = main(["render"])
        assert code in (0, 2), err.getvalue()
        assert "Traceback" not in err.getvalue()
        assert (code == 0) == (fleet.parent / "rendered").is_dir()


# --- determinism ----------------------------------------------------------------------------------


def valid_tree(sources: list[SourceFile]) -> dict[str, bytes] | None:
    compilation = compile_or_reject(sources)
    return None if compilation is None else compilation.tree.files


@FUZZ
@given(st.sampled_from(sorted(FLEETS)), st.randoms(use_true_random=False))
def test_file_order_and_names_do_not_change_the_output(name: str, rng: Any) -> None:
    documents = documents_of(FLEETS[name])
    expected = valid_tree(read_fleet(FLEETS[name]))
    assert expected is not None
    rng.shuffle(documents)
    sources = split_into_files(documents, rng)
    renamed = [SourceFile(f"{rng.random():.6f}/{s.display_name}", s.content) for s in sources]
    assert valid_tree(renamed) == expected


@FUZZ
@given(mutated_fleets(), st.randoms(use_true_random=False))
def test_valid_mutants_render_the_same_in_any_file_order(
    sources: list[SourceFile], rng: Any
) -> None:
    expected = valid_tree(sources)
    if expected is None:
        return
    documents = [d for s in sources for d in yaml.safe_load_all(s.content) if d is not None]
    rng.shuffle(documents)
    assert valid_tree(split_into_files(documents, rng)) == expected


@pytest.mark.parametrize("name", sorted(FLEETS))
def test_output_does_not_depend_on_the_hash_seed(name: str, tmp_path: Path) -> None:
    """Set and dict order must never leak into the output: render under three hash seeds."""
    trees = []
    for seed in ("0", "1", "4242"):
        workdir = tmp_path / seed
        workdir.mkdir()
        base = FLEETS[name]
        command = ["-C", str(workdir), "render", "-f", str(base / "fleet")]
        command += ["--overlays", str(base / "overlays")]
        completed = subprocess.run(
            [sys.executable, "-m", "kfedgen", *command],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=False,
        )
        assert completed.returncode == 0, completed.stderr
        trees.append(snapshot(workdir / "rendered"))
    assert trees[0] == trees[1] == trees[2]
    assert trees[0]


def test_yaml_aliases_are_written_out_in_full() -> None:
    """Regression: shared values once came out as '&id001' anchors and '*id001' aliases."""
    sources = read_fleet(FLEETS["example"])
    sources.append(
        SourceFile(
            "anchors.yaml",
            b"apiVersion: types.kubefed.io/v1beta1\nkind: FederatedConfigMap\n"
            b"metadata: {name: anchored, namespace: shop}\n"
            b"spec:\n  template:\n    metadata: {labels: &l {app: x}, annotations: *l}\n"
            b"    data: {a: &v hello, b: *v}\n  placement: {clusterSelector: {}}\n",
        )
    )
    tree = valid_tree(sources)
    assert tree is not None
    content = tree["cluster0/shop/configmap_anchored.yaml"].decode()
    assert "&" not in content
    assert "*" not in content
    assert "  annotations:\n    app: x\n  labels:\n    app: x\n" in content
