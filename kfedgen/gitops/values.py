"""What Argo CD, Flux and git accept in the values kfedgen writes into GitOps objects.

Pure checks, each returning ``None`` for a good value or ``(problem, hint)``:

- repository URLs: Argo CD clones ``https://``, ``http://`` and ``ssh://`` URLs and scp-like
  ``user@host:path`` addresses (its SSH form); Flux's GitRepository CRD admits only
  ``^(http|https|ssh)://``.  Whitespace and control characters, a leading ``-`` (which git
  and ssh read as an option), a host starting with ``-`` (``ssh -oProxyCommand=...``), a
  password in the URL (it would be committed to git) and a URL naming no repository are
  refused;
- revisions and ref names: the rules of ``git check-ref-format --allow-onelevel`` (also
  ``HEAD``), and never a leading ``-``;
- free text such as an Argo CD cluster name: no control characters, no surrounding spaces.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from kfedgen.errors import DocPath, Problems
from kfedgen.gitops.settings import GITOPS, GitOpsSettings
from kfedgen.model import Cluster, FleetSpec
from kfedgen.source.load import Document

Problem = tuple[str, str] | None

# Schemes the engines clone git repositories over (Argo CD's git client and Flux's CRD).
URL_SCHEMES = ("https", "http", "ssh")
_SCP_LIKE = re.compile(r"(?P<user>[^@/:]+)@(?P<host>[^@/:]+):(?P<path>[^@]+)", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s")
# git check-ref-format, rules 3-5, 8 and 10: "..", control characters, space, ~ ^ : ? * [ \
# and "@{" anywhere.
_REF_FORBIDDEN = re.compile(r"\.\.|[\x00-\x20\x7f~^:?*\[\\]|@\{")
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_CHARACTER_NAMES = {"\n": "a newline", "\r": "a carriage return", "\t": "a tab", " ": "a space"}


def _character(text: str) -> str:
    char = text[0]
    return _CHARACTER_NAMES.get(char, f"the character {char!r}")


def repo_url_problem(url: str, flux: bool) -> Problem:
    """Why Argo CD (and, when ``flux``, Flux) cannot clone ``url``."""
    bad = _WHITESPACE.search(url) or _CONTROL.search(url)
    if bad:
        return (
            f"repoURL {url!r} contains {_character(bad.group())}",
            "a repository URL has no whitespace or control characters",
        )
    if url.startswith("-"):
        return (f"repoURL {url!r} starts with '-', which git reads as an option", _URL_HINT)
    if "://" in url:
        return _url_problem(url)
    scp = _SCP_LIKE.fullmatch(url)
    if scp is None:
        return (f"repoURL {url!r} is not a URL or an scp-like git address", _URL_HINT)
    if scp["host"].startswith("-"):
        return (f"repoURL {url!r} has a host starting with '-', which ssh reads as an option", "")
    if flux:
        path = scp["path"].removeprefix("/")
        return (
            f"repoURL {url!r} is an scp-like address, which Flux does not accept",
            f"write it as ssh://{scp['user']}@{scp['host']}/{path}",
        )
    return None


_URL_HINT = "use https://HOST/PATH or ssh://USER@HOST/PATH (Argo CD also takes USER@HOST:PATH)"


def _url_problem(url: str) -> Problem:
    scheme = url.partition("://")[0]
    if scheme not in URL_SCHEMES:
        return (f"repoURL scheme {scheme!r} is not one Argo CD and Flux clone over", _URL_HINT)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return (f"repoURL {url!r} is not a valid URL: {exc}", _URL_HINT)
    host = parts.hostname or ""
    if not host:
        return (f"repoURL {url!r} has no host", _URL_HINT)
    if host.startswith("-"):
        return (f"repoURL {url!r} has a host starting with '-', which ssh reads as an option", "")
    if parts.password is not None:
        return (
            f"repoURL {url!r} holds a password, which would be committed to git in plain text",
            "remove it and give Argo CD a repository Secret (Flux: flux.sourceSecretName)",
        )
    if parts.path.strip("/") == "":
        return (f"repoURL {url!r} names no repository", "add the repository's path")
    return None


def ref_name_problem(name: str, what: str) -> Problem:
    """Why git does not accept ``name`` as a branch, tag or ref (``what`` names the field)."""
    if not name:
        return (f"{what} is empty", _REF_HINT)
    bad = _REF_FORBIDDEN.search(name)
    if bad:
        found = bad.group()
        shown = f"'{found}'" if len(found) > 1 or found.isprintable() else _character(found)
        return (f"{what} {name!r} contains {shown}, which git ref names may not", _REF_HINT)
    if name.startswith("-"):
        return (f"{what} {name!r} starts with '-', which git reads as an option", _REF_HINT)
    if name == "@":
        return (f"{what} '@' is not a ref name", _REF_HINT)
    if name.startswith("/") or name.endswith("/") or "//" in name:
        return (f"{what} {name!r} has an empty path component", _REF_HINT)
    if name.endswith("."):
        return (f"{what} {name!r} ends with '.'", _REF_HINT)
    for component in name.split("/"):
        if component.startswith(".") or component.endswith(".lock"):
            return (
                f"{what} {name!r} has a component starting with '.' or ending with '.lock'",
                _REF_HINT,
            )
    return None


_REF_HINT = "use a branch, tag or commit name as `git check-ref-format` accepts it"


def revision_problem(revision: str, what: str = "targetRevision") -> Problem:
    """Why ``revision`` cannot be Argo CD's targetRevision or Flux's branch: HEAD or a ref."""
    if revision == "HEAD":
        return None
    return ref_name_problem(revision, what)


def flux_ref_problem(kind: str, value: str) -> Problem:
    """Why Flux cannot check out ``ref.<kind>: value``."""
    what = f"flux.ref.{kind}"
    if kind in ("branch", "tag"):
        return ref_name_problem(value, what)
    if kind == "name":
        if not value.startswith("refs/"):
            return (f"{what} {value!r} is not a full ref name", "such as refs/heads/main")
        return ref_name_problem(value, what)
    if kind == "commit":
        if _COMMIT.fullmatch(value) is None:
            return (
                f"{what} {value!r} is not a full commit id",
                "give all 40 (SHA-1) or 64 (SHA-256) lower-case hex digits",
            )
        return None
    return text_problem(value, what)


def text_problem(value: str, what: str) -> Problem:
    """Why ``value`` cannot be written as a name in an engine's object (control characters)."""
    bad = _CONTROL.search(value)
    if bad:
        return (f"{what} {value!r} contains {_character(bad.group())}", "")
    if value != value.strip():
        return (f"{what} {value!r} starts or ends with whitespace", "remove it")
    return None


def server_problem(server: str) -> Problem:
    """Why ``server`` cannot be an Argo CD destination (an http(s) URL with a host)."""
    bad = _WHITESPACE.search(server) or _CONTROL.search(server)
    if bad:
        return (f"server {server!r} contains {_character(bad.group())}", "")
    try:
        parts = urlsplit(server)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        return (f"server {server!r} is not a valid URL: {exc}", "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return (f"server {server!r} is not an http(s) URL with a host", "")
    return None


def check_values(
    spec: FleetSpec, doc: Document, gitops: GitOpsSettings, problems: Problems
) -> None:
    """Report every ``gitops`` value and cluster destination the engines or git would refuse.

    A disabled engine's values are checked too: they are in the Fleet all the same.
    """

    def report(path: DocPath, problem: Problem) -> None:
        if problem is not None:
            problems.error(doc.location(path), path, *problem)

    if gitops.repo_url:
        report((*GITOPS, "repoURL"), repo_url_problem(gitops.repo_url, gitops.flux.enabled))
    if gitops.target_revision:
        report((*GITOPS, "targetRevision"), revision_problem(gitops.target_revision))
    # Settings that become names in the engines' objects.  The schema checks their form,
    # but control characters are checked here as well (defaults never have any).
    for engine, settings in (("argocd", gitops.argocd), ("flux", gitops.flux)):
        for name, value in settings.names():
            if value is not None:
                report((*GITOPS, engine, name), text_problem(value, f"{engine}.{name}"))
        # Argo CD's syncOptions and Flux's ref: values written into the objects as they are.
        if engine == "argocd":
            for index, option in enumerate(gitops.argocd.sync_policy.get("syncOptions") or []):
                path = (*GITOPS, engine, "syncPolicy", "syncOptions", index)
                report(path, text_problem(option, "syncOption"))
        else:
            for kind, ref in (gitops.flux.ref or {}).items():
                report((*GITOPS, engine, "ref", kind), flux_ref_problem(kind, ref))
    for cluster in spec.cluster_list():
        _check_destination(spec, cluster, problems)


def _check_destination(spec: FleetSpec, cluster: Cluster, problems: Problems) -> None:
    path = cluster_path(spec, cluster)
    for field, value, problem in (
        ("server", cluster.server, server_problem),
        ("destinationName", cluster.destination_name, None),
    ):
        if value is None:
            continue
        found = problem(value) if problem is not None else text_problem(value, field)
        if found is not None:
            where = (*path, field) if path else path
            location = spec.fleet_doc.location(where) if path and spec.fleet_doc else None
            problems.error(location or cluster.location, where, *found)


def cluster_path(spec: FleetSpec, cluster: Cluster) -> DocPath:
    """The document path of ``cluster``'s entry in the Fleet (empty for other inventory)."""
    doc = spec.fleet_doc
    if doc is None:
        return ()
    for index in range(len(doc.data["spec"].get("clusters") or [])):
        path: DocPath = ("spec", "clusters", index)
        if doc.location(path) == cluster.location:
            return path
    return ()
