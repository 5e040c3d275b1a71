"""What kfedgen writes to a terminal or pipe can always be written.

Two things can make writing text fail with :class:`UnicodeEncodeError`: a
stream whose encoding is not UTF-8 (``PYTHONIOENCODING=ascii``, a C locale on
an old system) and file names that are not UTF-8, which Python keeps as lone
surrogates (``surrogateescape``) that no codec encodes.  Neither is kfedgen's
bug, so neither may end a run with exit 3: :func:`prepare_streams` makes stdout
and stderr escape what they cannot encode, and :func:`printable` gives the same
escaped form for text that is not written to a stream (JSON strings).
"""

from __future__ import annotations

import codecs
import re
import sys
from typing import TextIO

ERROR_HANDLER = "kfedgen.escape"
# Python decodes a byte that is not UTF-8 in a file name as U+DC80..U+DCFF.
_SURROGATE_ESCAPE = range(0xDC80, 0xDD00)
_SURROGATES = re.compile("[\ud800-\udfff]")


def escape_char(char: str) -> str:
    """How one character a stream cannot hold is shown: ``\\xNN`` for a file-name byte."""
    code = ord(char)
    if code in _SURROGATE_ESCAPE:
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with the bytes of non-UTF-8 file names (lone surrogates) shown as ``\\xNN``."""
    if text.isascii():
        return text
    return _SURROGATES.sub(lambda match: escape_char(match.group()), text)


def _escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    return "".join(escape_char(c) for c in error.object[error.start : error.end]), error.end


def prepare_streams(*streams: TextIO) -> None:
    """Make ``streams`` (default stdout and stderr) escape what their encoding cannot hold."""
    codecs.register_error(ERROR_HANDLER, _escape_unencodable)
    for stream in streams or (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=ERROR_HANDLER)
