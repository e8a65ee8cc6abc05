"""Shape evaluation results into Loki's JSON: streams, matrix, vector and ``stats``."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from agent.replay.loki.logs import ScanStats, StreamResult
from agent.replay.loki.metrics import Series

_NS = 1_000_000_000


def format_value(value: float) -> str:
    """Format a sample like Go's ``strconv.FormatFloat(v, 'f', -1, 64)``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    # repr switches to exponent notation for tiny/huge values; Go's 'f' format never does.
    return format(Decimal(text), "f") if "e" in text else text


def format_time(ns: int) -> int | float:
    """Seconds since the epoch as Loki writes sample times: millisecond precision."""
    ms = ns // 1_000_000
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def streams_json(results: list[StreamResult]) -> list[dict[str, Any]]:
    """``[{"stream": {...}, "values": [["<ns>", "<line>"], ...]}, ...]``."""
    return [
        {"stream": r.labels, "values": [[str(ts), line] for ts, line in r.values]} for r in results
    ]


def matrix_json(series: Series) -> list[dict[str, Any]]:
    """``[{"metric": {...}, "values": [[<sec>, "<value>"], ...]}, ...]`` sorted by labels."""
    return [
        {
            "metric": dict(key),
            "values": [[format_time(t), format_value(v)] for t, v in sorted(points.items())],
        }
        for key, points in sorted(series.items())
    ]


def vector_json(series: Series, time_ns: int) -> list[dict[str, Any]]:
    """``[{"metric": {...}, "value": [<sec>, "<value>"]}, ...]`` at one instant."""
    return [
        {"metric": dict(key), "value": [format_time(time_ns), format_value(points[time_ns])]}
        for key, points in sorted(series.items())
        if time_ns in points
    ]


def stats_json(stats: ScanStats, exec_seconds: float) -> dict[str, Any]:
    """A Loki ``stats`` block carrying what this query actually scanned."""
    rate = 1 / exec_seconds if exec_seconds > 0 else 0.0
    summary = {
        "bytesProcessedPerSecond": int(stats.bytes * rate),
        "linesProcessedPerSecond": int(stats.lines * rate),
        "totalBytesProcessed": stats.bytes,
        "totalLinesProcessed": stats.lines,
        "execTime": exec_seconds,
        "queueTime": 0,
        "subqueries": 0,
        "totalEntriesReturned": stats.entries_returned,
        "splits": 0,
        "shards": 0,
        "totalPostFilterLines": stats.entries_returned,
        "totalStructuredMetadataBytesProcessed": 0,
    }
    # Replayed lines are "already in the ingester": report them as decompressed head chunks.
    chunk = {
        "headChunkBytes": stats.bytes,
        "headChunkLines": stats.lines,
        "decompressedBytes": 0,
        "decompressedLines": 0,
        "compressedBytes": 0,
        "totalDuplicates": 0,
        "postFilterLines": stats.entries_returned,
        "headChunkStructuredMetadataBytes": 0,
        "decompressedStructuredMetadataBytes": 0,
    }
    store = {
        "totalChunksRef": 0,
        "totalChunksDownloaded": 0,
        "chunksDownloadTime": 0,
        "queryReferencedStructuredMetadata": False,
        "chunk": chunk,
    }
    cache_entry = {"entriesFound": 0, "entriesRequested": 0, "entriesStored": 0,
                   "bytesReceived": 0, "bytesSent": 0, "requests": 0, "downloadTime": 0}  # fmt: skip
    return {
        "summary": summary,
        "querier": {"store": store},
        "ingester": {
            "totalReached": 1,
            "totalChunksMatched": len(stats.streams),
            "totalBatches": 1 if stats.lines else 0,
            "totalLinesSent": stats.entries_returned,
            "store": store,
        },
        "cache": {
            name: dict(cache_entry)
            for name in ("chunk", "index", "result", "statsResult", "volumeResult")
        },
    }
