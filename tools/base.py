"""What every investigation tool shares: the envelope, the context, the ``Tool`` record.

A ``Tool`` is an input model, one function, and a docstring written for the model.

A tool never talks to a backend directly: it receives narrow read-only clients through
``ToolContext.backends``. Default time ranges come from ``ToolContext.now`` (the
investigation's clock), never from the wall clock.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from agent.alerts.model import Alert
from agent.logs.parsed import ParsedLines

from .schema import model_schema

if TYPE_CHECKING:
    from tools.clients import Backends

Status = Literal["ok", "no_data", "error", "denied", "truncated"]


class TimeSpan(BaseModel):
    """A closed time range."""

    model_config = ConfigDict(frozen=True)

    start: AwareDatetime
    end: AwareDatetime


class ToolResult(BaseModel):
    """The one envelope every tool returns.

    ``request`` is the exact query or API request that ran, so every claim in a report can be
    traced back to it. ``summary`` is compact text for the model; ``data`` holds the same facts
    in structured form. ``gap`` says what is missing when the backend failed. ``flags`` lists
    instruction-like text found in telemetry (which stays data, never instructions).
    """

    tool: str
    status: Status
    request: str = ""
    time_range: TimeSpan | None = None
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)
    gap: str | None = None
    hints: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    raw_bytes: int = 0


class ToolInput(BaseModel):
    """Base of every tool's input model: unknown fields are rejected, never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one investigation may read: namespaces, plus cluster-scoped nodes."""

    namespaces: frozenset[str]
    max_range: timedelta = timedelta(hours=6)

    def allows_namespace(self, namespace: str) -> bool:
        """Whether ``namespace`` is in scope."""
        return namespace in self.namespaces


@dataclass(frozen=True, slots=True)
class OutputLimits:
    """Size limits of what a tool hands the model."""

    max_tokens: int = 2_000
    max_raw_lines: int = 50
    max_series: int = 20

    @property
    def max_chars(self) -> int:
        """Character budget (tokens are estimated as characters / 4)."""
        return self.max_tokens * 4


@dataclass(frozen=True, slots=True)
class ToolContext:
    """Everything a tool may use: read-only clients, the clock, the scope and the limits."""

    backends: Backends
    now: datetime
    alert: Alert
    scope: Scope
    limits: OutputLimits = field(default_factory=OutputLimits)
    # What the template miners of this investigation derive from each log line, worked out
    # once (agent.logs.parsed). One per context, and a context is made per investigation.
    parsed_lines: ParsedLines = field(default_factory=ParsedLines, repr=False, compare=False)

    def window(
        self,
        start: datetime | None,
        end: datetime | None,
        default: timedelta = timedelta(hours=1),
    ) -> TimeSpan:
        """Resolve an optional range against the investigation clock (``end`` defaults to now)."""
        stop = end or self.now
        return TimeSpan(start=start or stop - default, end=stop)


ToolFunction = Callable[[Any, ToolContext], ToolResult]


@dataclass(frozen=True, slots=True)
class Tool:
    """A tool: a name, an input model, one function and its docstring as the description."""

    name: str
    input_model: type[ToolInput]
    func: ToolFunction
    needs_backend: bool = True

    @property
    def description(self) -> str:
        """The function's docstring: instructions to the model on when and how to call it."""
        return inspect.cleandoc(self.func.__doc__ or "")

    def schema(self) -> dict[str, Any]:
        """The model-facing definition, generated from the input model."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": model_schema(self.input_model),
        }


class Registry:
    """Named tools; rejects duplicates and hands out restricted views."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools or []:
            self.add(tool)

    def add(self, tool: Tool) -> None:
        """Register a tool.

        Raises:
            ValueError: a tool of that name is already registered.
        """
        if tool.name in self._tools:
            raise ValueError(f"tool {tool.name!r} is already registered")
        self._tools[tool.name] = tool

    def get(self, name: str) -> Tool | None:
        """The tool called ``name``, if registered."""
        return self._tools.get(name)

    def names(self) -> list[str]:
        """Registered tool names, sorted."""
        return sorted(self._tools)

    def view(self, allowed: set[str] | frozenset[str]) -> Registry:
        """A registry holding only the ``allowed`` tools."""
        return Registry([t for n, t in sorted(self._tools.items()) if n in allowed])

    def schemas(self) -> list[dict[str, Any]]:
        """Model-facing definitions of every tool, in name order."""
        return [self._tools[n].schema() for n in self.names()]
