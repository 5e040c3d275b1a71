"""Real git repositories holding a small fleet, for the check, diff and hook tests."""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

import git

from tests.conftest import RunCli

# Fixed identity and dates: commits never depend on the machine's git config.
AUTHOR = git.Actor("kfedgen tests", "tests@kfedgen.io")
COMMIT_DATE = "1704067200 +0000"  # 2024-01-01T00:00:00Z

# No Argo CD / Flux objects: the tests count exactly the objects below.
FLEET = """\
apiVersion: kfedgen.io/v1alpha1
kind: Fleet
metadata:
  name: test
spec:
  clusters:
{clusters}
  gitops:
    argocd: {{enabled: false}}
    flux: {{enabled: false}}
"""

APPS = """\
apiVersion: types.kubefed.io/v1beta1
kind: FederatedNamespace
metadata:
  name: web
  namespace: web
spec:
  placement:
    clusterSelector: {{}}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: api
  namespace: web
spec:
  template:
    metadata:
      labels: {{app: api}}
    spec:
      replicas: {replicas}
      selector:
        matchLabels: {{app: api}}
      template:
        metadata:
          labels: {{app: api}}
        spec:
          containers:
            - name: api
              image: {image}
  placement:
    clusterSelector: {{}}
  overrides:
    - clusterName: west
      clusterOverrides:
        - path: /spec/replicas
          value: {west_replicas}
---
apiVersion: types.kubefed.io/v1beta1
kind: FederatedConfigMap
metadata:
  name: settings
  namespace: web
spec:
  template:
    data:
      color: {color}
  placement:
    clusterSelector: {{}}
"""

# Each cluster receives these objects (plus its kustomization.yaml).
OBJECT_FILES = (
    "_cluster/namespace_web.yaml",
    "web/configmap_settings.yaml",
    "web/deployment.apps_api.yaml",
)


def fleet_yaml(*clusters: str) -> str:
    entries = "".join(
        f"    - name: {name}\n      labels: {{region: {name}}}\n" for name in clusters
    )
    return FLEET.format(clusters=entries.rstrip("\n"))


def apps_yaml(
    replicas: int = 2, west_replicas: int = 3, image: str = "nginx:1.27", color: str = "blue"
) -> str:
    return APPS.format(replicas=replicas, west_replicas=west_replicas, image=image, color=color)


def invalid_apps_yaml() -> str:
    """:func:`apps_yaml` with a Deployment that every Kubernetes version's schema rejects."""
    valid = apps_yaml()
    invalid = valid.replace(
        "              image: nginx:1.27\n",
        "              image: nginx:1.27\n              ports: [{containerPort: http}]\n",
    )
    assert invalid != valid
    return invalid


@dataclass
class FleetRepo:
    """A git repository in a temporary directory, with helpers to change and commit it."""

    path: Path
    repo: git.Repo

    @classmethod
    def create(cls, path: Path) -> FleetRepo:
        path.mkdir(parents=True, exist_ok=True)
        repo = git.Repo.init(path, initial_branch="main")
        return cls(path, repo)

    def write(self, relative: str, text: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
        return target

    def write_fleet(
        self,
        prefix: str = "",
        clusters: tuple[str, ...] = ("east", "west"),
        replicas: int = 2,
        west_replicas: int = 3,
        color: str = "blue",
    ) -> None:
        """The test fleet under ``<prefix>fleet/``."""
        self.write(f"{prefix}fleet/fleet.yaml", fleet_yaml(*clusters))
        apps = apps_yaml(replicas=replicas, west_replicas=west_replicas, color=color)
        self.write(f"{prefix}fleet/apps.yaml", apps)

    def commit(self, message: str) -> str:
        """Stage everything (deletions too) and commit; returns the commit's sha."""
        self.repo.git.add(A=True)
        commit = self.repo.index.commit(
            message,
            author=AUTHOR,
            committer=AUTHOR,
            author_date=COMMIT_DATE,
            commit_date=COMMIT_DATE,
        )
        # End the git processes GitPython keeps for reading objects: a test
        # never closes its repository, and their pipes would leak.
        self.repo.git.clear_cache()
        return commit.hexsha

    def status(self) -> str:
        return str(self.repo.git.status("--porcelain", "--untracked-files=all"))

    def mtimes(self) -> dict[str, int]:
        """Modification time of every file in the work tree and of the index."""
        found = {}
        for directory, dirnames, filenames in os.walk(self.path):
            if ".git" in dirnames:
                dirnames.remove(".git")
            for name in filenames:
                file = Path(directory, name)
                found[file.relative_to(self.path).as_posix()] = file.stat().st_mtime_ns
        found[".git/index"] = (self.path / ".git" / "index").stat().st_mtime_ns
        return found


def rendered_fleet(path: Path, run_cli: RunCli) -> FleetRepo:
    """A repository holding the test fleet, rendered and committed on main."""
    repo = FleetRepo.create(path)
    repo.write_fleet()
    result = run_cli("render", cwd=repo.path)
    assert result.code == 0, result.err
    repo.commit("rendered")
    return repo
