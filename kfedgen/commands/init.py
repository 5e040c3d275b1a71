"""``kfedgen init``: scaffold a small fleet that renders out of the box."""

from __future__ import annotations

from pathlib import Path

from kfedgen.errors import KfedgenError

SCAFFOLD: dict[str, str] = {
    "fleet/fleet.yaml": """\
# The inventory: every cluster gets rendered/<name>/.
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata:
  name: my-fleet
spec:
  clusters:
    - name: east
      labels: {region: us-east-1, env: prod}
      server: https://east.example.com
    - name: west
      labels: {region: us-west-2, env: prod}
      server: https://west.example.com
  gitops:
    repoURL: https://github.com/example/fleet.git
    targetRevision: main
    argocd: {enabled: true, namespace: argocd, project: default}
""",
    "fleet/namespace.yaml": """\
# Namespaced objects are placed only where their namespace is federated.
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata:
  name: hello
  namespace: hello
spec:
  placement:
    clusterSelector: {}   # {} selects every cluster
""",
    "fleet/hello.yaml": """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: hello
  namespace: hello
spec:
  template:
    metadata:
      labels: {app: hello}
    spec:
      replicas: 2
      selector:
        matchLabels: {app: hello}
      template:
        metadata:
          labels: {app: hello}
        spec:
          containers:
            - name: hello
              image: nginx:1.27
  placement:
    clusterSelector:
      matchLabels: {env: prod}
  overrides:
    - clusterName: west
      clusterOverrides:
        - path: /spec/replicas
          value: 3
""",
}


def run_init(directory: Path) -> list[Path]:
    """Write the scaffold under ``directory``; refuse to overwrite anything."""
    targets = {directory / name: text for name, text in SCAFFOLD.items()}
    existing = [path for path in targets if path.exists()]
    if existing:
        raise KfedgenError(f"{existing[0]} already exists; kfedgen init does not overwrite files")
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(targets)
