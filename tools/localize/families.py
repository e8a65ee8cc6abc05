"""Metric discovery: which families exist in scope, of which type, keyed by which label.

Types follow the exposition conventions, since a backfilled or remote-read Prometheus often
has no metadata: a ``quantile`` label makes a summary, ``_bucket`` with ``le`` a histogram,
``_total``/``_count`` a counter, anything else a gauge. Families whose series carry a pair
of labels ``source_X``/``destination_X`` (``src_``/``dst_``, ``client_``/``server_``) are
*edges* between two workloads (Istio's ``istio_request_duration_*``, Linkerd's
``response_latency_*``, ...), found by that shape, not by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .workloads import POD_LABELS, WORKLOAD_LABELS

Kind = Literal["counter", "gauge", "summary", "histogram"]
# Pairs of label prefixes naming the two ends of a call.
EDGE_PREFIXES = (("source_", "destination_"), ("src_", "dst_"), ("client_", "server_"))
# Suffixes that identify the workload in an edge label pair, most precise first.
EDGE_SUBJECTS = ("workload", "app", "service", "canonical_service", "name")
# Labels by which a caller's own (client-side) metric names the peer it calls, after the
# OpenTelemetry conventions (``peer.service``, ``server.address``, ``net.peer.name``).
PEER_LABELS = ("peer", "peer_service", "server_address", "net_peer_name", "upstream")
# Families that describe objects rather than measure them (constant 1, or timestamps).
_DESCRIPTIVE = re.compile(
    r"(_info|_created|_labels|_annotations|_timestamp_seconds|_start_time_seconds)$"
)


@dataclass
class Family:
    """A metric family found in scope."""

    name: str
    kind: Kind
    labels: set[str] = field(default_factory=set)
    series: int = 0

    @property
    def key(self) -> str | None:
        """The label naming the workload a series belongs to, if any."""
        for label in (*POD_LABELS, *WORKLOAD_LABELS):
            if label in self.labels:
                return label
        return None

    def edge(self) -> tuple[str, str] | None:
        """The (caller label, callee label) pair of an edge family, if it is one.

        Either a source/destination label pair, or a workload key plus a peer label (a
        client-side metric naming what it calls; its caller is the reporter).
        """
        for src, dst in EDGE_PREFIXES:
            for subject in EDGE_SUBJECTS:
                if src + subject in self.labels and dst + subject in self.labels:
                    return src + subject, dst + subject
        peer = next((p for p in PEER_LABELS if p in self.labels), None)
        if peer is not None and self.key is not None:
            return self.key, peer
        return None

    @property
    def caller_reported(self) -> bool:
        """Whether every series of this edge family is reported by the caller (peer-style)."""
        pair = self.edge()
        return pair is not None and pair[1] in PEER_LABELS

    @property
    def reporter(self) -> str | None:
        """The label saying which end reported an edge series (Istio's ``reporter``)."""
        return "reporter" if "reporter" in self.labels else None


def kind_of(name: str, labels: Iterable[str]) -> Kind:
    """The family type by exposition conventions (see the module docstring)."""
    have = set(labels)
    if "quantile" in have:
        return "summary"
    if name.endswith("_bucket") and "le" in have:
        return "histogram"
    if name.endswith(("_total", "_count")):
        return "counter"
    return "gauge"


def families(series: Iterable[Mapping[str, str]]) -> list[Family]:
    """The families of a ``/api/v1/series`` answer, by name; descriptive ones left out.

    A histogram's ``_sum`` and a summary's ``_sum`` are left out as well: their ``_count``
    (traffic) and quantiles (latency) already say what they would.
    """
    found: dict[str, Family] = {}
    for labels in series:
        name = labels.get("__name__", "")
        if not name or _DESCRIPTIVE.search(name) or name.endswith("_sum"):
            continue
        family = found.get(name)
        if family is None:
            family = found[name] = Family(name=name, kind="gauge")
        family.labels.update(k for k in labels if k != "__name__")
        family.series += 1
    for family in found.values():
        family.kind = kind_of(family.name, family.labels)
    return sorted(found.values(), key=lambda f: f.name)
