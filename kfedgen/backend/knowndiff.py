"""The diff of a tree the stat cache vouches for, without reading or stat'ing its files.

A render compares the tree it compiled with the output on disk.  When the
stat cache is complete for the manifest on disk and the tree's digest
(:mod:`kfedgen.backend.treestamp`) equals the one computed from the disk
now, the disk holds exactly the cache's files, with the recorded bytes, and
nothing else: no foreign file, no empty directory, no edit (the same proof
a no-op render relies on, racy-timestamp rule included).  The diff then
follows from the digests alone: one listing of the tree instead of a scan,
a stat per file and a comparison of each.  Anything less certain returns
None, and the caller compares file by file as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

from kfedgen.backend.ownership import TreeDiff
from kfedgen.backend.statcache import StatCache
from kfedgen.backend.treestamp import Listing, listing


def known_diff(
    output: Path, digests: Mapping[str, str], stats: StatCache, found: Listing | None = None
) -> TreeDiff | None:
    """How the tree of ``digests`` differs from ``output`` per the stat cache; None when unsure.

    ``digests``: the sha256 of every file of the new tree, the manifest's included;
    ``found``: the tree as listed just now, when the caller has listed it already.

    When it answers, the listing that proved the entries goes into ``stats.listed``:
    the write that follows derives the new tree digest from it.
    """
    header = stats.header
    if header is None or header.complete_for is None or stats.complete_for is None:
        return None
    signature = header.vouches_for(header.complete_for)
    if signature is None or stats.dirty:
        return None
    found = found if found is not None else listing(output)
    if found is None or found.signature != signature:
        return None
    # An entry is "<sha256> <stat>": its digest is the file's, compared in place.
    entries = stats.entries
    get = entries.get
    unchanged = [path for path, digest in digests.items() if get(path, "").startswith(digest)]
    diff = TreeDiff(unchanged=sorted(unchanged))
    if len(unchanged) < len(digests):
        for path in sorted(digests.keys() - set(unchanged)):
            (diff.changed if path in entries else diff.added).append(path)
    if diff.added and _in_the_way(diff.added, entries.keys()):
        return None  # a conflict: the full comparison words it
    if len(entries) > len(diff.unchanged) + len(diff.changed):
        diff.stale = sorted(path for path in entries if path not in digests)
    stats.listed = found
    return diff


def _in_the_way(added: list[str], files: AbstractSet[str]) -> bool:
    """Whether a file on disk is an ancestor of an added path, or an added path a directory."""
    directories = {""}
    for path in files:
        directory = path.rpartition("/")[0]
        while directory not in directories:
            directories.add(directory)
            directory = directory.rpartition("/")[0]
    for path in added:
        if path in directories:
            return True
        index = path.find("/")
        while index != -1:
            if path[:index] in files:
                return True
            index = path.find("/", index + 1)
    return False
