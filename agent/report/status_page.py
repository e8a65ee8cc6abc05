"""Keep internal names out of the public status-page draft.

A status page is read by customers and attackers alike, so it must not reveal services, pods,
hosts, namespaces, nodes or addresses. ``check_status_page`` lists what would leak;
``sanitize_status_page`` replaces it with neutral wording. Besides the names the investigation
saw in telemetry, anything shaped like an IP literal, a Deployment pod name or an in-cluster
DNS name is caught even when nobody listed it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from agent.report.model import StatusPage
from agent.report.patterns import CLUSTER_HOST, DEPLOYMENT_POD_NAME

NEUTRAL_NAME = "a backend service"
NEUTRAL_ADDRESS = "an internal address"
_MIN_NAME_LENGTH = 2
# A host label shorter than this ("db" of "db.prod.example") is as likely an ordinary word.
_MIN_HOST_LABEL = 4
# Characters that continue a name: "shop" is not found in "shopping".
_NAME_CHARS = r"A-Za-z0-9_\-"
_IPV4 = r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]*\w)"
# A host name that spells an IPv4 address with dashes: ip-10-20-2-35, node-10-0-0-1.
_DASHED_IP_HOST = r"(?<![\w.-])[A-Za-z][A-Za-z0-9]*(?:-\d{1,3}){4}(?![\w-]|\.\w)"
# A dotted host name under a private suffix (cloud-internal, mDNS, corporate zones).
_PRIVATE_FQDN = (
    r"(?<![\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+"
    r"(?:internal|local|localdomain|lan|intranet|corp|home\.arpa)(?![\w-])"
)
# A generous IPv6 candidate; ``ipaddress`` decides (so "12:00:05" stays a time).
_IPV6 = (
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])"
)


@dataclass(frozen=True, slots=True)
class _Finding:
    kind: str
    text: str
    start: int
    end: int


def _name_tokens(names: Iterable[str]) -> set[str]:
    """The listed names plus the host label of each dotted one.

    A node listed as ``ip-10-20-2-35.ec2.internal`` is written ``ip-10-20-2-35`` just as often.
    IP literals are left whole: their first octet is no name.
    """
    tokens: set[str] = set()
    for raw in names:
        name = raw.strip()
        if len(name) < _MIN_NAME_LENGTH:
            continue
        tokens.add(name)
        label = name.split(".", 1)[0]
        if label != name and len(label) >= _MIN_HOST_LABEL and not _is_ip(name):
            tokens.add(label)
    return tokens


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


class _Scanner:
    """One compiled pattern over every kind of internal name, applied in a single pass.

    A single pass matters: replacing names one after another could match inside an earlier
    replacement (a service called "backend" inside "a backend service").
    """

    def __init__(self, internal_names: Iterable[str]) -> None:
        names = sorted(
            _name_tokens(internal_names),
            key=lambda n: (-len(n), n),  # longest first: "payments-db" before "payments"
        )
        alternatives = [
            f"(?P<host>{CLUSTER_HOST.pattern})",
            f"(?P<hostlike>{_PRIVATE_FQDN}|{_DASHED_IP_HOST})",
            f"(?P<pod>{DEPLOYMENT_POD_NAME.pattern})",
            f"(?P<ipv4>{_IPV4})",
            f"(?P<ipv6>{_IPV6})",
        ]
        if names:
            joined = "|".join(re.escape(n) for n in names)
            # A hyphenated compound of a listed name (payments-worker) is internal too.
            alternatives.append(
                f"(?P<name>(?<![{_NAME_CHARS}.])(?:[A-Za-z0-9]+-)*(?:{joined})"
                f"(?:-[A-Za-z0-9]+)*(?![{_NAME_CHARS}]))"
            )
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)

    def findings(self, text: str) -> list[_Finding]:
        found = []
        for match in self._pattern.finditer(text):
            kind = match.lastgroup or "name"
            if kind.startswith("ip") and not _is_ip(match.group(0)):
                continue
            found.append(_Finding(kind, match.group(0), match.start(), match.end()))
        return found

    def replace(self, text: str) -> str:
        parts: list[str] = []
        position = 0
        for finding in self.findings(text):
            parts.append(text[position : finding.start])
            parts.append(NEUTRAL_ADDRESS if finding.kind.startswith("ip") else NEUTRAL_NAME)
            position = finding.end
        parts.append(text[position:])
        return "".join(parts)


_DESCRIPTIONS = {
    "host": "an in-cluster host name",
    "hostlike": "a host name",
    "pod": "a pod name",
    "ipv4": "an IP address",
    "ipv6": "an IP address",
    "name": "an internal name",
}
_NEUTRAL = re.compile(f"{re.escape(NEUTRAL_NAME)}|{re.escape(NEUTRAL_ADDRESS)}", re.IGNORECASE)


def check_status_page(page: StatusPage, internal_names: Iterable[str]) -> list[str]:
    """Everything in ``page`` that reveals internal systems, one message per occurrence.

    Args:
        page: The draft to check.
        internal_names: Services, pods, hosts, IPs, namespaces and nodes seen in telemetry.

    Returns:
        Messages such as ``"body: an IP address '10.0.3.7'"``; empty when the page is clean.
    """
    scanner = _Scanner(internal_names)
    violations: list[str] = []
    for field, text in (("title", page.title), ("body", page.body)):
        # Our own neutral wording may contain a listed name ("backend"); it is not a leak.
        masked = _NEUTRAL.sub(lambda m: "\x00" * len(m.group(0)), text)
        violations.extend(
            f"{field}: {_DESCRIPTIONS[f.kind]} {f.text!r}" for f in scanner.findings(masked)
        )
    return violations


def sanitize_status_page(page: StatusPage, internal_names: Iterable[str]) -> StatusPage:
    """A copy of ``page`` with every internal name and address replaced by neutral wording."""
    scanner = _Scanner(internal_names)
    return page.model_copy(
        update={"title": scanner.replace(page.title), "body": scanner.replace(page.body)}
    )
