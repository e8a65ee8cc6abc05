"""An in-memory store of timestamped samples and its OpenMetrics text rendering.

Families are written in the order they were first used, each series' samples in time order, so
``promtool tsdb create-blocks-from openmetrics`` accepts the output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, TextIO

MetricType = Literal["counter", "gauge", "histogram", "summary"]
LabelKey = tuple[tuple[str, str], ...]


@dataclass(slots=True)
class Family:
    """One metric family: its type, help and series keyed by (sample name, labels)."""

    name: str
    type: MetricType
    help: str
    series: dict[tuple[str, LabelKey], list[tuple[int, float]]] = field(default_factory=dict)


@dataclass(slots=True)
class MetricStore:
    """Every sample generated for a bundle."""

    families: dict[str, Family] = field(default_factory=dict)

    def family(self, name: str, type_: MetricType, help_: str) -> Family:
        """Declare (or fetch) a family; the first declaration fixes its position in the file."""
        fam = self.families.get(name)
        if fam is None:
            fam = self.families[name] = Family(name, type_, help_)
        if fam.type != type_:
            raise ValueError(f"metric family {name!r} declared as {fam.type} and {type_}")
        return fam

    def add(
        self, fam: Family, suffix: str, labels: Mapping[str, str], t: float, value: float
    ) -> None:
        """Append a sample to the series ``fam.name + suffix`` with ``labels``."""
        key = (fam.name + suffix, tuple(labels.items()))
        fam.series.setdefault(key, []).append((int(t), value))

    def select(
        self, sample_name: str, **match: str
    ) -> Iterator[tuple[dict[str, str], list[tuple[int, float]]]]:
        """Series named ``sample_name`` whose labels equal every ``match`` item."""
        for fam in self.families.values():
            for (name, labels), samples in fam.series.items():
                if name != sample_name:
                    continue
                as_dict = dict(labels)
                if all(as_dict.get(k) == v for k, v in match.items()):
                    yield as_dict, samples

    def sample_count(self) -> int:
        """How many samples the store holds."""
        return sum(len(s) for f in self.families.values() for s in f.series.values())


def _value(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(round(v, 4))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_openmetrics(store: MetricStore, out: TextIO) -> None:
    """Render the store as OpenMetrics text ending in ``# EOF``."""
    for fam in store.families.values():
        if not fam.series:
            continue
        out.write(f"# TYPE {fam.name} {fam.type}\n# HELP {fam.name} {fam.help}\n")
        for (name, labels), samples in fam.series.items():
            rendered = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
            prefix = f"{name}{{{rendered}}} " if rendered else f"{name} "
            out.writelines(f"{prefix}{_value(v)} {t}\n" for t, v in samples)
    out.write("# EOF\n")
