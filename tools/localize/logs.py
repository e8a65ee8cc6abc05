"""Log signals per workload: the error-line rate and the template shift against the baseline.

Lines before and after the onset go through one template miner (``agent.logs``); per workload
and template the after-onset count is compared with what the baseline rate predicts, as a
Poisson z: NEW and SPIKE templates score positive, VANISHED ones (a code path that stopped
running — often the only trace of an exception caught upstream or a wrong result) negative;
both count. Error lines (by level words) give a second signal per workload.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agent.errors import BackendError
from agent.logs import TemplateMiner
from agent.logs.parsed import ParsedLines
from agent.timeutil import to_ns
from tools.clients import LokiReader
from tools.logs import fetch_lines

from .robust import RELATIVE_FLOOR, peer_scores
from .signals import Signal
from .workloads import Workloads

# Lines fetched on each side of the onset (the newest kept): enough for every template that
# matters to recur, few enough to mine in well under a second.
MAX_LINES = 1_000
# Level words that make a line an error line.
ERROR_LINE = re.compile(r"\b(error|err|exception|fatal|panic|critical|traceback|failed)\b", re.I)
# A template must predict or show at least this many lines to be judged at all.
MIN_LINES = 3


@dataclass
class LogPart:
    """What the log analysis found."""

    signals: list[Signal] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    summary: str = "logs: Loki not configured"


def poisson_z(count: int, expected: float) -> float:
    """How far ``count`` is from a Poisson ``expected`` count, on the metrics' bounded scale.

    The spread is the Poisson one (with +1 so an expectation of zero stays finite), floored
    like ``robust.scale`` at a tenth of the larger count: a template going from nothing to
    a hundred lines scores 10, as a metric rising from zero does, not 100.
    """
    spread = max(math.sqrt(expected + 1.0), RELATIVE_FLOOR * max(count, expected))
    return (count - expected) / spread


def _seconds(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 1.0)


def localise(
    loki: LokiReader | None,
    namespaces: Sequence[str],
    start: datetime,
    end: datetime,
    onset: datetime,
    workloads: Workloads,
    parsed: ParsedLines | None = None,
) -> LogPart:
    """Log signals per workload over ``[start, end]``, split at ``onset``.

    ``parsed`` is the investigation's memo of per-line work, shared with ``query_logs``.
    """
    part = LogPart()
    if loki is None:
        part.gaps.append("logs: Loki not configured")
        return part
    query = '{namespace=~"' + "|".join(namespaces) + '"}'
    try:
        before = fetch_lines(loki, query, to_ns(start), to_ns(onset), MAX_LINES).records
        after = fetch_lines(loki, query, to_ns(onset), to_ns(end), MAX_LINES).records
    except BackendError as exc:
        part.gaps.append(f"logs: {exc}")
        part.summary = "logs: unavailable"
        return part
    part.summary = f"logs: {len(before)} lines before the onset, {len(after)} after"
    if not after and not before:
        part.gaps.append("logs: no lines in the window")
        return part
    if not before:
        part.gaps.append("logs: no lines before the onset; template shift not judged")
        return part
    miner = TemplateMiner(parsed=parsed)
    counts: dict[str, Counter[int]] = defaultdict(Counter)
    errors: Counter[str] = Counter()
    for side, records in (("before", before), ("after", after)):
        for record in records:
            workload = workloads.of_labels(record.labels)
            if not workload:
                continue
            tid = miner.add(record.line)
            counts[f"{side}\0{workload}"][tid] += 1
            if ERROR_LINE.search(record.line):
                errors[f"{side}\0{workload}"] += 1
    texts = {t.id: t.template for t in miner.templates()}
    ratio = _seconds(onset, end) / _seconds(start, onset)
    shifts: dict[str, tuple[float, str]] = {}
    error_z: dict[str, float] = {}
    for workload in {k.split("\0", 1)[1] for k in counts}:
        was, now = counts[f"before\0{workload}"], counts[f"after\0{workload}"]
        best = (0.0, "")
        for tid in set(was) | set(now):
            expected = was[tid] * ratio
            if max(expected, now[tid]) < MIN_LINES:
                continue
            z = poisson_z(now[tid], expected)
            mark = (
                "NEW"
                if not was[tid]
                else ("VANISHED" if not now[tid] else ("SPIKE" if z > 0 else "DROP"))
            )
            if abs(z) > abs(best[0]):
                best = (z, f"{mark} {texts.get(tid, '')[:160]}")
        shifts[workload] = best
        error_z[workload] = poisson_z(
            errors[f"after\0{workload}"], errors[f"before\0{workload}"] * ratio
        )
    request = f"LogQL {query} split at {onset.isoformat()}"
    tz_moment = onset
    shift_scores = peer_scores({w: z for w, (z, _) in shifts.items()})
    error_scores = peer_scores(error_z)
    for workload, (z, text) in sorted(shifts.items()):
        part.signals.append(
            Signal(
                workload,
                "logs",
                "log template shift",
                shift_scores[workload],
                z,
                0.0,
                0.0,
                tz_moment,
                request,
                "errors",
                text,
            )
        )
    for workload, z in sorted(error_z.items()):
        part.signals.append(
            Signal(
                workload,
                "logs",
                "error-line rate",
                error_scores[workload] if z > 0 else 0.0,
                z,
                float(errors[f"before\0{workload}"]),
                float(errors[f"after\0{workload}"]),
                tz_moment,
                f'{query} |~ "(?i)error|exception|fatal|panic"',
                "errors",
            )
        )
    return part
