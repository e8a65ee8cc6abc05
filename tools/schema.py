"""Model-facing JSON schemas from pydantic input models, without what costs tokens and says nothing.

Pydantic's schemas carry a ``title`` on every field and model, the model's docstring again as
a description, ``anyOf [X, null]`` for every optional field, and ``$defs`` indirections. The
model reads none of it usefully, and it is sent (and billed) with every request. This keeps
what constrains or explains a value: types, enums, patterns, bounds, required fields, defaults
that are not null, and field descriptions, except for the time-range trio that every history
tool shares, which the system prompt describes once.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from pydantic import BaseModel

# Described once in the system prompt ("Time ranges: ..."), not in every tool.
TIME_FIELDS = frozenset({"start", "end", "lookback"})


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The slim input schema of ``model`` (root description dropped: the tool has one).

    A schema follows from the model's code alone, so it is generated once per model and each
    caller gets a fresh copy it may change (pydantic's generation costs milliseconds per model,
    and every investigation asks for every tool's).
    """
    loaded: dict[str, Any] = json.loads(_schema_text(model))
    return loaded


@functools.cache
def _schema_text(model: type[BaseModel]) -> str:
    return json.dumps(build_schema(model))


def build_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model_schema`` generated afresh (pydantic schema, slimmed), without the cache."""
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    slim: dict[str, Any] = _slim(raw, defs)
    slim.pop("description", None)
    for name in TIME_FIELDS & set(slim.get("properties", {})):
        slim["properties"][name].pop("description", None)
    return slim


def _slim(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_slim(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # inline: one level of indirection less for the model to follow
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        extra = {k: v for k, v in node.items() if k != "$ref"}
        return _slim({**target, **extra}, defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "title" or (key == "default" and value is None):
            continue
        if key == "properties":
            out[key] = {name: _slim(prop, defs) for name, prop in value.items()}
        else:
            out[key] = _slim(value, defs)
    variants = out.get("anyOf")
    if isinstance(variants, list) and {"type": "null"} in variants:
        rest = [v for v in variants if v != {"type": "null"}]
        if len(rest) == 1:  # optional X: absent means null, so say X
            out.pop("anyOf")
            out = {**rest[0], **out}
    return out
