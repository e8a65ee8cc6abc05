"""Map a request path to the resource it names, following the API server's URL layout.

``/api/v1/{resource}[/{name}[/{sub}]]`` and ``/apis/{group}/{version}/...`` address cluster-wide
collections and cluster-scoped objects; ``.../namespaces/{ns}/{resource}[/{name}[/{sub}]]``
addresses namespaced ones. ``/api/v1/namespaces/{name}[/status]`` is the Namespace object itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agent.replay.kubernetes.catalog import ResourceType, find_type
from agent.replay.kubernetes.status import ApiStatusError

_NOT_FOUND = "the server could not find the requested resource"


def page_not_found() -> ApiStatusError:
    """The 404 the API server gives for a path it does not serve."""
    return ApiStatusError(404, _NOT_FOUND, details={})


@dataclass(frozen=True, slots=True)
class Target:
    """What a resource path addresses: a collection, an object or an object's subresource."""

    rtype: ResourceType
    namespace: str | None
    name: str | None = None
    subresource: str | None = None


@dataclass(frozen=True, slots=True)
class GroupVersionPath:
    """A path split into its API group, version and the segments after them."""

    group: str
    version: str
    rest: tuple[str, ...]


def split_api_path(path: str) -> GroupVersionPath | None:
    """Split ``/api/v1/...`` or ``/apis/{group}/{version}/...``; ``None`` for other paths."""
    segments = tuple(s for s in path.split("/") if s)
    if len(segments) >= 2 and segments[0] == "api":
        return GroupVersionPath("", segments[1], segments[2:])
    if len(segments) >= 3 and segments[0] == "apis":
        return GroupVersionPath(segments[1], segments[2], segments[3:])
    return None


def resolve_target(group: str, version: str, rest: Sequence[str]) -> Target:
    """Resolve the segments after the group/version to a ``Target``.

    Raises:
        ApiStatusError: 404 when the path names no served resource.
    """
    if len(rest) >= 3 and rest[0] == "namespaces":
        rtype = find_type(group, version, rest[2])
        if rtype is not None and rtype.namespaced:
            return Target(rtype, rest[1], _at(rest, 3), "/".join(rest[4:]) or None)
    rtype = find_type(group, version, rest[0]) if rest else None
    if rtype is None:
        raise page_not_found()
    name = _at(rest, 1)
    if rtype.namespaced and name is not None:
        # A namespaced object is only addressable through its namespace.
        raise page_not_found()
    return Target(rtype, None, name, "/".join(rest[2:]) or None)


def _at(rest: Sequence[str], index: int) -> str | None:
    return rest[index] if len(rest) > index else None
