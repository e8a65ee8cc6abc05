"""Load and validate a policy file; check it against the tool registry.

Errors name the file, the line (from the YAML node marks) and the field, e.g.
``policies/default.yaml:14: tools.query_logs.max_calls: Input should be greater than 0``.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from agent.errors import PolicyConfigError
from tools.base import Registry

from .model import Loc, Policy, cross_check

# Input fields that name what a call reads: if a tool has one, its rule must declare it.
_SCOPING_FIELDS = {"namespace": "namespace", "namespaces": "namespace", "query": "query"}


def default_policy_path() -> Path:
    """The policy shipped with the package."""
    return Path(__file__).resolve().parent / "default.yaml"


def load_policy(path: str | Path) -> Policy:
    """Read and validate the policy at ``path``.

    Raises:
        PolicyConfigError: the file is unreadable, not YAML, or not a valid policy; the message
            lists every problem as ``file:line: field: message``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyConfigError(f"{path}: cannot read the policy: {exc}") from exc
    return load_policy_text(text, str(path))


def load_policy_text(text: str, source: str = "<policy>") -> Policy:
    """Validate policy YAML given as text; ``source`` names it in errors.

    Raises:
        PolicyConfigError: as for ``load_policy``.
    """
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise PolicyConfigError(f"{source}{line}: not valid YAML: {exc}") from exc
    lines: dict[Loc, int] = {}
    problems: list[str] = []
    if root is not None:
        _index(root, (), lines, problems, source)
    if problems:
        raise PolicyConfigError("; ".join(problems))
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{source}:1: the policy must be a mapping")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        located = [(tuple(e["loc"]), e["msg"]) for e in exc.errors()]
        raise PolicyConfigError(_describe(located, lines, source)) from None
    crossed = cross_check(policy)
    if crossed:
        raise PolicyConfigError(_describe(crossed, lines, source))
    return policy


def _index(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[str], source: str
) -> None:
    """Record the line of every node by its path; report duplicate keys."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                # safe_load keeps the last duplicate silently; in a policy that hides intent.
                problems.append(
                    f"{source}:{key.start_mark.line + 1}: {_dotted((*loc, name))}: duplicate key"
                )
            seen.add(name)
            lines[(*loc, name)] = key.start_mark.line + 1
            _index(value, (*loc, name), lines, problems, source)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index(item, (*loc, index), lines, problems, source)


def _describe(problems: list[tuple[Loc, str]], lines: dict[Loc, int], source: str) -> str:
    out = []
    for loc, message in problems:
        # Missing fields and validator internals have no node: use the nearest ancestor's.
        known = next((loc[:n] for n in range(len(loc), -1, -1) if loc[:n] in lines), ())
        line = lines.get(known, 1)
        out.append(f"{source}:{line}: {_dotted(loc) or '(top level)'}: {message}")
    return "; ".join(out)


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def check_against_registry(policy: Policy, registry: Registry) -> list[str]:
    """Drift between the policy and the registered tools, one message each.

    Reports an allowed tool that is not registered, a registered tool without a rule (it
    would be denied), a rule naming an argument the tool does not have, a size argument whose
    default is missing or over the cap, and a ``namespace``/``query`` field the rule ignores.
    """
    problems = [
        f"policy allows {name!r}, but no such tool is registered"
        for name in policy.allowed_tools()
        if registry.get(name) is None
    ]
    for name in registry.names():
        rule = policy.tools.get(name)
        tool = registry.get(name)
        if rule is None or tool is None:
            problems.append(f"tool {name!r} is registered but has no policy rule")
            continue
        fields = tool.input_model.model_fields
        for arg in rule.argument_names():
            if arg not in fields:
                problems.append(f"{name}: the rule names argument {arg!r}, which it lacks")
        for arg, cap in rule.sizes.items():
            info = fields.get(arg)
            if info is None or info.is_required():
                continue
            default = info.get_default(call_default_factory=True)
            if not isinstance(default, int) or isinstance(default, bool) or default > cap:
                problems.append(f"{name}: default {arg}={default!r} is not within the cap {cap}")
        declared = set(rule.argument_names())
        for field_name, role in _SCOPING_FIELDS.items():
            if field_name in fields and field_name not in declared:
                problems.append(f"{name}: field {field_name!r} is not declared as its {role}")
    return problems
