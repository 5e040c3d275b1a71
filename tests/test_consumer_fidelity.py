"""What Kubernetes tools read is what the fleet said: checked with the real kubectl and kustomize.

Two directions:

* **Output**: tricky strings go into a fleet (written as JSON, so the input is
  unambiguous), through ``kfedgen render``, then through kubectl's own parser
  (``kubectl label --local -f FILE k=v -o json``, go-yaml v2) and through
  ``kubectl kustomize`` (kyaml, go-yaml v3, what Argo CD and Flux run) and back
  through kubectl.  Every ConfigMap key and value, label value and annotation
  value must come back as the same string.
* **Input**: plain scalars loaded by kfedgen must mean what kubectl reads; where
  kfedgen reports that kubectl and kustomize disagree, the real tools must
  disagree, and where it does not, they must agree.

kubectl calls are slow, so every test batches many strings into one file.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kfedgen.errors import Problems
from kfedgen.scalars import go_timestamp, kubernetes_reading, plain_is_string
from kfedgen.selectors import label_value_problem
from kfedgen.source.load import LoadOptions, SourceFile, parse_file
from tests.conftest import RunCli, kubectl_available

pytestmark = pytest.mark.skipif(
    not kubectl_available(),
    reason="kubectl is not installed; the real YAML readers of Kubernetes cannot be checked",
)

# Strings some YAML reader takes for something else, and the usual hard cases.
TRICKY = [
    *("1e3", "1E9", "5e0123", "0o17", "08", "0.1e3", "0x1F", "0X1F", "0b101", "1_000"),
    *("+1", "-1", ".5", "1.", "0755", "0", "-0", "00", "1e400", "1.0e+999", "0xFFFFFFFFFFFFFFFFFF"),
    *("99999999999999999999", "18446744073709551615", ".5_5", "1_0.5", "0.1_e3", "1__0", "1_"),
    *("1:20", "12:30", "190:20:30", "-1:20", "2001-12-14", "2001-1-2", "2001-12-14T21:59:43Z"),
    *("2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "2001-02-30", "20011-12-14"),
    *("~", "null", "Null", "NULL", "nULL", "", ".nan", ".NaN", "-.inf", "+.inf", ".inf", ".Inf"),
    *("<<", "=", "y", "Y", "n", "N", "true", "True", "TRUE", "tRue", "false", "FALSE"),
    *(
        w
        for b in ("on", "off", "yes", "no")
        for w in (b, b.capitalize(), b.upper(), b[0] + b[1:].upper())
    ),
    *("1.2.3", "1.17.0-alpine", "nginx:1.17", "0x", "0b", "0b2", "0o8", "0xG", "e3", "+", "."),
    *(" lead", "trail ", " both ", "  ", "a  b", "-", "- a", "? x", ":", "a: b", "#c", "a #b"),
    *("'single'", '"double"', "@x", "`x", "!tag", "&a", "*a", "%x", "|", ">", "{a: 1}", "[1]"),
    *("---", "...", "\t", "tab\tin", "é", "日本語", "emoji 😀", "\u00a0nbsp", "x" * 200),
    *("multi\nline", "multi\nline\n", "trailing\n\n", "\nleading", "sp \nx", "a\n  b\n", "\n"),
]


def kubectl_read(source: Path | str) -> list[dict[str, Any]]:
    """The objects of a file (or YAML text on stdin) as ``kubectl label --local`` reads them."""
    argument, given_input = (str(source), None) if isinstance(source, Path) else ("-", source)
    done = subprocess.run(
        ["kubectl", "label", "--local", "-f", argument, "fidelity=checked", "-o", "json"],
        input=given_input,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # One JSON document per object, one after the other.
    decoder, text = json.JSONDecoder(), done.stdout
    objects: list[dict[str, Any]] = []
    position = 0
    while text[position:].strip():
        parsed, end = decoder.raw_decode(text, len(text) - len(text[position:].lstrip()))
        objects.extend(parsed["items"] if parsed.get("kind") == "List" else [parsed])
        position = end
    return objects


def kustomize(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "kustomize", str(directory)], capture_output=True, text=True, check=False
    )


def configmap(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (found,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name]
    return found


# ---------------------------------------------------------------------------
# Output: rendered strings come back unchanged


def is_configmap_key(text: str) -> bool:
    return (
        bool(text)
        and len(text) <= 253
        and all(c.isascii() and (c.isalnum() or c in "-._") for c in text)
    )


def fleet_with(values: list[str]) -> dict[str, Any]:
    """A FederatedConfigMap carrying ``values`` as data values and keys, labels and annotations."""
    labels = {f"l{i}": v for i, v in enumerate(values) if label_value_problem(v) is None}
    return {
        "apiVersion": "types.kubefed.io/v1beta1",
        "kind": "FederatedConfigMap",
        "metadata": {"name": "corpus", "namespace": "shop"},
        "spec": {
            "placement": {"clusterSelector": {}},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {f"example.com/a{i}": v for i, v in enumerate(values)},
                },
                "data": {
                    **{f"v{i}": v for i, v in enumerate(values)},
                    **{v: "as-key" for v in values if is_configmap_key(v)},
                },
            },
        },
    }


INVENTORY = {
    "apiVersion": "kfedgen.io/v1alpha1",
    "kind": "Fleet",
    "metadata": {"name": "fidelity"},
    "spec": {"clusters": [{"name": "c1", "labels": {"env": "prod"}}]},
}
NAMESPACE = {
    "apiVersion": "types.kubefed.io/v1beta1",
    "kind": "FederatedNamespace",
    "metadata": {"name": "shop", "namespace": "shop"},
    "spec": {"placement": {"clusterSelector": {}}},
}


def render_and_read_back(values: list[str], workdir: Path, run_cli: RunCli) -> None:
    fleet = workdir / "fleet"
    fleet.mkdir(parents=True)
    # JSON is YAML with every string quoted: the fleet cannot be misread.
    for name, document in (("inventory", INVENTORY), ("ns", NAMESPACE), ("cm", fleet_with(values))):
        (fleet / f"{name}.yaml").write_text(json.dumps(document, ensure_ascii=False))
    result = run_cli("render", cwd=workdir)
    assert result.code == 0, result.err
    template = fleet_with(values)["spec"]["template"]
    cluster = workdir / "rendered" / "c1"
    built = kustomize(cluster)
    assert built.returncode == 0, built.stderr
    for label, objects in (
        ("kubectl", kubectl_read(cluster / "shop" / "configmap_corpus.yaml")),
        ("kustomize", kubectl_read(built.stdout)),
    ):
        read = configmap(objects, "corpus")
        assert read["data"] == template["data"], label
        assert read["metadata"]["annotations"] == template["metadata"]["annotations"], label
        expected_labels = {**template["metadata"]["labels"], "fidelity": "checked"}
        assert read["metadata"]["labels"] == expected_labels, label


def test_tricky_strings_survive_kubectl_and_kustomize(tmp_path: Path, run_cli: RunCli) -> None:
    render_and_read_back(TRICKY, tmp_path, run_cli)


fragments = st.sampled_from(
    ["1", "0", "e", "E", "x", "o", "b", ".", "_", ":", "-", "+", "~", " ", "\n", "y", "n", "on"]
)
random_strings = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=10),
    st.lists(fragments, max_size=6).map("".join),
    st.sampled_from(TRICKY),
)


@settings(
    max_examples=8,
    deadline=None,
    # run_cli only runs the CLI in a directory; nothing carries over between examples.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(random_strings, min_size=1, max_size=40, unique=True))
def test_random_strings_survive_kubectl_and_kustomize(
    tmp_path_factory: pytest.TempPathFactory, run_cli: RunCli, values: list[str]
) -> None:
    render_and_read_back(values, tmp_path_factory.mktemp("random"), run_cli)


# ---------------------------------------------------------------------------
# Input: a plain scalar means what kubectl reads, unless kubectl and kustomize differ


def plain_line(text: str) -> bool:
    """Whether ``k: TEXT`` holds ``text`` as one plain scalar (so the test is about plain values)."""
    try:
        node = yaml.compose(f"k: {text}\n")
    except yaml.YAMLError:
        return False
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        return False
    value = node.value[0][1]
    return isinstance(value, yaml.ScalarNode) and value.style is None and value.value == text


def batchable(text: str) -> bool:
    # NaN and infinity make kubectl refuse the whole file (kfedgen's schema check
    # refuses them too); a zone offset of 24 hours makes kustomize fail.
    reading = kubernetes_reading(text)
    if isinstance(reading.value, float) and not math.isfinite(reading.value):
        return False
    stamp = go_timestamp(text)
    return stamp is None or stamp.rewritten is not None


def typed(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def check_plain_values(texts: list[str], workdir: Path) -> None:
    texts = [t for t in dict.fromkeys(texts) if t.strip() == t and plain_line(t) and batchable(t)]
    if not texts:
        return
    body = "".join(f"  k{i}: {text}\n" for i, text in enumerate(texts))
    content = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n{body}"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "cm.yaml").write_text(content)
    (workdir / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    direct = configmap(kubectl_read(workdir / "cm.yaml"), "plain")["data"]
    built = kustomize(workdir)
    assert built.returncode == 0, built.stderr
    via_kustomize = configmap(kubectl_read(built.stdout), "plain")["data"]
    problems = Problems()
    (document,) = parse_file(SourceFile("cm.yaml", content.encode()), problems, LoadOptions())
    reported = {p.path[-1]: p for p in problems.items}
    for i, text in enumerate(texts):
        key = f"k{i}"
        loaded, kubectl, argo = document.data["data"][key], direct.get(key), via_kustomize.get(key)
        reading = kubernetes_reading(text)
        assert (key in reported) == bool(reading.problem), text
        if reading.readers_differ:
            assert typed(kubectl) != typed(argo), (
                f"{text!r}: reported, but both tools read {kubectl!r}"
            )
            continue
        if type(loaded) is int and not -(2**63) <= loaded < 2**63:
            # kubectl holds it as a float; kfedgen refuses integers beyond int64 later.
            assert float(kubectl) == float(loaded) == float(argo), text
            continue
        assert typed(kubectl) == typed(argo), f"{text!r}: kubectl {kubectl!r}, kustomize {argo!r}"
        assert typed(loaded) == typed(kubectl), f"{text!r}: kfedgen {loaded!r}, kubectl {kubectl!r}"


def test_plain_values_mean_what_kubectl_reads(tmp_path: Path) -> None:
    check_plain_values([t for t in TRICKY if "\n" not in t], tmp_path)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.text(alphabet="0123456789+-._eExXoObB:tTZz~ yYnN", min_size=1, max_size=10),
        min_size=1,
        max_size=60,
    )
)
def test_random_plain_values_mean_what_kubectl_reads(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    check_plain_values(texts, tmp_path_factory.mktemp("plain"))


def test_a_zone_offset_of_a_day_breaks_kustomize_and_is_reported(tmp_path: Path) -> None:
    text = "2001-12-14t1:2:3+24:00"
    content = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  k: {text}\n"
    (tmp_path / "cm.yaml").write_text(content)
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    assert kustomize(tmp_path).returncode != 0
    assert configmap(kubectl_read(tmp_path / "cm.yaml"), "t")["data"]["k"] == text
    problems = Problems()
    parse_file(SourceFile("cm.yaml", content.encode()), problems, LoadOptions())
    (problem,) = problems.items
    assert "cannot write" in problem.message and str(problem.location) == "cm.yaml:6:6"


def test_non_string_keys_break_one_reader_and_are_reported(tmp_path: Path) -> None:
    """kubectl turns number and boolean keys into other strings; kustomize fails on them."""
    for text in ("80", "1e3", "0x10", "true", "y", "on", "2001-12-14", "~", "null", "1.5"):
        content = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n  {text}: v\n"
        workdir = tmp_path / f"key{len(list(tmp_path.iterdir()))}"
        workdir.mkdir()
        (workdir / "cm.yaml").write_text(content)
        (workdir / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
        problems = Problems()
        parse_file(SourceFile("cm.yaml", content.encode()), problems, LoadOptions())
        (problem,) = problems.items
        assert str(problem.location) == "cm.yaml:6:3", problem
        assert problem.message.startswith(f"mapping key {text} is not a string"), problem
        changed = subprocess.run(
            ["kubectl", "label", "--local", "-f", str(workdir / "cm.yaml"), "x=y", "-o", "json"],
            capture_output=True,
            text=True,
            check=False,
        )
        kubectl_keeps_it = changed.returncode == 0 and text in json.loads(changed.stdout)["data"]
        assert not kubectl_keeps_it or kustomize(workdir).returncode != 0, text


def test_string_keys_that_look_special_are_kept(tmp_path: Path) -> None:
    texts = ["=", "12:30", "1:20", "1.2.3", "tRue", "0o8", "_1", "e3", "yes!"]
    body = "".join(f"  {text}: v\n" for text in texts)
    content = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: t\ndata:\n{body}"
    (tmp_path / "cm.yaml").write_text(content)
    (tmp_path / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    problems = Problems()
    (document,) = parse_file(SourceFile("cm.yaml", content.encode()), problems, LoadOptions())
    assert not problems.items
    assert sorted(document.data["data"]) == sorted(texts)
    assert sorted(configmap(kubectl_read(tmp_path / "cm.yaml"), "t")["data"]) == sorted(texts)
    built = kustomize(tmp_path)
    assert built.returncode == 0, built.stderr
    assert sorted(configmap(kubectl_read(built.stdout), "t")["data"]) == sorted(texts)


def test_the_quoting_rule_is_what_the_emitter_does() -> None:
    """A string some reader would not resolve as a string is never written bare.

    (libyaml quotes some strings every reader takes as strings too, such as ``---``.)
    """
    from kfedgen.backend.emit import to_yaml  # noqa: PLC0415 - the unit under test

    for text in TRICKY:
        if "\n" in text or not plain_line(text):
            continue
        written = to_yaml({"k": text}).decode()
        if not plain_is_string(text):
            assert written != f"k: {text}\n", text
