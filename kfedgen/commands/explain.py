"""``kfedgen explain``: why an object is, or is not, in each cluster."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from kfedgen.commands.render import print_warnings
from kfedgen.emit import object_file
from kfedgen.errors import KfedgenError, did_you_mean
from kfedgen.karmada.propagation import KarmadaResolution
from kfedgen.pipeline import Compilation, Options, compile_fleet
from kfedgen.resolve import Resolution


def run_explain(
    options: Options, reference: str, cluster: str | None, error_format: str = "text"
) -> int:
    """Compile the fleet and print the decisions about one object on stdout."""
    compilation = compile_fleet(options, Path.cwd())
    print_warnings(compilation.problems.sorted(), error_format)
    resolution = find_karmada_resolution(compilation.karmada, reference) or find_resolution(
        compilation.resolutions, reference, [r.ref for r in compilation.karmada]
    )
    if cluster is not None and cluster not in compilation.spec.clusters:
        hint = did_you_mean(cluster, compilation.spec.clusters)
        raise KfedgenError(
            f"cluster {cluster!r} is not in the inventory" + (f" ({hint})" if hint else "")
        )
    lines = explain_lines(compilation, resolution, cluster, options.output.as_posix())
    sys.stdout.write("".join(line + "\n" for line in lines))
    return 0


def find_karmada_resolution(
    resolutions: Sequence[KarmadaResolution], reference: str
) -> KarmadaResolution | None:
    """The plain object Karmada propagates as ``KIND/NAMESPACE/NAME``; KIND in any case."""
    kind, _, key = reference.partition("/")
    return next(
        (r for r in resolutions if r.obj.key == key and r.obj.kind.lower() == kind.lower()), None
    )


def find_resolution(
    resolutions: Sequence[Resolution], reference: str, others: Sequence[str] = ()
) -> Resolution:
    """The object named ``KIND/NAMESPACE/NAME`` (``KIND/NAME`` when cluster-scoped).

    KIND is the federated kind (``FederatedDeployment``) or, when only one federated
    kind produces it, the target kind (``Deployment``); case does not matter.  ``others``
    are more names to suggest when nothing matches.
    """
    kind, _, key = reference.partition("/")
    if not kind or not key or key.count("/") > 1 or "" in key.split("/"):
        raise KfedgenError(
            f"{reference!r} is not KIND/NAMESPACE/NAME (or KIND/NAME for a cluster-scoped object)"
        )
    matches = [
        r
        for r in resolutions
        if r.obj.key == key and kind.lower() in (r.obj.kind.lower(), r.obj.target.kind.lower())
    ]
    exact = [r for r in matches if r.obj.ref == reference]
    if len(exact) == 1 or len(matches) == 1:
        return (exact or matches)[0]
    if matches:
        refs = ", ".join(sorted(r.obj.ref for r in matches))
        raise KfedgenError(
            f"{reference!r} is ambiguous: it could be {refs}; name the federated kind"
        )
    candidates = [r.obj.ref for r in resolutions]
    candidates += [f"{r.obj.target.kind}/{r.obj.key}" for r in resolutions]
    candidates += others
    hint = did_you_mean(reference, candidates)
    raise KfedgenError(f"no federated object {reference!r}" + (f" ({hint})" if hint else ""))


def explain_lines(
    compilation: Compilation,
    resolution: Resolution | KarmadaResolution,
    cluster: str | None,
    output: str,
) -> list[str]:
    """The object's header, then each cluster (or only ``cluster``) with its reasons in order."""
    obj = resolution.obj
    files = {
        o.cluster: f"{output}/{object_file(o)}" for o in compilation.objects if o.origin == obj.ref
    }
    lines = [f"{obj.ref} ({obj.location()})"]
    if resolution.scheduled_by:
        lines.append(f"replicas scheduled by {resolution.scheduled_by}")
    names = [cluster] if cluster is not None else sorted(resolution.decisions)
    for name in names:
        decision = resolution.decisions[name]
        status = "not placed"
        if decision.placed:
            status = f"placed -> {files[name]}" if name in files else "placed"
        lines.append(f"{name}: {status}")
        lines.extend(f"  {reason}" for reason in decision.reasons)
    return lines
