"""Suspended dispatching freezes what a cluster has: the previous file is kept, byte for byte.

Karmada's ``suspension.dispatching`` / ``dispatchingOnClusters`` stop the execution controller
from updating the member clusters (``pkg/controllers/execution/execution_controller.go``:
a Work with ``spec.suspendDispatching`` is not synced); the objects already there stay as
they are.  A GitOps engine, on the other hand, deletes what leaves a cluster's tree.  The
member cluster's state is the previous rendered tree, so for each suspended cluster the file
the object had there is kept as it was (read from the output tree through a
:data:`PreviousFile` reader) and nothing new is rendered; where there was none, nothing is
rendered.  One warning per object says which.

Placement already dropped those clusters and recorded them
(``Propagation.suspended``, :func:`kfedgen.placement.karmada_outcomes.apply_suspension`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kfedgen.backend.emit import KeptFile, object_file, resource_rank
from kfedgen.decisions import Notes
from kfedgen.errors import DocPath, Problems
from kfedgen.frontends.karmada.plain import KarmadaResolution
from kfedgen.rendered import RenderedObject, drop_empty_metadata_maps

# The previous output tree: the bytes of the file at a path (relative to the output
# directory, as ``object_file`` names it), or None when it has none.
PreviousFile = Callable[[str], bytes | None]
_SUSPENSION: DocPath = ("spec", "suspension")
_NOTHING_BEFORE = (
    "nothing was rendered here before, so nothing is (suspended dispatching keeps a cluster "
    "as it is)"
)
_NO_TREE = "suspended: no output tree was read (a revision from git), so nothing is rendered here"


def freeze_suspended(
    karmada: Iterable[KarmadaResolution],
    previous: PreviousFile | None,
    output: str,
    problems: Problems,
) -> tuple[list[KeptFile], Notes]:
    """The previous files of every suspended (object, cluster), and the notes that say so.

    ``previous`` None: no output tree was read (a revision from git), so nothing is kept.
    ``output`` names the output directory in messages.
    """
    files: list[KeptFile] = []
    notes: dict[tuple[str, str], list[str]] = {}
    for resolution in karmada:
        propagation = resolution.propagation
        if propagation is None or propagation.policy is None or not propagation.suspended:
            continue
        obj = resolution.obj
        template = RenderedObject(
            "", drop_empty_metadata_maps(dict(obj.manifest)), obj.ref, obj.location()
        )
        kept, missing = [], []
        for cluster in propagation.suspended:
            path = object_file(
                RenderedObject(cluster, template.manifest, obj.ref, template.location)
            )
            content = previous(path) if previous is not None else None
            if content is None:
                missing.append(cluster)
                notes[(obj.ref, cluster)] = [_NOTHING_BEFORE if previous else _NO_TREE]
                continue
            kept.append(cluster)
            files.append(KeptFile(path, content, resource_rank(template)))
            notes[(obj.ref, cluster)] = [
                f"suspended: {output}/{path} is kept as it was, byte for byte"
            ]
        parts = []
        if kept:
            parts.append(f"its previous file is kept as it was in {', '.join(kept)}")
        if missing and previous is not None:
            parts.append(f"nothing was rendered before in {', '.join(missing)}, so nothing is")
        elif missing:
            parts.append(f"no output tree was read, so nothing is rendered in {', '.join(missing)}")
        problems.warning(
            propagation.policy.location(_SUSPENSION),
            _SUSPENSION,
            f"{obj.ref}: {propagation.policy.ref} suspends dispatching to "
            f"{', '.join(propagation.suspended)}; {'; '.join(parts)} (Karmada stops updating "
            "the object there, it does not delete it)",
            "remove the suspension to render the object there again",
        )
    return files, notes
