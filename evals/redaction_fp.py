"""Measure what the redactor replaces in recorded telemetry that holds no secrets.

Run over bundles whose telemetry is known to be secret-free (public fault-injection datasets),
every replaced value is a false positive or, for session identifiers, a judgement call. The
script redacts what the tools hand the model: each log line, each span's name and attribute
values, and one service-graph line per caller/callee pair (``a → b: N calls``), then prints how
many values each detector replaced and a sample of each.

    python -m evals.redaction_fp BUNDLE... [--json out.json] [--samples 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from agent.safety.redact import Redactor


def _attr_values(attrs: list[dict[str, Any]]) -> Iterator[str]:
    for attr in attrs:
        value = attr.get("value", {})
        for scalar in value.values():
            yield f"{attr.get('key', '')}={scalar}"


def _trace_texts(path: Path) -> Iterator[str]:
    edges: Counter[tuple[str, str]] = Counter()
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            for rs in doc.get("resourceSpans", []):
                attrs = rs.get("resource", {}).get("attributes", [])
                service = next(
                    (
                        a["value"].get("stringValue", "")
                        for a in attrs
                        if a["key"] == "service.name"
                    ),
                    "",
                )
                yield from _attr_values(attrs)
                for scope in rs.get("scopeSpans", []):
                    for span in scope.get("spans", []):
                        yield span.get("name", "")
                        yield from _attr_values(span.get("attributes", []))
                        peer = next(
                            (
                                a["value"].get("stringValue", "")
                                for a in span.get("attributes", [])
                                if a["key"] in ("rpc.service", "peer.service")
                            ),
                            "",
                        )
                        if peer:
                            edges[(service, peer)] += 1
    for (caller, callee), calls in edges.items():
        yield f"{caller} → {callee}: {calls} calls"


def _log_texts(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line).get("line", "")


class _RecordingRedactor(Redactor):
    """A Redactor that remembers every value it replaced, by placeholder kind."""

    def __init__(self) -> None:
        super().__init__(b"fp-measurement")
        self.values: dict[str, Counter[str]] = defaultdict(Counter)

    def placeholder(self, kind: str, value: str) -> str:
        self.values[kind][value] += 1
        return super().placeholder(kind, value)


def measure(bundles: Sequence[Path], samples: int) -> dict[str, Any]:
    """Redact every bundle's logs and traces; count replaced values per detector and kind."""
    redactor = _RecordingRedactor()
    texts = changed = 0
    for bundle in bundles:
        sources = []
        if (bundle / "traces.jsonl").exists():
            sources.append(_trace_texts(bundle / "traces.jsonl"))
        if (bundle / "logs.jsonl").exists():
            sources.append(_log_texts(bundle / "logs.jsonl"))
        for source in sources:
            for text in source:
                texts += 1
                changed += redactor.redact(text) != text
    return {
        "bundles": len(bundles),
        "texts": texts,
        "texts_changed": changed,
        "replaced_by_detector": dict(redactor.found),
        "distinct_values_by_kind": {k: len(v) for k, v in redactor.values.items()},
        "examples": {
            kind: [value[:80] for value, _ in counts.most_common(samples)]
            for kind, counts in redactor.values.items()
        },
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="+", type=Path)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args(argv)
    result = measure(args.bundles, args.samples)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
