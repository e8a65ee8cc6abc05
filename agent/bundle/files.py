"""Readers for each file of a bundle; every reader reports problems with file and line.

Each ``read_*`` function returns the parsed value (or an empty one) and appends what is wrong to
a shared ``problems`` list, so one pass over a bundle reports every problem at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from agent.errors import Problem
from agent.timeutil import parse_rfc3339_ns

from .model import LogRecord

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _node_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int:
    """1-based line of the YAML node at ``loc`` (or of its closest existing parent)."""
    if node is None:
        return 1
    for key in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == key:
                    child = v
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(key, int)
            and 0 <= key < len(node.value)
        ):
            child = node.value[key]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def _parse_yaml(path: Path, problems: list[Problem], parse: Callable[[str], T]) -> T | None:
    """``parse`` of the file's text; an unreadable file or invalid YAML becomes a problem."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), 0, f"cannot read: {exc}"))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        problems.append(Problem(str(path), line, f"invalid YAML: {exc.problem}"))
    return None


def read_yaml_model(path: Path, model: type[M], problems: list[Problem]) -> M | None:
    """Parse one YAML document into ``model``; problems name the file, line and field."""
    parsed = _parse_yaml(
        path,
        problems,
        lambda text: (yaml.compose(text, Loader=yaml.SafeLoader), yaml.safe_load(text)),
    )
    if parsed is None:
        return None
    node, data = parsed
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(document)"
            problems.append(Problem(str(path), _node_line(node, loc), f"{field}: {err['msg']}"))
        return None


def read_json(path: Path, problems: list[Problem]) -> Any:
    """Parse a JSON document; a syntax error is reported with its line."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), 0, f"cannot read: {exc}"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(str(path), exc.lineno, f"invalid JSON: {exc.msg}"))
    return None


def _json_lines(path: Path, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        problems.append(Problem(str(path), 0, f"cannot read: {exc}"))
        return
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                try:
                    yield number, json.loads(raw)
                except json.JSONDecodeError as exc:
                    problems.append(Problem(str(path), number, f"invalid JSON: {exc.msg}"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(path), 0, f"not UTF-8: {exc}"))


def read_logs(path: Path, problems: list[Problem]) -> list[LogRecord]:
    """Read ``logs.jsonl`` into records sorted by time."""
    records: list[LogRecord] = []
    for number, obj in _json_lines(path, problems):
        if not isinstance(obj, dict):
            problems.append(Problem(str(path), number, "expected a JSON object"))
            continue
        labels, line, ts = obj.get("labels"), obj.get("line"), obj.get("ts")
        if not isinstance(labels, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in labels.items()
        ):
            problems.append(Problem(str(path), number, "labels: expected an object of strings"))
            continue
        if not isinstance(line, str):
            problems.append(Problem(str(path), number, "line: expected a string"))
            continue
        try:
            ts_ns = parse_rfc3339_ns(ts) if isinstance(ts, str) else None
        except ValueError:
            ts_ns = None
        if ts_ns is None:
            problems.append(Problem(str(path), number, f"ts: not an RFC3339 timestamp: {ts!r}"))
            continue
        records.append(LogRecord(ts_ns, labels, line))
    records.sort(key=lambda r: r.ts_ns)
    return records


def read_traces(path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """Read ``traces.jsonl``: one OTLP/JSON ``TracesData`` object a line."""
    traces: list[dict[str, Any]] = []
    for number, obj in _json_lines(path, problems):
        if not isinstance(obj, dict) or not isinstance(obj.get("resourceSpans"), list):
            problems.append(Problem(str(path), number, "expected an object with 'resourceSpans'"))
            continue
        traces.append(obj)
    return traces


def read_k8s(path: Path, problems: list[Problem]) -> list[dict[str, Any]]:
    """Read ``k8s.yaml``: Kubernetes objects, never Secrets."""
    objects: list[dict[str, Any]] = []
    parsed = _parse_yaml(
        path,
        problems,
        lambda text: (
            list(yaml.compose_all(text, Loader=yaml.SafeLoader)),
            list(yaml.safe_load_all(text)),
        ),
    )
    if parsed is None:
        return objects
    nodes, docs = parsed
    for node, doc in zip(nodes, docs, strict=True):
        if doc is None:
            continue
        line = _node_line(node, ())
        if not isinstance(doc, dict) or not {"apiVersion", "kind", "metadata"} <= doc.keys():
            problems.append(
                Problem(str(path), line, "expected an object with apiVersion, kind, metadata")
            )
            continue
        if doc["kind"] == "Secret":
            problems.append(Problem(str(path), line, "Secret objects must never be recorded"))
            continue
        objects.append(doc)
    return objects
