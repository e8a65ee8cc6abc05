"""``log_labels``: which Loki stream labels (and values) exist in the investigation's scope."""

from __future__ import annotations

from collections import Counter, defaultdict

from pydantic import Field

from agent.errors import BackendError

from .base import ToolContext, ToolResult
from .result import envelope, failed, json_size, not_configured, span_text
from .timerange import TimeRangeInput

_EXAMPLES = 6  # values shown per label name in the overview
_MAX_VALUES = 200  # values listed for one label


class LogLabelsInput(TimeRangeInput):
    """Input of ``log_labels``."""

    namespace: str | None = Field(
        default=None,
        min_length=1,
        description="One namespace in scope. Default: every namespace in scope.",
    )
    label: str | None = Field(
        default=None,
        pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$",
        description="If set, list every value of this label (with stream counts) instead.",
    )


def selector_for(namespaces: list[str]) -> str:
    """A LogQL stream selector matching exactly ``namespaces``."""
    if len(namespaces) == 1:
        return f'{{namespace="{namespaces[0]}"}}'
    # Namespace names are DNS labels (a-z, 0-9, -): nothing in them needs regex escaping.
    return f'{{namespace=~"{"|".join(namespaces)}"}}'


def log_labels(args: LogLabelsInput, ctx: ToolContext) -> ToolResult:
    """Discover the Loki stream labels of the namespaces in scope, or the values of one label.

    Call this before query_logs when you do not know how streams are labelled here (app,
    service_name, container, job, pod ...): a selector on a label that does not exist matches
    nothing. It returns each label name with how many values it has and a few examples; with
    `label` set, every value of that label with its stream count. Then write the query_logs
    selector from these names.
    """
    span = args.span(ctx)
    namespaces = [args.namespace] if args.namespace else sorted(ctx.scope.namespaces)
    if not namespaces:
        return ToolResult(
            tool="log_labels",
            status="no_data",
            summary="No namespace is in scope, so no log streams can be listed.",
        )
    selector = selector_for(namespaces)
    request = f"GET /loki/api/v1/series?match[]={selector} {span_text(span)}"
    loki = ctx.backends.loki
    if loki is None:
        return not_configured("log_labels", "Loki", request, span)
    try:
        fetched = loki.series([selector], span.start, span.end)
    except BackendError as exc:
        return failed("log_labels", exc, request, span, f"log labels of {', '.join(namespaces)}")
    body = fetched.body if isinstance(fetched.body, list) else []
    streams = [s for s in body if isinstance(s, dict)]
    values: dict[str, Counter[str]] = defaultdict(Counter)
    for stream in streams:
        for name, value in stream.items():
            values[str(name)][str(value)] += 1
    if args.label:
        found = values.get(args.label, Counter())
        head = [f"{len(found)} values of {args.label} in {len(streams)} streams of {selector}"]
        items = [f"{value} ({count} streams)" for value, count in found.most_common(_MAX_VALUES)]
        data = {"label": args.label, "values": dict(found.most_common(_MAX_VALUES))}
    else:
        head = [f"{len(values)} labels on {len(streams)} streams of {selector}"]
        items = [
            f"{name} ({len(found)} values): "
            + ", ".join(v for v, _ in found.most_common(_EXAMPLES))
            for name, found in sorted(values.items())
        ]
        data = {"labels": {name: len(found) for name, found in sorted(values.items())}}
    return envelope(
        tool="log_labels",
        request=request,
        span=span,
        head=head,
        items=items,
        max_chars=ctx.limits.max_chars,
        data={**data, "streams": len(streams), "selector": selector},
        raw_bytes=fetched.raw_bytes or json_size(body),
        narrow_hint="Pass one namespace or a label to see fewer lines.",
        empty=not streams,
    )
