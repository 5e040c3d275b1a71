"""Container image references as Karmada's image overrider sees them.

Karmada (``pkg/util/imageparser/parser.go``) parses with ``distribution/reference.Parse`` --
*without* ``ParseNormalizedNamed``, so there is no ``docker.io/library/`` defaulting and upper
case in the path is an error -- and then splits the registry off with its own rule: the text
before the first ``/`` is the registry only if it contains ``.`` or ``:`` or is ``localhost``.

Sharp edges reproduced on purpose:

* a reference with both tag and digest keeps only the tag (``Parse`` checks ``Tagged`` first),
  so any image override drops ``@sha256:...``;
* ``SetTagOrDigest`` silently ignores a value that is neither a valid tag nor a valid digest;
* removing the repository yields ``host/:tag``, an invalid reference emitted as is.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

__all__ = [
    "ImageParseError",
    "ImageReference",
    "override_image",
    "parse_image",
    "split_hostname",
]

# distribution/reference regexp.go, compiled as Go would: ASCII \w, anchored with fullmatch.
_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = r"(?:" + _DOMAIN_NAME + "|" + _IPV6 + r")(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}"
_PATH_COMPONENT = _ALPHANUMERIC + r"(?:" + _SEPARATOR + _ALPHANUMERIC + r")*"
_REMOTE_NAME = _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*"
_NAME = r"(?:" + _DOMAIN_AND_PORT + r"/)?" + _REMOTE_NAME

_REFERENCE_RE = re.compile(
    r"(" + _NAME + r")(?::(" + _TAG + r"))?(?:@(" + _DIGEST + r"))?", re.ASCII
)
# Karmada's lifted.go: anchoredTagRegexp / anchoredDigestRegexp used by SetTagOrDigest.
_ANCHORED_TAG_RE = re.compile(_TAG, re.ASCII)
_ANCHORED_DIGEST_RE = re.compile(_DIGEST, re.ASCII)
# opencontainers/go-digest: the algorithms Karmada links in (crypto/sha256, crypto/sha512) and
# the lenient format check used to tell "unsupported" from "invalid".
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX_RE = re.compile(r"[a-f0-9]+", re.ASCII)
_GO_DIGEST_RE = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", re.ASCII)

_NAME_TOTAL_LENGTH_MAX = 255
# Longer input cannot be a valid reference (name <= 255, tag <= 128, digest is hex); refusing it
# early keeps the backtracking regex cheap on hostile input.
_MAX_INPUT_LENGTH = 4096


class ImageParseError(ValueError):
    """An image string that ``distribution/reference.Parse`` would reject."""


@dataclass(frozen=True)
class ImageReference:
    """An image split the Karmada way: ``[hostname/]repository[:tag|@digest]``."""

    hostname: str = ""
    repository: str = ""
    tag: str = ""
    digest: str = ""

    @property
    def full_repository(self) -> str:
        """``hostname/repository``, or just the repository when there is no hostname."""
        if self.hostname == "":
            return self.repository
        return self.hostname + "/" + self.repository

    @property
    def tag_or_digest(self) -> str:
        """The tag if there is one, else the digest (``Components.TagOrDigest``)."""
        return self.tag if self.tag != "" else self.digest

    def with_tag_or_digest(self, value: str) -> ImageReference:
        """Set a tag or a digest, whichever ``value`` is; ignore it silently if neither.

        ``Components.SetTagOrDigest``: a valid tag clears the digest, a valid digest clears the
        tag, anything else leaves the reference unchanged.
        """
        if _ANCHORED_TAG_RE.fullmatch(value):
            return dataclasses.replace(self, tag=value, digest="")
        if _ANCHORED_DIGEST_RE.fullmatch(value):
            return dataclasses.replace(self, tag="", digest=value)
        return self

    def without_tag_or_digest(self) -> ImageReference:
        """Drop the tag, or the digest when there is no tag (``RemoveTagOrDigest``)."""
        if self.tag != "":
            return dataclasses.replace(self, tag="")
        return dataclasses.replace(self, digest="")

    def __str__(self) -> str:
        # Components.String: the tag wins; the digest is printed only when there is no tag.
        if self.tag != "":
            return self.full_repository + ":" + self.tag
        if self.digest != "":
            return self.full_repository + "@" + self.digest
        return self.full_repository


def split_hostname(name: str) -> tuple[str, str]:
    """Split a repository name into (hostname, remote name) by Karmada's ``SplitHostname``."""
    slash = name.find("/")
    if slash == -1:
        return "", name
    head = name[:slash]
    if ("." in head or ":" in head) or head == "localhost":
        return head, name[slash + 1 :]
    return "", name


def _digest_problem(digest: str) -> str | None:
    """Validate a digest as ``go-digest``'s ``Digest.Validate`` does; return the error or None."""
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        if not _GO_DIGEST_RE.fullmatch(digest):
            return "invalid checksum digest format"
        return "unsupported digest algorithm"
    if len(encoded) != expected:
        return "invalid checksum digest length"
    if not _LOWER_HEX_RE.fullmatch(encoded):
        return "invalid checksum digest format"
    return None


def _reject(text: str, reason: str) -> ImageParseError:
    return ImageParseError(f"invalid image reference {text!r}: {reason}")


def parse_image(text: str) -> ImageReference:
    """Parse an image reference as Karmada's ``imageparser.Parse`` does.

    Raises :class:`ImageParseError` (a ``ValueError``) with distribution's reason: empty
    reference, upper case in the repository path, bad format, name over 255 characters,
    or an invalid or unsupported digest.
    """
    if text == "":
        raise _reject(text, "repository name must have at least one component")
    match = _REFERENCE_RE.fullmatch(text) if len(text) <= _MAX_INPUT_LENGTH else None
    if match is None:
        if len(text) <= _MAX_INPUT_LENGTH and _REFERENCE_RE.fullmatch(text.lower()):
            raise _reject(text, "repository name must be lowercase")
        raise _reject(text, "invalid reference format")
    name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
    if len(name) > _NAME_TOTAL_LENGTH_MAX:
        raise _reject(
            text, f"repository name must not be more than {_NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest != "":
        problem = _digest_problem(digest)
        if problem is not None:
            raise _reject(text, problem)
    hostname, repository = split_hostname(name)
    if tag != "":
        # Karmada asks for reference.Tagged before reference.Digested: the digest is lost.
        digest = ""
    return ImageReference(hostname, repository, tag, digest)


def override_image(image: str, component: str, operator: str, value: str) -> str:
    """Apply one ImageOverrider operation to an image string (``overrideImage``).

    ``component`` is ``Registry``, ``Repository`` or ``Tag``; ``operator`` is ``add``,
    ``replace`` or ``remove``.  ``add`` concatenates strings (``.test`` appended to the registry,
    ``/nginx`` to the repository).  An unknown operator changes nothing but the result is still
    re-serialised (so a digest next to a tag is dropped).  Raises ``ValueError`` for an
    unparsable image or an unknown component.
    """
    ref = parse_image(image)
    if component == "Registry":
        ref = _override_field(ref, "hostname", operator, value)
    elif component == "Repository":
        ref = _override_field(ref, "repository", operator, value)
    elif component == "Tag":
        ref = _override_tag(ref, operator, value)
    else:
        raise ValueError(f"unsupported image component({component})")
    return str(ref)


def _override_field(ref: ImageReference, field: str, operator: str, value: str) -> ImageReference:
    current: str = getattr(ref, field)
    if operator == "add":
        return dataclasses.replace(ref, **{field: current + value})
    if operator == "replace":
        return dataclasses.replace(ref, **{field: value})
    if operator == "remove":
        return dataclasses.replace(ref, **{field: ""})
    return ref


def _override_tag(ref: ImageReference, operator: str, value: str) -> ImageReference:
    if operator == "add":
        return ref.with_tag_or_digest(ref.tag_or_digest + value)
    if operator == "replace":
        return ref.with_tag_or_digest(value)
    if operator == "remove":
        return ref.without_tag_or_digest()
    return ref
