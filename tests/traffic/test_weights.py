"""Reading the weights back from rendered manifests, as ``diff`` does."""

from __future__ import annotations

from kfedgen.traffic.weights import is_placeholder, traffic_weights


def test_a_service_has_its_dns_weight_under_either_external_dns_prefix() -> None:
    for prefix in ("external-dns.alpha.kubernetes.io/", "external-dns.kubernetes.io/"):
        service = {
            "kind": "Service",
            "metadata": {
                "annotations": {f"{prefix}hostname": "a.example.com", f"{prefix}aws-weight": "40"}
            },
        }
        assert traffic_weights(service) == {"dns a.example.com": 40}


def test_a_weight_that_is_not_a_number_is_no_weight() -> None:
    service = {"kind": "Service", "metadata": {"annotations": {"x/aws-weight": "forty"}}}
    assert traffic_weights(service) == {}


def test_split_backends_of_a_trafficsplit_and_an_httproute() -> None:
    split = {
        "kind": "TrafficSplit",
        "spec": {
            "backends": [{"service": "web", "weight": 60}, {"service": "web-b", "weight": 40}]
        },
    }
    assert traffic_weights(split) == {"split web": 60, "split web-b": 40}
    route = {
        "kind": "HTTPRoute",
        "spec": {"rules": [{"backendRefs": [{"name": "web", "weight": 1}, {"name": "web-b"}]}]},
    }
    assert traffic_weights(route) == {"split web": 1}


def test_other_objects_carry_no_weights() -> None:
    assert traffic_weights({"kind": "Deployment", "spec": {"replicas": 3}}) == {}


def test_placeholders_are_known_by_their_label() -> None:
    labels = {"app.kubernetes.io/managed-by": "kfedgen", "kfedgen.io/headroom-for": "web"}
    assert is_placeholder({"metadata": {"labels": labels}})
    assert not is_placeholder({"metadata": {"labels": {"app": "web"}}})
