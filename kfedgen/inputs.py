"""What a command reads: its options, the fleet's files, and what else the output depends on.

Light to import on purpose: a render whose caches answer reads the fleet files
and hashes them, and never imports a compile stage (:mod:`kfedgen.views.cached`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kfedgen.backend.write import overlap_problem
from kfedgen.errors import OutputError, Problems
from kfedgen.frontends.scope import DEFAULT_NAMESPACE
from kfedgen.source.files import LoadOptions, SourceFile, discover


@dataclass(frozen=True)
class Options:
    """What to read and where to write; every command takes these."""

    fleet: tuple[Path, ...] = (Path("fleet"),)
    overlays: Path | None = Path("overlays")
    output: Path = Path("rendered")
    strict: bool = False
    load: LoadOptions = field(default_factory=LoadOptions)
    # The output directory as a path from the git repository root: Argo CD
    # Applications and Flux Kustomizations point at it.
    output_repo_path: str = "rendered"
    # The namespace of namespaced objects that name none (kubectl's context namespace).
    namespace: str = DEFAULT_NAMESPACE


def read_sources(options: Options, base: Path, problems: Problems) -> list[SourceFile]:
    """Read the fleet files (and overlays, when the directory exists)."""
    paths = list(options.fleet)
    if options.overlays is not None and options.overlays.is_dir():
        paths.append(options.overlays)
    overlap = overlap_problem(options.output, paths)
    if overlap:
        raise OutputError(overlap)
    return discover(paths, base, problems, options.load.max_file_bytes)


def fingerprint(options: Options, base: Path) -> str:
    """Everything besides the input files that a render's bytes depend on, as text."""
    # Every option (paths as given: they name files in messages) and where they resolve from.
    return f"{options!r}\0{base.absolute()}"


def repo_relative(output: Path) -> str:
    """``output`` as a POSIX path from the root of the git repository that contains it.

    Argo CD and Flux resolve paths from the repository root, whatever directory
    kfedgen was run from; outside a repository the path is taken as given.
    """
    absolute = output.absolute()
    for directory in (absolute, *absolute.parents):
        if (directory / ".git").exists():
            return absolute.relative_to(directory).as_posix() or "."
    return output.as_posix()
