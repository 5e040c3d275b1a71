"""Where each value of a document stands, with repeated subtrees kept as references.

A large inventory repeats whole blocks: the same ``compute`` under a thousand clusters, the
same pool behind a thousand aliases.  The walk (:mod:`kfedgen.source.yamlcheck`) does such a
subtree once; its copies' positions are those of the first copy, moved by the line
difference.  Writing them out costs a path and an entry per value per copy (40,000 at
1,000 clusters), and they are read only when a message points into a copy.  So a copy is
kept as a :class:`Region` (where its first copy's positions are, and the line
difference), and a lookup under it asks the first copy.

:class:`Positions` reads as the mapping that writing every position out would have given:
the same paths, in the same order, with the same positions.  One order of events could
tell them apart: a path placed a second time (a duplicate key, which is an error, or a
merge key), which may be one a copy refers to.  From then on the whole file is written
out (:meth:`FilePositions.write_out`): each copy keeps its positions as they were, and
the walk stops taking shortcuts (:attr:`FilePositions.written_out`).
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping

from kfedgen.errors import DocPath

Position = tuple[int, int]  # line, column (1-based)


class Region:
    """The positions under ``path``: those under ``source_path`` in ``source``, moved."""

    __slots__ = ("first", "last", "lines", "path", "source", "source_path", "written")

    def __init__(
        self,
        path: DocPath,
        source: Positions,
        source_path: DocPath,
        first: int,
        last: int,
        lines: int,
    ) -> None:
        self.path = path
        self.source = source
        self.source_path = source_path
        self.first = first  # the first copy's positions are source.order[first:last]
        self.last = last
        self.lines = lines  # how many lines after the first copy this one starts
        # The positions written out, once a first copy's may change (FilePositions.write_out).
        self.written: dict[DocPath, Position] | None = None


class FilePositions:
    """The positions of every document of one file: a copy may refer to any of them."""

    __slots__ = ("members", "written_out")

    def __init__(self) -> None:
        self.members: list[Positions] = []
        self.written_out = False

    def write_out(self) -> None:
        """Write out every copy: a position one of them may refer to is about to change.

        Each copy keeps the positions as they are now.  The order of the positions (whose
        slices the walk remembers) does not change.
        """
        if self.written_out:
            return
        self.written_out = True
        regions = [r for p in self.members for r in p._regions.values() if r.written is None]
        written = [dict(_expanded(region)) for region in regions]
        for region, positions in zip(regions, written, strict=True):
            region.written = positions


class Positions(Mapping[DocPath, Position]):
    """The positions of one document's paths, written out or referring to a first copy."""

    __slots__ = ("_file", "_regions", "order", "own")

    def __init__(self, file: FilePositions | None = None) -> None:
        self.own: dict[DocPath, Position] = {}
        # Paths and regions in the order they were placed: a repeated subtree's positions
        # are a slice of its first copy's order.
        self.order: list[DocPath | Region] = []
        self._regions: dict[DocPath, Region] = {}  # by the path the copy is at
        self._file = file if file is not None else FilePositions()
        self._file.members.append(self)

    def place(self, path: DocPath, position: Position) -> None:
        """``path`` stands at ``position``."""
        if path in self.own:
            self.placing_again()
        self.own[path] = position
        self.order.append(path)

    @property
    def written_out(self) -> bool:
        """Whether the file's copies are written out (:meth:`FilePositions.write_out`)."""
        return self._file.written_out

    def placing_again(self) -> None:
        """A path already placed is placed again: copies must not see its position change."""
        self._file.write_out()

    def replay(self, region: Region) -> None:
        """The paths under ``region.path`` stand where its first copy's stand, moved.

        Those are ``region.source.order[region.first:region.last]``.
        """
        if self._file.written_out:
            region.written = dict(_expanded(region))
        self._regions[region.path] = region
        self.order.append(region)

    def get(self, path: DocPath, default: Position | None = None) -> Position | None:  # type: ignore[override]
        """The position of ``path``, or ``default``."""
        found = self.own.get(path)
        if found is not None or not self._regions:
            return found if found is not None else default
        for length in range(len(path) - 1, -1, -1):
            region = self._regions.get(path[:length])
            if region is not None:
                if region.written is not None:
                    found = region.written.get(path)
                    return found if found is not None else default
                moved = region.source.get((*region.source_path, *path[length:]))
                return default if moved is None else (moved[0] + region.lines, moved[1])
        return default

    def __getitem__(self, path: DocPath) -> Position:
        found = self.get(path)
        if found is None:
            raise KeyError(path)
        return found

    def __iter__(self) -> Iterator[DocPath]:
        return iter(self._written())

    def __len__(self) -> int:
        return len(self._written())

    def items(self) -> ItemsView[DocPath, Position]:
        """Every path with its position, in the order they were placed."""
        return self._written().items()

    def _written(self) -> dict[DocPath, Position]:
        """Every position written out, as placing them one by one would have."""
        if not self._regions:
            return self.own
        written: dict[DocPath, Position] = {}
        for entry in self.order:
            if isinstance(entry, Region):
                written.update(_expanded(entry))
            else:
                written[entry] = self.own[entry]
        return written

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled written out (the parse cache): a copy has no first copy to refer to.
        return (_restored, (self._written(),))


def _expanded(region: Region) -> Iterator[tuple[DocPath, Position]]:
    """The positions of ``region``, in order, each path moved under the copy's path."""
    if region.written is not None:
        yield from region.written.items()
        return
    depth, lines, source = len(region.source_path), region.lines, region.source
    for entry in source.order[region.first : region.last]:
        if isinstance(entry, Region):
            pairs: Iterator[tuple[DocPath, Position]] = _expanded(entry)
        else:
            pairs = iter(((entry, source.own[entry]),))
        for old, (line, column) in pairs:
            yield (*region.path, *old[depth:]), (line + lines, column)


def _restored(written: dict[DocPath, Position]) -> Positions:
    positions = Positions()
    positions.own = written
    positions.order = list(written)
    return positions
