"""Alertmanager-compatible alert fingerprints.

Alertmanager identifies an alert by ``model.LabelSet.Fingerprint()`` from prometheus/common:
FNV-1a 64 over the label names in sorted order, each name and value followed by the byte 0xFF,
printed as 16 lower-case hex digits.
"""

from __future__ import annotations

from collections.abc import Mapping

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1
_SEPARATOR = 0xFF


def fingerprint_value(labels: Mapping[str, str]) -> int:
    """Return the 64-bit fingerprint of a label set, as Alertmanager computes it."""
    if not labels:
        return _FNV_OFFSET
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode("utf-8"):
                h ^= byte
                h = (h * _FNV_PRIME) & _MASK
            h ^= _SEPARATOR
            h = (h * _FNV_PRIME) & _MASK
    return h


def fingerprint(labels: Mapping[str, str]) -> str:
    """Return the fingerprint of a label set as Alertmanager prints it (``%016x``)."""
    return f"{fingerprint_value(labels):016x}"
