"""Server metrics in the Prometheus text exposition format (0.0.4), written by hand.

Counters live in memory and restart from zero with the process, as Prometheus expects;
investigations by status and the queue depth are read from the store at scrape time, so they
survive restarts.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from agent.investigation.state import InvestigationState, Turn

_HELP = {
    "agent_webhook_requests_total": ("counter", "Webhook requests by source and outcome."),
    "agent_tool_calls_total": ("counter", "Tool calls by tool and decision (status)."),
    "agent_model_tokens_total": ("counter", "Model tokens by kind."),
    "agent_model_cost_usd_total": ("counter", "Model cost in US dollars."),
    "agent_investigations_taken_over_total": (
        "counter",
        "Investigations this replica resumed after their lease expired elsewhere.",
    ),
    "agent_spend_ceiling_investigations_total": (
        "counter",
        "Investigations a global spend ceiling changed, by what it did (offline, wait).",
    ),
    "agent_investigations": ("gauge", "Investigations by status."),
    "agent_queue_depth": ("gauge", "Investigations waiting for a worker."),
    "agent_notifications": (
        "gauge",
        "Notification deliveries by sink and status (pending: retrying).",
    ),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


_Key = tuple[tuple[str, str], ...]


def _labels(pairs: _Key) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


class Metrics:
    """Thread-safe counters for the intake and the workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, dict[_Key, float]] = {}

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the counter ``name`` with ``labels``."""
        key = tuple(sorted(labels.items()))
        with self._lock:
            counter = self._counters.setdefault(name, {})
            counter[key] = counter.get(key, 0.0) + amount

    def value(self, name: str, **labels: str) -> float:
        """The current value of one counter series (0 if never incremented)."""
        with self._lock:
            return self._counters.get(name, {}).get(tuple(sorted(labels.items())), 0.0)

    def observe_turns(self, turns: list[Turn]) -> None:
        """Count the tool calls, tokens and cost of newly completed turns."""
        for turn in turns:
            for call in turn.calls:
                self.inc("agent_tool_calls_total", tool=call.name, decision=call.status)
            usage = turn.usage
            for kind, amount in (
                ("input", usage.input_tokens),
                ("output", usage.output_tokens),
                ("cache_read", usage.cache_read_tokens),
                ("cache_write", usage.cache_write_tokens),
            ):
                if amount:
                    self.inc("agent_model_tokens_total", amount, kind=kind)
            if usage.cost_usd:
                self.inc("agent_model_cost_usd_total", usage.cost_usd)

    def step_observer(self) -> StepObserver:
        """A per-investigation observer that counts each turn once."""
        return StepObserver(self)

    def render(
        self,
        statuses: Mapping[str, int],
        queue_depth: int,
        deliveries: Mapping[tuple[str, str], int] | None = None,
    ) -> str:
        """The exposition text, including the store-derived gauges."""
        with self._lock:
            series = {name: dict(counter) for name, counter in self._counters.items()}
        series["agent_investigations"] = {(("status", s),): float(n) for s, n in statuses.items()}
        series["agent_queue_depth"] = {(): float(queue_depth)}
        series["agent_notifications"] = {
            (("sink", sink), ("status", status)): float(n)
            for (sink, status), n in (deliveries or {}).items()
        }
        lines: list[str] = []
        for name, (kind, help_text) in _HELP.items():
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            for key, amount in sorted(series.get(name, {}).items()):
                lines.append(f"{name}{_labels(key)} {amount:g}")
        return "\n".join(lines) + "\n"


class StepObserver:
    """Counts the turns an investigation completed since the last call (resumes included)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._seen: int | None = None

    def __call__(self, state: InvestigationState) -> None:
        """Count the turns of ``state`` not yet counted by this process."""
        if self._seen is None:
            # First step of this process: the turns before it were counted before a restart
            # (or never, which a counter reset already tells Prometheus).
            self._seen = max(len(state.turns) - 1, 0)
        self._metrics.observe_turns(state.turns[self._seen :])
        self._seen = len(state.turns)
