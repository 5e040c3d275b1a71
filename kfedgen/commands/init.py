"""``kfedgen init``: scaffold a fleet repository that renders and passes its own checks.

The scaffold is package data under ``kfedgen/scaffold/``: real files, so each can be
read and linted as what it is.  A leading ``dot_`` in a file or directory name stands
for ``.`` (``dot_github`` is ``.github``), because packaging tools leave dot files out
of a wheel; ``{{version}}`` is replaced by kfedgen's version, so the hooks and the
action the scaffold uses are the release that wrote it.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from pathlib import Path, PurePosixPath

from kfedgen import __version__
from kfedgen.errors import KfedgenError

_DOT_PREFIX = "dot_"
_VERSION_PLACEHOLDER = "{{version}}"


def scaffold() -> dict[str, str]:
    """Every file of the scaffold: its POSIX path in the new repository -> its text."""
    files: dict[str, str] = {}
    _collect(resources.files("kfedgen") / "scaffold", PurePosixPath(), files)
    return dict(sorted(files.items()))


def _collect(directory: Traversable, prefix: PurePosixPath, files: dict[str, str]) -> None:
    for entry in directory.iterdir():
        if entry.name.startswith("__") or entry.name.endswith(".pyc"):
            continue  # bytecode caches that a checkout may hold beside the data
        target = prefix / _target_name(entry.name)
        if entry.is_dir():
            _collect(entry, target, files)
        else:
            text = entry.read_text(encoding="utf-8")
            files[target.as_posix()] = text.replace(_VERSION_PLACEHOLDER, __version__)


def _target_name(name: str) -> str:
    return "." + name.removeprefix(_DOT_PREFIX) if name.startswith(_DOT_PREFIX) else name


def run_init(directory: Path) -> list[Path]:
    """Write the scaffold under ``directory``; refuse to overwrite anything."""
    targets = {directory / name: text for name, text in scaffold().items()}
    existing = [path for path in targets if path.exists() or path.is_symlink()]
    if existing:
        raise KfedgenError(f"{existing[0]} already exists; kfedgen init does not overwrite files")
    for path, text in targets.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return sorted(targets)
