"""Tag discovery over the recorded traces: Tempo's tag-name and tag-value endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from agent.replay.tempo.model import TraceStore
from agent.replay.tempo.otlp import AttrValue
from agent.replay.tempo.traceql import field_value
from agent.replay.tempo.traceql.nodes import INTRINSICS, Attribute, Field, Intrinsic

TAG_SCOPES = ("resource", "span", "intrinsic")
# Scope names Tempo accepts that mean "every scope".
_ALL_SCOPES = ("", "none", "all")
_KEYWORD_INTRINSICS = ("status", "kind")


class UnknownScope(ValueError):
    """A tag scope outside ``resource``, ``span``, ``intrinsic`` (or none for all)."""


def tag_names(store: TraceStore) -> list[str]:
    """Every attribute name, resource and span alike, sorted: ``/api/search/tags``."""
    return sorted(_attribute_names(store, "resource") | _attribute_names(store, "span"))


def scoped_tag_names(store: TraceStore, scope: str) -> list[dict[str, Any]]:
    """The ``scopes`` list of ``/api/v2/search/tags`` for one scope or, when empty, all.

    Raises:
        UnknownScope: ``scope`` is not one Tempo accepts.
    """
    wanted: tuple[str, ...]
    if scope in _ALL_SCOPES:
        wanted = TAG_SCOPES
    elif scope in TAG_SCOPES:
        wanted = (scope,)
    else:
        raise UnknownScope(f"invalid scope {scope!r}: use one of {', '.join(TAG_SCOPES)}")
    scopes = []
    for name in wanted:
        names = set(INTRINSICS) if name == "intrinsic" else _attribute_names(store, name)
        scopes.append({"name": name, "tags": sorted(names)})
    return scopes


def tag_values(store: TraceStore, name: str) -> list[str]:
    """Distinct values of an unscoped attribute as strings, sorted: v1 tag values."""
    values = {_as_text(v) for v in _values(store, Attribute("any", name))}
    return sorted(values)


def typed_tag_values(store: TraceStore, field: Field) -> list[dict[str, str]]:
    """Distinct typed values of a scoped tag or intrinsic, sorted: v2 tag values.

    Durations are not enumerated, as in Tempo.
    """
    if field == Intrinsic("duration"):
        return []
    keyword = isinstance(field, Intrinsic) and field.name in _KEYWORD_INTRINSICS
    found = {("keyword" if keyword else _type_name(v), _as_text(v)) for v in _values(store, field)}
    return [{"type": t, "value": v} for t, v in sorted(found, key=lambda tv: (tv[1], tv[0]))]


def _attribute_names(store: TraceStore, scope: str) -> set[str]:
    names: set[str] = set()
    for span in store.spans():
        names.update(span.resource if scope == "resource" else span.attributes)
    return names


def _values(store: TraceStore, field: Field) -> Iterator[AttrValue]:
    for span in store.spans():
        if isinstance(field, Attribute) and field.scope == "any":
            # v1 and unscoped v2 tags collect from both scopes, not just the first found.
            candidates = [span.attributes.get(field.name), span.resource.get(field.name)]
        else:
            candidates = [field_value(field, span)]
        for value in candidates:
            yield from _scalars(value)


def _scalars(value: AttrValue) -> Iterator[AttrValue]:
    if isinstance(value, list):
        for element in value:
            yield from _scalars(element)
    elif isinstance(value, str | int | float):  # bool is an int
        yield value


def _type_name(value: AttrValue) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "string"


def _as_text(value: AttrValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
