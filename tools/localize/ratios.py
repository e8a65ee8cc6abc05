"""Error shares: the part of each workload's requests that failed, from a status label.

A request counter split by a status label (HTTP ``code``/``status``, gRPC ``grpc_code``,
Micrometer's ``outcome``, ...) says what share of the workload's requests failed: the "E" of
the RED method, and often the only metric a wrong answer or an exception moves. Which values
are failures follows the protocols, not one exporter: HTTP 5xx, Micrometer's SERVER_ERROR,
gRPC's server-side codes (Internal, Unavailable, Unknown, DeadlineExceeded, DataLoss,
Unimplemented) and the plain words error and failure.

The share is scored on the scale of all requests: its robust z is floored at one percentage
point (``ERROR_LEVEL`` as ``robust_z``'s level), the granularity of a 99% objective, so
0% → 5% failing scores 5 and a flicker from 0.01% to 0.1% scores nothing. Client-side
counters are left out: the calls they count failed at their callee.
"""

from __future__ import annotations

from collections.abc import Iterable

from .families import Family
from .frame import Frame
from .signals import client_side

# Labels that carry a request's status, most specific first.
STATUS_LABELS = (
    "status_code",
    "http_status_code",
    "http_status",
    "response_code",
    "grpc_code",
    "grpc_status",
    "code",
    "status",
    "outcome",
    "result",
)
# The values of those labels that mean the server failed (RE2, matched whole).
ERROR_VALUES = (
    "(?i)(5[0-9][0-9]|5xx|server_error|error|errors|failure|failed|fail|internal|unavailable"
    "|unknown|deadline_?exceeded|data_?loss|unimplemented)"
)
# The share's scale: a tenth of it (one percentage point) is the least that can score.
ERROR_LEVEL = 0.1


def error_share_queries(
    found: Iterable[Family], selector: str, frame: Frame
) -> list[tuple[Family, str]]:
    """Per workload-keyed request counter with a status label, a pseudo-family and its PromQL.

    Steps without a failure have no failing series, which ``or … * 0`` turns into a share of 0
    rather than a gap.
    """
    out = []
    for family in found:
        key = family.key
        if family.kind != "counter" or key is None or family.edge() is not None:
            continue
        if client_side(family.name):
            continue
        label = next((name for name in STATUS_LABELS if name in family.labels), None)
        if label is None:
            continue
        rate = frame.rate_range()
        every = f"sum by ({key}) (irate({family.name}{{{selector}}}[{rate}]))"
        failing_sel = f'{selector}, {label}=~"{ERROR_VALUES}"'
        failing = f"sum by ({key}) (irate({family.name}{{{failing_sel}}}[{rate}]))"
        query = f"({failing} or {every} * 0) / {every}"
        out.append((Family(f"share of {family.name} failing", "gauge", {key}), query))
    return out
