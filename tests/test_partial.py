"""A render that compiles only the changed objects writes what a full render writes.

The fleet in ``tests/partial/fleet`` has four clusters, an Argo CD app-of-apps, a
FederatedNamespace, an object with its ReplicaSchedulingPreference in one file,
one whose preference has a file of its own, and a label-placed ConfigMap.  Every
test renders through the real entry point with kfedgen's caches on, and compares
with a render that had no caches at all (the tree's bytes) and with a render
whose object index was removed first (every message, on stdout and stderr).
"""

from __future__ import annotations

import marshal
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kfedgen.partial
import kfedgen.views.cached
from kfedgen.backend import objectindex
from kfedgen.backend.objectindex import INDEX_FILE, ObjectIndex
from kfedgen.backend.statcache import cache_dir
from kfedgen.backend.write import write_changes
from tests.conftest import RunCli, snapshot

FLEET = Path(__file__).parent / "partial" / "fleet"


class Spy:
    """Records whether each render compiled only the changed objects and wrote them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.compiled: list[bool] = []
        self.written: list[bool] = []
        compile_changed = kfedgen.partial.compile_changed

        def compiled(*args: object, **kwargs: object) -> object:
            result = compile_changed(*args, **kwargs)  # type: ignore[arg-type]
            self.compiled.append(result is not None)
            return result

        def written(*args: object, **kwargs: object) -> object:
            result: object = write_changes(*args, **kwargs)  # type: ignore[arg-type]
            self.written.append(result is not None)
            return result

        monkeypatch.setattr(kfedgen.partial, "compile_changed", compiled)
        monkeypatch.setattr(kfedgen.views.cached, "write_changes", written)

    @property
    def partial(self) -> bool:
        """Whether the renders since the last :meth:`reset` were partial, compile to write."""
        return self.written == [True] * len(self.written) != []

    def reset(self) -> None:
        self.compiled.clear()
        self.written.clear()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FLEET, tmp_path / "fleet")
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(tmp_path / "caches"))
    return tmp_path


def index_file(repo: Path) -> Path:
    """Where the object index of ``repo``'s output is kept."""
    caches = cache_dir(repo / "rendered")
    assert caches is not None
    return caches / INDEX_FILE


def render(run_cli: RunCli, repo: Path) -> tuple[int, str, str]:
    result = run_cli("render", cwd=repo)
    return result.code, result.out, result.err


def from_scratch(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[int, dict[str, bytes]]:
    """What a render of ``repo``'s fleet with no caches and no previous tree writes."""
    scratch = repo.with_name(f"{repo.name}-scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(repo / "fleet", scratch / "fleet")
    with monkeypatch.context() as patch:
        patch.setenv("KFEDGEN_CACHE_DIR", "")
        code = run_cli("render", cwd=scratch).code
    return code, snapshot(scratch / "rendered")


def edit(repo: Path, file: str, old: str, new: str) -> None:
    path = repo / "fleet" / file
    text = path.read_text()
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1))


def test_an_edited_object_is_compiled_alone(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render(run_cli, repo)[0] == 0
    assert index_file(repo).is_file()
    spy = Spy(monkeypatch)
    edit(repo, "web.yaml", "nginx:1.27", "nginx:1.28")
    code, _, err = render(run_cli, repo)
    assert spy.partial
    assert code == 0
    assert "0 added, 5 changed, 0 removed, 20 unchanged" in err
    assert snapshot(repo / "rendered") == from_scratch(run_cli, repo, monkeypatch)[1]
    # The next render of the same inputs is a no-op, from the compile cache.
    assert "up to date" in render(run_cli, repo)[2]


def test_an_edit_that_changes_no_file_writes_nothing(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render(run_cli, repo)[0] == 0
    before = snapshot(repo / "rendered")
    spy = Spy(monkeypatch)
    edit(repo, "web.yaml", "# An object", "# A comment changed: an object")
    code, _, err = render(run_cli, repo)
    assert spy.partial
    assert (code, err) == (0, "kfedgen: rendered is up to date (4 clusters)\n")
    assert snapshot(repo / "rendered") == before


def test_a_partial_render_says_what_a_full_render_says(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = repo.with_name(f"{repo.name}-other")
    shutil.copytree(repo / "fleet", other / "fleet")
    for each in (repo, other):
        assert render(run_cli, each)[0] == 0
        edit(each, "api.yaml", "LOG_LEVEL: info", "LOG_LEVEL: debug")
    spy = Spy(monkeypatch)
    partial = render(run_cli, repo)
    compiled_alone = spy.partial
    index_file(other).unlink()
    spy.reset()
    full = render(run_cli, other)
    assert compiled_alone
    assert not spy.partial
    assert partial == full
    assert snapshot(repo / "rendered") == snapshot(other / "rendered")


def _moved_between_files(repo: Path) -> None:
    text = (repo / "fleet" / "api.yaml").read_text()
    first, second = text.split("---\n")
    (repo / "fleet" / "api.yaml").write_text(first)
    (repo / "fleet" / "config.yaml").write_text(second)


# Each: the file, the text replaced and its replacement; why it needs a full compile.
UNPROVEN = {
    # The object's files move: kustomizations change.
    "placement": ("api.yaml", "{matchLabels: {region: b}}", "{matchLabels: {region: a}}"),
    # A file of the object goes.
    "placed in fewer": (
        "api.yaml",
        "{clusterSelector: {matchLabels: {region: b}}}",
        "{clusters: [{name: c2}]}",
    ),
    # The file holds no object: it changes another file's.
    "preference elsewhere": ("schedule.yaml", "totalReplicas: 5", "totalReplicas: 9"),
    # Two objects would render to one file.
    "renamed onto another": (
        "web.yaml",
        "clusterOverrides: [{path: /metadata/annotations, value: {tier: gold}}]",
        "clusterOverrides: [{path: /metadata/name, value: api}]",
    ),
    # A problem: warnings are kept per render, not per object.
    "warned": (
        "api.yaml",
        "  placement: {clusterSelector: {matchLabels: {region: b}}}",
        "  placement: {clusterSelector: {matchLabels: {region: b}}}\n  overrides:\n"
        "    - clusterName: c0\n      clusterOverrides: [{path: /data/X, value: v}]",
    ),
    # A shared document.
    "namespace edited": ("namespace.yaml", "{clusterSelector: {}}", "{clusters: [{name: c0}]}"),
    "invalid": ("web.yaml", "totalReplicas: 7", "totalReplicas: -7"),
}


def _replacing(file: str, old: str, new: str) -> Callable[[Path], None]:
    return lambda repo: edit(repo, file, old, new)


@pytest.mark.parametrize(
    "change",
    [
        *(pytest.param(_replacing(*edited), id=name) for name, edited in UNPROVEN.items()),
        # Another input file appears.
        pytest.param(_moved_between_files, id="moved between files"),
    ],
)
def test_a_change_it_cannot_prove_is_compiled_in_full(
    change: Callable[[Path], None], run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render(run_cli, repo)[0] == 0
    spy = Spy(monkeypatch)
    change(repo)
    code, _, err = render(run_cli, repo)
    assert not spy.partial
    scratch_code, scratch = from_scratch(run_cli, repo, monkeypatch)
    assert code == scratch_code
    if code == 0:
        assert snapshot(repo / "rendered") == scratch
    else:
        assert "nothing was written" in err


def test_a_hand_edit_elsewhere_sends_the_render_through_the_full_comparison(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render(run_cli, repo)[0] == 0
    spy = Spy(monkeypatch)
    edited = repo / "rendered" / "c2" / "shop" / "configmap_api-settings.yaml"
    edited.write_text(edited.read_text().replace("info", "hand-edited"))
    edit(repo, "web.yaml", "nginx:1.27", "nginx:1.28")
    assert render(run_cli, repo)[0] == 0
    assert spy.compiled == [True] and spy.written == [False]
    assert snapshot(repo / "rendered") == from_scratch(run_cli, repo, monkeypatch)[1]


@pytest.mark.parametrize(
    ("file", "text"),
    [
        # A Karmada OverridePolicy selects objects by their labels.
        (
            "overlays/policy.yaml",
            "apiVersion: policy.karmada.io/v1alpha1\nkind: OverridePolicy\n"
            "metadata: {name: p, namespace: shop}\nspec:\n"
            "  resourceSelectors: [{apiVersion: apps/v1, kind: Deployment}]\n"
            "  overrideRules: [{overriders: {labelsOverrider: "
            "[{operator: add, value: {x: v}}]}}]\n",
        ),
        # A warning: one line per source object, kept per render.
        (
            "fleet/secret.yaml",
            "apiVersion: types.kubefed.io/v1beta1\nkind: FederatedSecret\n"
            "metadata: {name: s, namespace: shop}\n"
            "spec: {template: {data: {k: dg==}}, placement: {clusters: [{name: c0}]}}\n",
        ),
        # A feasibility check runs: it sums every object of the cluster.
        (
            "fleet/inventory.yaml",
            None,
        ),
    ],
)
def test_fleets_whose_objects_depend_on_each_other_keep_no_index(
    file: str, text: str | None, run_cli: RunCli, repo: Path
) -> None:
    path = repo / file
    path.parent.mkdir(exist_ok=True)
    if text is None:
        path.write_text(
            path.read_text().replace(
                "server: https://c3.example.com}",
                "server: https://c3.example.com, kubernetesVersion: '1.30'}",
            )
        )
    else:
        path.write_text(text)
    assert render(run_cli, repo)[0] == 0
    assert not index_file(repo).exists()


def test_a_damaged_index_is_not_used(
    run_cli: RunCli, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert render(run_cli, repo)[0] == 0
    index = index_file(repo)
    raw = bytearray(index.read_bytes())
    base = marshal.loads(raw.split(b"\n", 1)[1])[1]  # noqa: S302 (the bytes kfedgen wrote)
    assert objectindex.load(index.parent, base) is not None
    raw[-5] ^= 0x01
    index.write_bytes(bytes(raw))
    assert objectindex.load(index.parent, base) is None
    spy = Spy(monkeypatch)
    edit(repo, "web.yaml", "nginx:1.27", "nginx:1.28")
    assert render(run_cli, repo)[0] == 0
    assert spy.compiled == []  # no index: nothing to compile alone
    assert snapshot(repo / "rendered") == from_scratch(run_cli, repo, monkeypatch)[1]


def test_the_index_round_trips_and_is_tied_to_its_base(tmp_path: Path) -> None:
    index = ObjectIndex(
        "base",
        "m" * 64,
        {"fleet/a.yaml": "d" * 64},
        {"fleet/a.yaml": ("X/ns/a",)},
        {"X/ns/a": {"ns/x_a.yaml": ("c0", "c1")}},
    )
    objectindex.store(tmp_path, index)
    assert objectindex.load(tmp_path, "base") == index
    assert objectindex.load(tmp_path, "other code or options") is None
    objectindex.forget(tmp_path)
    assert objectindex.load(tmp_path, "base") is None


# -- random edits --------------------------------------------------------------------------

EDITS = {
    "web image": ("web.yaml", r"nginx:[0-9.]+", ["nginx:1.27", "nginx:1.28", "nginx:2"]),
    "web total": ("web.yaml", r"totalReplicas: \d+", ["totalReplicas: 7", "totalReplicas: 1"]),
    "web weight": ("web.yaml", r"c0: \{weight: \d+\}", ["c0: {weight: 3}", "c0: {weight: 0}"]),
    "api replicas": ("api.yaml", r"replicas: \d+", ["replicas: 3", "replicas: 0"]),
    "config": ("api.yaml", r"LOG_LEVEL: \w+", ["LOG_LEVEL: info", "LOG_LEVEL: warn"]),
    "config placement": (
        "api.yaml",
        r"placement: \{clusterSelector: \{matchLabels: \{region: \w\}\}\}\}|placement: \{clusters: \[\{name: c2\}\]\}",
        [
            "placement: {clusterSelector: {matchLabels: {region: b}}}",
            "placement: {clusterSelector: {matchLabels: {region: a}}}",
            "placement: {clusters: [{name: c2}]}",
        ],
    ),
    "schedule": ("schedule.yaml", r"totalReplicas: \d+", ["totalReplicas: 5", "totalReplicas: 2"]),
    "inventory": ("inventory.yaml", r"c3, labels: \{region: \w\}", ["c3, labels: {region: b}"]),
}


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(sorted(EDITS)), st.integers(0, 2)), min_size=1, max_size=6
    )
)
def test_random_edits_render_what_a_full_render_writes(
    edits: list[tuple[str, int]],
    run_cli: RunCli,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = tmp_path_factory.mktemp("repo")
    shutil.copytree(FLEET, repo / "fleet")
    monkeypatch.setenv("KFEDGEN_CACHE_DIR", str(repo / "caches"))
    assert render(run_cli, repo)[0] == 0
    for name, choice in edits:
        file, pattern, values = EDITS[name]
        path = repo / "fleet" / file
        path.write_text(re.sub(pattern, values[choice % len(values)], path.read_text(), count=1))
        code, _, _ = render(run_cli, repo)
        scratch_code, scratch = from_scratch(run_cli, repo, monkeypatch)
        assert code == scratch_code, name
        if code == 0:
            assert snapshot(repo / "rendered") == scratch, name
