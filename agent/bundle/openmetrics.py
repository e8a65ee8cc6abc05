"""A fast structural check of ``metrics.om`` before promtool sees it.

promtool's own errors name neither the file nor, often, the line; this check finds the common
mistakes (no ``# EOF``, samples without timestamps or in milliseconds, out-of-order samples,
families split in two) and reports each with its line. It is not a full OpenMetrics parser:
promtool remains the final judge when the replay backfills the file.
"""

from __future__ import annotations

import gzip
import math
import re
from pathlib import Path
from typing import TextIO

from agent.errors import Problem

_SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{(?:[^\"}]|\"(?:[^\"\\]|\\.)*\")*\})?"
    r" (?P<value>\S+)(?: (?P<ts>\S+))?(?: # .*)?$"
)
_FAMILY_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created", "_info", "_gcount", "_gsum")
# A seconds timestamp past this is almost certainly milliseconds (year 2286+).
_MAX_SECONDS = 1e10
# The ``le`` label itself, not a label whose name merely ends in "le" (``quantile``, ``role``).
_LE_LABEL = re.compile(r"[{,]\s*le\s*=")


def _family(name: str) -> str:
    for suffix in _FAMILY_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def open_text(path: Path) -> TextIO:
    """Open a metrics file for reading text, gunzipping ``.gz`` files on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def check_openmetrics(path: Path, max_problems: int = 50) -> list[Problem]:
    """Return the problems of an OpenMetrics file meant for promtool backfilling."""
    problems: list[Problem] = []
    where = str(path)
    last_ts: dict[str, float] = {}
    families_done: set[str] = set()
    current_family = ""
    saw_eof = False
    try:
        handle = open_text(path)
    except OSError as exc:
        return [Problem(where, 0, f"cannot read: {exc}")]
    with handle:
        for number, raw in enumerate(handle, start=1):
            if len(problems) >= max_problems:
                problems.append(Problem(where, number, "too many problems; stopped checking"))
                return problems
            line = raw.rstrip("\n")
            if saw_eof:
                if line.strip():
                    problems.append(Problem(where, number, "content after '# EOF'"))
                continue
            if line == "# EOF":
                saw_eof = True
                continue
            if line.startswith("#"):
                parts = line.split(" ", 3)
                if len(parts) >= 3 and parts[1] in {"TYPE", "HELP", "UNIT"}:
                    family = parts[2]
                    if family != current_family:
                        if family in families_done:
                            problems.append(
                                Problem(where, number, f"metric family {family!r} appears twice")
                            )
                        families_done.add(current_family)
                        current_family = family
                continue
            if not line.strip():
                problems.append(Problem(where, number, "blank line (not allowed in OpenMetrics)"))
                continue
            match = _SAMPLE.match(line)
            if match is None:
                problems.append(Problem(where, number, "not a sample line"))
                continue
            family = _family(match["name"])
            if family != current_family and match["name"] != current_family:
                if family in families_done:
                    problems.append(
                        Problem(where, number, f"metric family {family!r} appears twice")
                    )
                families_done.add(current_family)
                current_family = family
            try:
                value = float(match["value"])
            except ValueError:
                problems.append(
                    Problem(where, number, f"value is not a number: {match['value']!r}")
                )
                continue
            if match["ts"] is None:
                problems.append(
                    Problem(where, number, "sample has no timestamp (seconds required)")
                )
                continue
            try:
                ts = float(match["ts"])
            except ValueError:
                problems.append(
                    Problem(where, number, f"timestamp is not a number: {match['ts']!r}")
                )
                continue
            if ts > _MAX_SECONDS:
                problems.append(
                    Problem(where, number, "timestamp looks like milliseconds; use seconds")
                )
                continue
            series = match["name"] + (match["labels"] or "")
            previous = last_ts.get(series)
            if previous is not None and ts <= previous:
                problems.append(Problem(where, number, f"samples of {series} out of time order"))
            last_ts[series] = ts
            # A histogram bucket counts observations and is never NaN; a summary quantile of an
            # idle summary is NaN by definition, and that is valid OpenMetrics.
            if math.isnan(value) and match["labels"] and _LE_LABEL.search(match["labels"]):
                problems.append(Problem(where, number, "NaN bucket value"))
    if not saw_eof:
        problems.append(Problem(where, 0, "missing final '# EOF' line"))
    return problems
