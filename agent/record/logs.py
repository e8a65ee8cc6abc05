"""Record the scope's logs from Loki as ``logs.jsonl``, redacted, one line per JSON line.

Each namespace is read forward with ``query_range`` in pages; a page restarts at the last
timestamp seen (lines sharing it are deduplicated) so no line is lost between pages. The total
is capped: a bundle is evidence, not an archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.safety.redact import Redactor
from agent.timeutil import to_ns
from tools.clients import LokiReader

PAGE = 5000
MAX_LINES_PER_NAMESPACE = 100_000


def format_ns(ns: int) -> str:
    """Epoch nanoseconds as RFC3339 with nine fraction digits."""
    seconds, fraction = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{fraction:09d}Z"


def namespace_lines(
    loki: LokiReader, namespace: str, start: datetime, end: datetime, cap: int
) -> list[tuple[int, dict[str, str], str]]:
    """Every (ts_ns, labels, line) of ``namespace`` in ``[start, end]``, up to ``cap``."""
    escaped = namespace.replace('"', '\\"')
    query = f'{{namespace="{escaped}"}}'
    cursor, end_ns = to_ns(start), to_ns(end)
    seen: set[tuple[int, str, str]] = set()
    lines: list[tuple[int, dict[str, str], str]] = []
    while len(lines) < cap:
        body: Any = loki.query_range(query, cursor, end_ns, PAGE, direction="forward").body
        fresh = 0
        last = cursor
        for stream in body.get("result", []):
            labels = {str(k): str(v) for k, v in stream.get("stream", {}).items()}
            key = json.dumps(labels, sort_keys=True)
            for ts_text, line in stream.get("values", []):
                ts = int(ts_text)
                last = max(last, ts)
                if (ts, key, line) not in seen:
                    seen.add((ts, key, line))
                    lines.append((ts, labels, line))
                    fresh += 1
        if fresh == 0 or sum(len(s.get("values", [])) for s in body.get("result", [])) < PAGE:
            break
        cursor = last
    return sorted(lines, key=lambda item: item[0])[:cap]


def record_logs(
    loki: LokiReader,
    namespaces: Iterable[str],
    start: datetime,
    end: datetime,
    redactor: Redactor,
    out: Path,
    cap: int = MAX_LINES_PER_NAMESPACE,
) -> int:
    """Write ``out`` and return how many lines it holds."""
    records: list[tuple[int, dict[str, str], str]] = []
    for namespace in sorted(namespaces):
        records.extend(namespace_lines(loki, namespace, start, end, cap))
    records.sort(key=lambda item: item[0])
    with out.open("w", encoding="utf-8") as handle:
        for ts, labels, line in records:
            document = {
                "ts": format_ns(ts),
                "labels": {k: redactor.redact(v) for k, v in labels.items()},
                "line": redactor.redact(line),
            }
            handle.write(json.dumps(document, ensure_ascii=False) + "\n")
    return len(records)
