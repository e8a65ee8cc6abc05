"""The allowlist policy: the model (``model``), loading (``load``) and the pure ``check``."""

from .check import check
from .decision import Allow, CallCounts, Decision, Deny, ToolCall
from .load import check_against_registry, default_policy_path, load_policy, load_policy_text
from .model import Policy, ToolRule
from .scope import derive_scope

__all__ = [
    "Allow",
    "CallCounts",
    "Decision",
    "Deny",
    "Policy",
    "ToolCall",
    "ToolRule",
    "check",
    "check_against_registry",
    "default_policy_path",
    "derive_scope",
    "load_policy",
    "load_policy_text",
]
