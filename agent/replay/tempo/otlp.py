"""OTLP/JSON value, id and enum codecs shared by the Tempo replay server.

Recorded traces arrive as OTLP/JSON written by different exporters: ids may be hex (what
bundles use) or base64 (what protobuf JSON mapping and Tempo produce), and enums may be
integers or their proto names. Everything is decoded into plain Python values here, and
encoded back the way Tempo answers (base64 ids, enum names, 64-bit integers as strings).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

AttrValue = str | int | float | bool | bytes | list[Any] | dict[str, Any] | None

SPAN_KINDS = ("unspecified", "internal", "server", "client", "producer", "consumer")
STATUS_CODES = ("unset", "ok", "error")

_HEX = re.compile(r"[0-9a-fA-F]+")


class OtlpFormatError(ValueError):
    """A recorded OTLP/JSON value does not have the expected shape."""


def decode_id(raw: object, n_bytes: int, field: str) -> str:
    """Decode a trace or span id given as hex or base64 into lowercase hex of ``n_bytes``.

    Hex shorter than the full width is left-padded with zeros, as Tempo does.

    Raises:
        OtlpFormatError: the value is neither hex nor base64 of the right width.
    """
    if not isinstance(raw, str) or not raw:
        raise OtlpFormatError(f"{field} must be a non-empty string, got {raw!r}")
    if _HEX.fullmatch(raw) and len(raw) <= 2 * n_bytes:
        return raw.lower().rjust(2 * n_bytes, "0")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except binascii.Error:
        decoded = b""
    if len(decoded) == n_bytes:
        return decoded.hex()
    raise OtlpFormatError(f"{field} {raw!r} is neither hex nor base64 of {n_bytes} bytes")


def hex_to_base64(hex_id: str) -> str:
    """Encode a hex id the way Tempo's JSON does (grafana/tempo#5437)."""
    return base64.b64encode(bytes.fromhex(hex_id)).decode("ascii")


def decode_enum(raw: object, names: Sequence[str], prefix: str, field: str) -> str:
    """Decode an OTLP enum given as an int or a proto name into its short lowercase name.

    ``prefix`` is the proto name prefix, e.g. ``SPAN_KIND_`` for ``SPAN_KIND_SERVER``.
    A missing value decodes to the zero value.
    """
    if raw is None:
        return names[0]
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < len(names):
        return names[raw]
    if isinstance(raw, str):
        short = raw.removeprefix(prefix).lower()
        if short in names:
            return short
        if raw.isdigit() and int(raw) < len(names):
            return names[int(raw)]
    raise OtlpFormatError(f"{field} {raw!r} is not one of {', '.join(names)}")


def encode_enum(name: str, names: Sequence[str], prefix: str) -> str:
    """Encode a short enum name back to its proto name, e.g. ``server`` → ``SPAN_KIND_SERVER``."""
    if name not in names:
        raise OtlpFormatError(f"unknown enum value {name!r}")
    return prefix + name.upper()


def decode_nanos(raw: object, field: str) -> int:
    """Decode a 64-bit nanosecond timestamp given as a decimal string or an int."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise OtlpFormatError(f"{field} must be nanoseconds as a decimal string, got {raw!r}")


def decode_value(value: Mapping[str, Any]) -> AttrValue:
    """Decode an OTLP ``AnyValue`` object into a Python value."""
    if "stringValue" in value:
        return str(value["stringValue"])
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError) as exc:
            raise OtlpFormatError(f"intValue {value['intValue']!r} is not an integer") from exc
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "bytesValue" in value:
        return base64.b64decode(value["bytesValue"])
    if "arrayValue" in value:
        return [decode_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return decode_attributes(value["kvlistValue"].get("values", []))
    return None  # an empty AnyValue is legal OTLP


def decode_attributes(attributes: object) -> dict[str, AttrValue]:
    """Decode an OTLP ``KeyValue`` list into a dict (later duplicates win)."""
    if attributes is None:
        return {}
    if not isinstance(attributes, list):
        raise OtlpFormatError(f"attributes must be a list, got {type(attributes).__name__}")
    decoded: dict[str, AttrValue] = {}
    for item in attributes:
        if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
            raise OtlpFormatError(f"attribute {item!r} has no string 'key'")
        decoded[item["key"]] = decode_value(item.get("value") or {})
    return decoded


def encode_value(value: AttrValue) -> dict[str, Any]:
    """Encode a Python value as an OTLP ``AnyValue`` in protobuf JSON mapping."""
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode("ascii")}
    if isinstance(value, list):
        return {"arrayValue": {"values": [encode_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": encode_attributes(value)}}
    return {}


def encode_attributes(attributes: Mapping[str, AttrValue]) -> list[dict[str, Any]]:
    """Encode a dict of attributes as an OTLP ``KeyValue`` list."""
    return [{"key": key, "value": encode_value(value)} for key, value in attributes.items()]
