"""Who a kubeconfig authenticates as, so the executor's identity can be told from the investigator's.

Comparing file paths is not enough: a copy of the investigator's kubeconfig is a different
path with the same credentials. What the API server sees is compared instead, for the context
each side uses:

- a bearer token (inline or ``tokenFile``); a ServiceAccount token is a JWT whose ``sub`` claim
  (``system:serviceaccount:<ns>:<name>``) is the user, so two tokens of one account match too;
- a client certificate (inline or file), by its bytes;
- basic-auth user name;
- an exec plugin or auth provider, by its command and arguments (same plugin, same user).

Each becomes a *credential fingerprint* (a digest, never the secret itself); two kubeconfigs
share an identity when any fingerprint is shared. Limitation: two distinct client certificates
issued for the same subject are not recognised as one user (that needs an X.509 parser).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from agent.errors import ConfigError

# Where a pod's ServiceAccount token is mounted: the investigator's identity in-cluster.
IN_CLUSTER_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")


def _digest(kind: str, value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return f"{kind}:{hashlib.sha256(data).hexdigest()[:16]}"


def _jwt_subject(token: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError):
        return None
    subject = claims.get("sub") if isinstance(claims, dict) else None
    return subject if isinstance(subject, str) and subject else None


def token_fingerprints(token: str) -> set[str]:
    """Fingerprints of a bearer token: the token, and its JWT subject if it has one."""
    token = token.strip()
    found = {_digest("token", token)}
    subject = _jwt_subject(token)
    if subject is not None:
        found.add(_digest("user", subject))
    return found


def _read(path: str, base: Path) -> bytes | None:
    file = Path(path).expanduser()
    try:
        return (file if file.is_absolute() else base / file).read_bytes()
    except OSError:
        return None


def _user_fingerprints(user: Mapping[str, Any], base: Path) -> set[str]:
    found: set[str] = set()
    token = user.get("token")
    if not token and user.get("tokenFile"):
        raw = _read(str(user["tokenFile"]), base)
        token = raw.decode(errors="replace") if raw else None
    if token:
        found |= token_fingerprints(str(token))
    cert: bytes | None = None
    if user.get("client-certificate-data"):
        try:
            cert = base64.b64decode(str(user["client-certificate-data"]))
        except (binascii.Error, ValueError):
            cert = str(user["client-certificate-data"]).encode()
    elif user.get("client-certificate"):
        cert = _read(str(user["client-certificate"]), base)
    if cert:
        found.add(_digest("cert", cert.strip()))
    if user.get("username"):
        found.add(_digest("user", str(user["username"])))
    for plugin in ("exec", "auth-provider"):
        if isinstance(user.get(plugin), Mapping):
            spec = user[plugin]
            keys = ("command", "args", "name", "env")
            found.add(_digest(plugin, json.dumps({k: spec.get(k) for k in keys}, sort_keys=True)))
    return found


def _merged(paths: list[Path]) -> dict[str, Any]:
    """A KUBECONFIG list merged as kubectl does: the first file to define a name wins."""
    merged: dict[str, Any] = {"contexts": {}, "users": {}, "current-context": None}
    for path in paths:
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"kubeconfig {path} is not readable: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ConfigError(f"kubeconfig {path} is not a kubeconfig (no mapping)")
        for section, key in (("contexts", "context"), ("users", "user")):
            for entry in loaded.get(section) or []:
                if isinstance(entry, dict) and "name" in entry:
                    merged[section].setdefault(entry["name"], (entry.get(key) or {}, path.parent))
        merged["current-context"] = merged["current-context"] or loaded.get("current-context")
    return merged


def kubeconfig_fingerprints(paths: list[Path], context: str | None = None) -> set[str]:
    """Credential fingerprints of the user the (merged) kubeconfig's context authenticates as.

    Raises:
        ConfigError: a file is unreadable, or the context or its user is missing.
    """
    merged = _merged(paths)
    name = context or merged["current-context"]
    shown = ", ".join(str(p) for p in paths)
    if name not in merged["contexts"]:
        raise ConfigError(f"kubeconfig {shown} has no context {name!r}")
    ctx, _ = merged["contexts"][name]
    user_name = ctx.get("user") if isinstance(ctx, Mapping) else None
    if user_name not in merged["users"]:
        raise ConfigError(f"kubeconfig {shown}: context {name!r} names no known user")
    user, base = merged["users"][user_name]
    return _user_fingerprints(user if isinstance(user, Mapping) else {}, base)


def investigator_fingerprints(
    kubeconfig: str | None, context: str | None, in_cluster_token: Path = IN_CLUSTER_TOKEN
) -> set[str]:
    """The investigator's fingerprints: its kubeconfig (a ``:`` list), else its pod's token."""
    paths = [Path(p).expanduser() for p in (kubeconfig or "").split(":") if p]
    existing = [p for p in paths if p.is_file()]
    if existing:
        return kubeconfig_fingerprints(existing, context)
    if not paths and in_cluster_token.is_file():
        return token_fingerprints(in_cluster_token.read_text(encoding="utf-8"))
    return set()
